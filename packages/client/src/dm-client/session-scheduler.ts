// Which DM sessions a DmClient runs, and when (one at a time, see session-queue.ts):
// - asked for by device software or the CLI (ClientInitiatedMgmt);
// - after an accepted Package#0: ServerInitiatedMgmt with the NOTIFICATION-ID, MOS when REQ-MOS (§2.7 step 3);
// - BootstrapComplete instead, on the first session with an account after it was provisioned (§14);
// - an asynchronous EXEC result bound for a ServerURI: a new session to that URI carrying it in Package#1
//   (§4.4); one without a ServerURI: a session to the SrvURI, unless a running session already carried it;
// - after each completed session, the reports still waiting for a ServerURI of that server are retried (an
//   aborted report session loses nothing: the alerts stay in the outbox until a 200 acknowledged them).
// - a bootstrap server's account (one holding Auth/Bootstrap keys) is reached at its Auth/Bootstrap/ServerURI
//   (§14 step 2); whatever accounts it creates are owed BootstrapComplete sessions as above;
// - the fallback (docs/bootstrap.md): after `bootstrapAfterAuthFailures` sessions in a row that a management
//   server refused for authentication, the device bootstraps again with its bootstrap server.
// - a report session that did not deliver its reports counts one failed attempt for each of them: they are tried
//   again after a back-off, at most asyncReports.maxAttempts times in all, then dropped with a "report-dropped"
//   event and one warning (report-retry.ts); the counts are saved, so the limit holds across restarts;
// - after each completed session, the reports of that server that are due are retried (an aborted report
//   session loses nothing: the alerts stay in the outbox until a 200 acknowledged them, or the limit drops them).
// Each session's outcome is reported as a "session" event and the state is saved after it.
import { type ConType, MOID_SESSIONINFO } from "@omadm/protocol";
import type { AccessControl } from "../access/access-control.js";
import type { DmCommandExecutor } from "../commands/command-executor.js";
import type { HttpClient } from "../http/http-client.js";
import { headerValue } from "../http/http-client.js";
import type { MemoryAlertOutbox } from "../session/alert-outbox.js";
import { type SessionOptions, runSession } from "../session/session-runner.js";
import {
  AbortCode,
  OutcomeKind,
  type SessionOutcome,
  type SessionTrigger,
  TriggerKind,
} from "../session/session-types.js";
import { readAccounts } from "../tree/dmacc.js";
import type { DmTree } from "../tree/dm-tree.js";
import { Roaming, setSessionInfo } from "../tree/sessioninfo.js";
import { DmClientError, DmClientErrorCode } from "./dm-client-error.js";
import type { DmClientEmitter } from "./events.js";
import type { NotifiedSession } from "./notification-flow.js";
import { type ReportAttempts, type ReportRetryPolicy, afterFailure } from "./report-retry.js";
import { createSessionQueue } from "./session-queue.js";

/** The reason the stop aborts with: made once, since a default one (a DOMException) captures a stack each stop. */
const STOPPED = new Error("the client stopped");

export interface SessionSchedulerDeps {
  readonly tree: DmTree;
  readonly http: HttpClient;
  readonly executor: DmCommandExecutor;
  readonly outbox: MemoryAlertOutbox;
  readonly access: AccessControl;
  readonly devId: string;
  readonly clock: { now(): number };
  readonly random: (size: number) => Uint8Array;
  readonly logger: {
    info(details: Record<string, unknown>, message: string): void;
    warn(details: Record<string, unknown>, message: string): void;
  };
  readonly events: DmClientEmitter;
  readonly bootstrapPending: Set<string>;
  /** Failed attempts of the reports in the outbox, by alert id (saved with the state). */
  readonly reportAttempts: Map<string, ReportAttempts>;
  readonly reportPolicy: ReportRetryPolicy;
  readonly timers: {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
  };
  readonly save: () => Promise<void>;
  readonly options: {
    readonly allowHttp: boolean;
    readonly responseTimeoutMs?: number;
    /** Consecutive authentication refusals by a management server before re-bootstrapping (default 3; 0 never). */
    readonly bootstrapAfterAuthFailures?: number;
  };
}

export interface SessionScheduler {
  /** A session asked for by the device (default: the only account; ClientInitiatedMgmt). */
  request(serverId?: string, trigger?: SessionTrigger): Promise<SessionOutcome>;
  /** The ServerInitiatedMgmt session of an accepted notification; `served` runs once it has run (or could not). */
  notified(session: NotifiedSession, bearer: ConType, served: () => void): void;
  /** Delivers the alerts waiting for `serverId` (bound for `targetUri`, or for its SrvURI). */
  deliver(serverId: string, targetUri?: string): void;
  /** A newly provisioned account: open its BootstrapComplete session. */
  bootstrap(serverId: string): void;
  /** A bootstrap session with the bootstrap server's account (default: the only one holding Auth/Bootstrap). */
  rebootstrap(serverId?: string): Promise<SessionOutcome>;
  /** Schedules every report in the outbox for its next attempt (after a restart). */
  resumeReports(): void;
  idle(): Promise<void>;
  /** Cancels the running session, refuses waiting ones, and resolves once nothing runs. */
  close(): Promise<void>;
  readonly size: number;
}

export function createSessionScheduler(deps: SessionSchedulerDeps): SessionScheduler {
  const abort = new AbortController();
  let closed = false;
  const queue = createSessionQueue((error) => {
    const code = error instanceof DmClientError ? error.code : undefined;
    if (code === DmClientErrorCode.STOPPED) return;
    deps.logger.warn({ error: String(error), code }, "a scheduled DM session could not run");
  });

  /** The session HTTP seam, remembering the server's OMADM-Accept for later HPUT/HPOST bodies (docs/protocol.md §1.6). */
  const httpFor = (serverId: string): HttpClient => ({
    async request(req) {
      const res = await deps.http.request(req);
      const accept = headerValue(res.headers, "omadm-accept");
      if (accept !== undefined) deps.executor.setServerAccept(serverId, accept);
      return res;
    },
  });

  const runOne = async (serverId: string, trigger: SessionTrigger): Promise<SessionOutcome> => {
    if (closed) throw new DmClientError(DmClientErrorCode.STOPPED, "the client was stopped");
    const account = readAccounts(deps.tree).find((a) => a.srvId === serverId);
    if (account === undefined) {
      throw new DmClientError(DmClientErrorCode.UNKNOWN_SERVER, `no DM Account with SrvID "${serverId}"`);
    }
    // §14: the first session after provisioning carries BootstrapComplete as its session-type alert (§3.1
    // (omadm's choice): exactly one); an asynchronous report session goes to another URI and does not count.
    const owesBootstrap = deps.bootstrapPending.has(serverId) && trigger.kind !== TriggerKind.AsyncReport;
    const t: SessionTrigger = owesBootstrap ? { kind: TriggerKind.BootstrapComplete } : trigger;
    deps.events.emit("session-start", { serverId, trigger: t });
    // §14 step 2: a bootstrap server is reached at its Auth/Bootstrap/ServerURI.
    const target = account.bootstrap === undefined ? account : { ...account, srvUri: account.bootstrap.serverUri };
    const options: SessionOptions = {
      allowHttp: deps.options.allowHttp,
      // §11.2 (omadm's choice): Basic over plain http only where plain http is allowed at all (loopback, simulator).
      allowBasicOverHttp: deps.options.allowHttp,
      signal: abort.signal,
      ...(deps.options.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: deps.options.responseTimeoutMs }),
    };
    const outcome = await runSession(
      {
        http: httpFor(serverId),
        executor: deps.executor,
        outbox: deps.outbox,
        devId: deps.devId,
        account: target,
        mos: () => deps.access.mosFor(serverId),
        clock: deps.clock,
        logger: deps.logger,
        randomBytes: deps.random,
      },
      t,
      options,
    );
    if (owesBootstrap && outcome.packagesAcknowledged > 0) deps.bootstrapPending.delete(serverId);
    countAuthFailure(account, outcome);
    await deps.save();
    deps.events.emit("session", outcome);
    if (outcome.kind === OutcomeKind.Completed && t.kind !== TriggerKind.AsyncReport) retryReports(serverId);
    return outcome;
  };

  const authFailures = new Map<string, number>();
  const threshold = deps.options.bootstrapAfterAuthFailures ?? 3;
  const bootstrapAccount = (serverId?: string): string => {
    const accounts = readAccounts(deps.tree).filter((a) => a.bootstrap !== undefined);
    const chosen = serverId === undefined ? accounts[0] : accounts.find((a) => a.srvId === serverId);
    if (chosen === undefined) {
      throw new DmClientError(
        DmClientErrorCode.UNKNOWN_SERVER,
        "no DM Account with bootstrap credentials (Auth/Bootstrap)",
      );
    }
    return chosen.srvId;
  };
  /** The fallback: a management server that keeps refusing the device's credentials sends it back to bootstrap. */
  const countAuthFailure = (
    account: { readonly srvId: string; readonly bootstrap?: unknown },
    outcome: SessionOutcome,
  ): void => {
    if (account.bootstrap !== undefined || threshold === 0) return;
    const refused =
      outcome.kind === OutcomeKind.Aborted &&
      (outcome.reason.code === AbortCode.AUTH_REJECTED ||
        outcome.reason.code === AbortCode.AUTH_UNAVAILABLE ||
        (outcome.reason.code === AbortCode.HTTP_STATUS && outcome.reason.httpStatus === 403));
    if (!refused) {
      authFailures.delete(account.srvId);
      return;
    }
    const count = (authFailures.get(account.srvId) ?? 0) + 1;
    authFailures.set(account.srvId, count);
    if (count < threshold) return;
    authFailures.delete(account.srvId);
    let srvId: string;
    try {
      srvId = bootstrapAccount();
    } catch {
      return; // nothing to fall back to
    }
    deps.logger.warn(
      { serverId: account.srvId, failures: count },
      "authentication refused repeatedly: bootstrapping again",
    );
    queue.runOnce(`rebootstrap\u0000${srvId}`, async () => {
      await runOne(srvId, { kind: TriggerKind.ClientInitiated });
    });
  };

  const reportTargets = (serverId?: string): [string, string][] => {
    const targets = new Map<string, [string, string]>();
    for (const a of deps.outbox.snapshot().alerts) {
      if (a.targetUri === undefined || (serverId !== undefined && a.serverId !== serverId)) continue;
      targets.set(`${a.serverId}\u0000${a.targetUri}`, [a.serverId, a.targetUri]);
    }
    return [...targets.values()];
  };

  const retryReports = (serverId: string): void => {
    for (const [srv, uri] of reportTargets(serverId)) scheduleReports(srv, uri);
  };

  /** When the earliest report for (serverId, targetUri) may be tried; undefined when none waits. */
  const dueAt = (serverId: string, targetUri: string): number | undefined => {
    const times = deps.outbox
      .pending(serverId, targetUri)
      .map((a) => deps.reportAttempts.get(a.id)?.nextAttemptAt ?? 0);
    return times.length === 0 ? undefined : Math.min(...times);
  };

  const reportTimers = new Map<string, unknown>();
  const scheduleReports = (serverId: string, targetUri: string): void => {
    if (closed) return;
    const at = dueAt(serverId, targetUri);
    if (at === undefined) return;
    const key = `${serverId}\u0000${targetUri}`;
    const wait = at - deps.clock.now();
    if (wait <= 0) {
      deliver(serverId, targetUri);
      return;
    }
    if (reportTimers.has(key)) deps.timers.clearTimeout(reportTimers.get(key));
    reportTimers.set(
      key,
      deps.timers.setTimeout(() => {
        reportTimers.delete(key);
        deliver(serverId, targetUri);
      }, wait),
    );
  };

  /** Counts one failed attempt for each report the session did not deliver; drops those at the limit. */
  const reportsFailed = (ids: readonly string[], serverId: string, targetUri: string): void => {
    const left = new Set(deps.outbox.pending(serverId, targetUri).map((a) => a.id));
    const now = deps.clock.now();
    for (const a of deps.outbox.pending(serverId, targetUri)) {
      if (!ids.includes(a.id) || !left.has(a.id)) continue;
      const next = afterFailure(deps.reportPolicy, deps.reportAttempts.get(a.id), now);
      if (next.kind === "retry") {
        deps.reportAttempts.set(a.id, next.state);
        continue;
      }
      deps.reportAttempts.delete(a.id);
      deps.outbox.acknowledge([a.id]);
      deps.logger.warn(
        { serverId, targetUri, alertType: a.alert.AlertType, sourceUri: a.alert.SourceURI, attempts: next.attempts },
        `asynchronous report dropped after ${next.attempts} failed attempts`,
      );
      deps.events.emit("report-dropped", { alert: a, attempts: next.attempts });
    }
  };

  const deliver = (serverId: string, targetUri?: string): void => {
    queue.runOnce(`deliver\u0000${serverId}\u0000${targetUri ?? ""}`, async () => {
      // A session that was running when the result arrived may already have carried it (in its Package#3).
      const waiting = deps.outbox.pending(serverId, targetUri).map((a) => a.id);
      if (waiting.length === 0) return;
      if (targetUri === undefined) {
        await runOne(serverId, { kind: TriggerKind.ClientInitiated });
        return;
      }
      const at = dueAt(serverId, targetUri);
      if (at !== undefined && at > deps.clock.now()) {
        scheduleReports(serverId, targetUri);
        return;
      }
      try {
        await runOne(serverId, { kind: TriggerKind.AsyncReport, targetUri });
      } finally {
        if (!closed) {
          reportsFailed(waiting, serverId, targetUri);
          await deps.save();
          scheduleReports(serverId, targetUri);
        }
      }
    });
  };

  const onlyAccount = (): string => {
    const accounts = readAccounts(deps.tree);
    const only = accounts.length === 1 ? accounts[0] : undefined;
    if (only !== undefined) return only.srvId;
    const message =
      accounts.length === 0 ? "the client has no DM Account" : `${accounts.length} DM Accounts: name the server`;
    throw new DmClientError(DmClientErrorCode.UNKNOWN_SERVER, message);
  };

  return {
    request(serverId, trigger = { kind: TriggerKind.ClientInitiated }) {
      return queue.run(() => runOne(serverId ?? onlyAccount(), trigger));
    },
    notified(session, bearer, served) {
      const job = async (): Promise<void> => {
        // SessionInfo/CBT tells the server which bearer this session uses (docs/protocol.md §9.3, omadm's choice).
        const miid = deps.tree.instances(MOID_SESSIONINFO)[0];
        const roaming = miid === undefined ? undefined : deps.tree.getValue(MOID_SESSIONINFO, miid, ["ROAMING"]);
        setSessionInfo(deps.tree, { cbt: bearer, roaming: typeof roaming === "number" ? roaming : Roaming.UNKNOWN });
        try {
          await runOne(session.srvId, {
            kind: TriggerKind.ServerInitiated,
            reqMos: session.reqMos,
            ...(session.notificationId === undefined ? {} : { notificationId: session.notificationId }),
          });
          // Cancelled by stop(): still pending in the saved state, served after the restart.
          if (!closed) served();
        } catch (error) {
          // Stopped before it ran: it stays pending and is served after the restart.
          if (!(error instanceof DmClientError && error.code === DmClientErrorCode.STOPPED)) served();
          throw error;
        }
      };
      queue.run(job).catch((error: unknown) => {
        if (error instanceof DmClientError && error.code === DmClientErrorCode.STOPPED) return;
        deps.logger.warn({ error: String(error) }, "the notified DM session could not run");
      });
    },
    deliver,
    bootstrap(serverId) {
      queue.runOnce(`bootstrap\u0000${serverId}`, async () => {
        if (deps.bootstrapPending.has(serverId)) await runOne(serverId, { kind: TriggerKind.ClientInitiated });
      });
    },
    rebootstrap(serverId) {
      return queue.run(() => runOne(bootstrapAccount(serverId), { kind: TriggerKind.ClientInitiated }));
    },
    resumeReports() {
      for (const [srv, uri] of reportTargets()) scheduleReports(srv, uri);
    },
    idle: () => queue.idle(),
    async close() {
      closed = true;
      for (const handle of reportTimers.values()) deps.timers.clearTimeout(handle);
      reportTimers.clear();
      abort.abort(STOPPED);
      await queue.idle();
    },
    get size() {
      return queue.size;
    },
  };
}
