// Drives the pure session machine over HTTP: performs its actions (POST a package, run a command, read and
// acknowledge the outbox) and feeds the results back as events, until the session completes or aborts.
// Transport details per docs/protocol.md §1.3–§1.5: OMADM-DevID, Content-Type and Accept on every POST; cookies kept
// for the session only; a 401 answered once with the account's credentials; Package#2 timeout 300 s by default.
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { errorMessage, HDR_DEVID, MT_P2, type MosEntry } from "@omadm/protocol";
import {
  headerValue,
  headerValues,
  isHttpTransportError,
  HttpErrorCode,
  type HttpClient,
} from "../http/http-client.js";
import { createHttpAuthenticator, type HttpAuthenticator } from "../http/http-auth.js";
import type { DmAccount } from "../tree/dmacc.js";
import type { AlertOutbox, CommandExecutor } from "./contracts.js";
import { createCookieJar, type CookieClock, type CookieJar } from "./cookie-jar.js";
import {
  ActionKind,
  EventKind,
  type PostAction,
  type SessionAction,
  type SessionEvent,
  type SessionState,
} from "./session-states.js";
import { initialState, step } from "./session-machine.js";
import {
  AbortCode,
  OutcomeKind,
  TriggerKind,
  triggerWantsMos,
  type AbortReason,
  type SessionOutcome,
  type SessionTrigger,
} from "./session-types.js";

/** pino's `logger.info(obj, msg)` / `logger.warn(obj, msg)` fit. */
export interface SessionLogger {
  warn(details: Record<string, unknown>, message: string): void;
  info?(details: Record<string, unknown>, message: string): void;
}

export type SessionClock = CookieClock;

export interface SessionDeps {
  readonly http: HttpClient;
  readonly executor: CommandExecutor;
  readonly outbox: AlertOutbox;
  /** DevInfo/DevID, sent as OMADM-DevID on every package (docs/protocol.md §3.1, §3.3). */
  readonly devId: string;
  /** The DM Account of the server (SrvID, SrvURI, Ext/HttpAuth). */
  readonly account: Pick<DmAccount, "srvId" | "srvUri" | "httpAuth">;
  /** The MOS array for this server (access control's `mosFor`); called only when the trigger wants MOS. */
  readonly mos: () => readonly MosEntry[];
  readonly clock: SessionClock;
  readonly logger: SessionLogger;
  /** Random bytes for the session id and the Digest cnonce; default node:crypto. */
  readonly randomBytes?: (size: number) => Uint8Array;
}

export interface SessionOptions {
  /** Time for each Package#1/#3 POST to be answered with its Package#2 (default 300 s, docs/protocol.md §1.5). */
  readonly responseTimeoutMs?: number;
  /** Accept plain-http ServerURIs in commands and CONT (tests, loopback); default https only. */
  readonly allowHttp?: boolean;
  /** §11.2 (omadm's choice): Basic credentials over plain http only when this is set. */
  readonly allowBasicOverHttp?: boolean;
  /** Cancels the session: the current request is abandoned and the outcome is aborted("cancelled"). */
  readonly signal?: AbortSignal;
  /** A session id chosen by the caller; default 16 random hex digits. */
  readonly sessionId?: string;
}

export const DEFAULT_RESPONSE_TIMEOUT_MS = 300_000;

/** Runs one DM session to its end. Never rejects: every failure is an aborted outcome with its reason. */
export async function runSession(
  deps: SessionDeps,
  trigger: SessionTrigger,
  options: SessionOptions = {},
): Promise<SessionOutcome> {
  const random = deps.randomBytes ?? ((n: number) => new Uint8Array(nodeRandomBytes(n)));
  const sessionId = options.sessionId ?? Buffer.from(random(8)).toString("hex");
  const controller = new AbortController();
  const onCancel = (): void => {
    controller.abort();
  };
  options.signal?.addEventListener("abort", onCancel, { once: true });
  const run: RunContext = {
    deps,
    sessionId,
    options,
    signal: controller.signal,
    // docs/protocol.md §1.4: cookies live for this session only; the jar is dropped when runSession returns.
    jar: createCookieJar(deps.clock),
    auth: createHttpAuthenticator({
      credentials: deps.account.httpAuth,
      randomBytes: random,
      allowBasicOverHttp: options.allowBasicOverHttp === true,
    }),
  };
  const serverId = deps.account.srvId;
  let state: SessionState = initialState({ allowHttp: options.allowHttp === true });
  /** Ends the session with an INTERNAL abort, keeping what the machine knows so far. */
  const internal = (message: string): SessionOutcome => {
    const reason: AbortReason = { code: AbortCode.INTERNAL, message };
    const failed = step(state, { kind: EventKind.Fail, reason });
    const finish = failed.ok ? failed.value.actions.find((a) => a.kind === ActionKind.Finish) : undefined;
    return finish?.outcome ?? internalOutcome(sessionId, serverId, trigger, deps.account.srvUri, reason);
  };
  deps.logger.info?.({ sessionId, serverId, trigger: trigger.kind }, "DM session starting");
  try {
    const targetUri = trigger.kind === TriggerKind.AsyncReport ? trigger.targetUri : undefined;
    let event: SessionEvent = {
      kind: EventKind.Start,
      sessionId,
      serverId,
      trigger,
      srvUri: deps.account.srvUri,
      pendingAlerts: deps.outbox.pending(serverId, targetUri),
      ...(triggerWantsMos(trigger) ? { mos: deps.mos() } : {}),
    };
    for (;;) {
      const r = step(state, event);
      // A bug (the machine refused an event): abort with the reason rather than reject.
      if (!r.ok) return report(run, internal(r.error.message));
      state = r.value.state;
      let next: SessionEvent | undefined;
      for (const action of r.value.actions) {
        if (action.kind === ActionKind.Finish) return report(run, action.outcome);
        next = await perform(run, action);
      }
      if (controller.signal.aborted)
        next = { kind: EventKind.Cancel, message: "the session was cancelled by its caller" };
      if (next === undefined) return report(run, internal(`state "${state.kind}" produced no work`));
      event = next;
    }
  } catch (error) {
    // A dependency broke its contract (the outbox, the MOS source, the logger): the session ends, never rejects.
    return report(run, internal(`session failed: ${errorMessage(error)}`));
  } finally {
    options.signal?.removeEventListener("abort", onCancel);
  }
}

interface RunContext {
  readonly deps: SessionDeps;
  readonly sessionId: string;
  readonly options: SessionOptions;
  readonly signal: AbortSignal;
  readonly jar: CookieJar;
  readonly auth: HttpAuthenticator;
  /** The server's id of this session, once a response named it. */
  serverSessionId?: string;
}

/** Performs one action; returns the event it produced, if any. */
async function perform(
  run: RunContext,
  action: Exclude<SessionAction, { kind: "finish" }>,
): Promise<SessionEvent | undefined> {
  switch (action.kind) {
    case ActionKind.Acknowledge:
      run.deps.outbox.acknowledge(action.alertIds);
      return undefined;
    case ActionKind.GatherAlerts:
      return { kind: EventKind.AlertsGathered, alerts: run.deps.outbox.pending(action.serverId, action.targetUri) };
    case ActionKind.Execute: {
      const ctx = { serverId: run.deps.account.srvId, sessionId: run.sessionId, signal: run.signal };
      try {
        const outcome = await run.deps.executor.execute(action.command, ctx);
        return { kind: EventKind.CommandExecuted, status: outcome.status };
      } catch (error) {
        // The contract says executors never reject; if one does, the command failed (500), the session goes on.
        run.deps.logger.warn(
          { sessionId: run.sessionId, command: action.command.name, error },
          "command executor threw",
        );
        return { kind: EventKind.CommandExecuted, status: { sc: 500 } };
      }
    }
    case ActionKind.Post:
      return post(run, action);
  }
}

const encoder = new TextEncoder();

async function post(run: RunContext, action: PostAction): Promise<SessionEvent> {
  const { deps, options } = run;
  const body = encoder.encode(action.body);
  const authRequest = { method: "POST", url: action.url, body };
  let authorization: string | undefined;
  if (action.answerChallenges !== undefined) {
    const answer = run.auth.answer(action.answerChallenges, authRequest);
    if (!answer.ok)
      return { kind: EventKind.AuthUnavailable, message: `${answer.error.code}: ${answer.error.message}` };
    authorization = answer.value;
  } else {
    authorization = run.auth.preemptive(authRequest);
  }
  const headers: Record<string, string> = {
    [HDR_DEVID]: deps.devId,
    "Content-Type": action.contentType,
    Accept: MT_P2,
  };
  const cookie = run.jar.header(action.url);
  if (cookie !== undefined) headers.Cookie = cookie;
  if (authorization !== undefined) headers.Authorization = authorization;
  try {
    const res = await deps.http.request({
      method: "POST",
      url: action.url,
      headers,
      body,
      timeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      signal: run.signal,
    });
    run.jar.store(action.url, headerValues(res.headers, "set-cookie"));
    noteServerSessionId(run, headerValue(res.headers, HDR_SERVER_SESSION_ID));
    return {
      kind: EventKind.Response,
      status: res.status,
      contentType: headerValue(res.headers, "content-type"),
      wwwAuthenticate: headerValues(res.headers, "www-authenticate"),
      body: res.body,
    };
  } catch (error) {
    if (isHttpTransportError(error)) {
      const timeout = error.code === HttpErrorCode.CONNECT_TIMEOUT || error.code === HttpErrorCode.RESPONSE_TIMEOUT;
      return { kind: EventKind.TransportFailed, code: error.code, message: error.message, timeout };
    }
    // The HttpClient contract allows only HttpTransportError; anything else is treated as a network failure.
    const message = errorMessage(error);
    return { kind: EventKind.TransportFailed, code: HttpErrorCode.NETWORK, message, timeout: false };
  }
}

/** The response header an omadm DM Server names its session in (not part of DM 2.0; other servers omit it). */
export const HDR_SERVER_SESSION_ID = "OMADM-Session-Id";

function noteServerSessionId(run: RunContext, id: string | undefined): void {
  if (id === undefined || id === "" || id === run.serverSessionId) return;
  run.serverSessionId = id;
  run.deps.logger.info?.({ sessionId: run.sessionId, serverSessionId: id }, "DM server named its session");
}

function internalOutcome(
  sessionId: string,
  serverId: string,
  trigger: SessionTrigger,
  url: string,
  reason: AbortReason,
): SessionOutcome {
  return {
    kind: OutcomeKind.Aborted,
    reason,
    sessionId,
    serverId,
    trigger,
    commands: [],
    packagesAcknowledged: 0,
    deliveredAlertIds: [],
    lastUrl: url,
  };
}

function report(run: RunContext, outcome: SessionOutcome): SessionOutcome {
  const deps = run.deps;
  const details = {
    sessionId: outcome.sessionId,
    // The server's id of this session (its OMADM-Session-Id header): the key that joins the two sides' logs.
    serverSessionId: run.serverSessionId ?? null,
    serverId: outcome.serverId,
    commands: outcome.commands.length,
    packages: outcome.packagesAcknowledged,
  };
  if (outcome.kind === OutcomeKind.Aborted) {
    deps.logger.warn({ ...details, reason: outcome.reason }, `DM session aborted: ${outcome.reason.message}`);
  } else {
    deps.logger.info?.(details, "DM session completed");
  }
  return outcome;
}
