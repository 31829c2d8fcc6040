// Runs the DM session state machine against the store: the imperative shell around session-machine.ts. One
// call per package: Package#1 in → Package#2 out, Package#3 in → Package#2 out. Each package is one store
// transaction (one commit, one fsync under SQLite FULL): contact, session, alerts, results, the next batch and
// the saved state commit together before the Package#2 is sent, or none of them does — a crash or error
// mid-package leaves the previous state (ARCHITECTURE.md invariants 5 and 7). A refusal the device must see *and* that
// changes something (a disabled device's contact time, an expired session's close) is returned, not thrown,
// so it commits; anything thrown rolls the package back.
import { randomBytes } from "node:crypto";
import { err, ok, type Package1, type Package2, type Package3, type Result } from "@omadm/protocol";
import type { AlertIntake } from "../alerts/alert-intake.js";
import type { CapabilityService } from "../capabilities/capability-service.js";
import { ServerError, ServerErrorCode, isServerError } from "../errors.js";
import type { DeviceRegistry } from "../registry/device-registry.js";
import type { Store, StoreParts } from "../store/store.js";
import type { Clock, Command, CommandResultInput } from "../store/types.js";
import { SessionStatus, type Session, type SessionWithDevice } from "../store/types-session.js";
import { decodeDmState, encodeDmState } from "./session-state-codec.js";
import { sessionTokenSource } from "./session-tokens.js";
import { DM_START, DmActionKind, DmEndReason, DmEventKind, DmStateKind, stepDmSession } from "./session-machine.js";
import type { DmEvent, DmState, DmStep } from "./session-machine.js";

/** Structured logging as pino and fastify's logger provide it. */
export interface DmLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DmSessionServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly registry: DeviceRegistry;
  readonly alerts: AlertIntake;
  /** Puts per-command capability tokens into the ServerURIs of each Package#2 (docs/repository.md); absent: none. */
  readonly capabilities?: CapabilityService | undefined;
  /** Unguessable tokens for CONT URLs and cookies (default: session-tokens.ts over node:crypto's randomBytes). */
  readonly newToken?: (() => string) | undefined;
  readonly logger?: DmLogger | undefined;
}

export interface DmSessionServiceOptions {
  /** Most queued commands per Package#2. */
  readonly batchSize: number;
  /** docs/protocol.md §1.5 (omadm's choice): 600 s between a Package#2 and the next Package#3. */
  readonly idleTimeoutMs: number;
  /** The absolute session-specific URL for a CONT token (docs/protocol.md §1.4 item 3). */
  readonly contUrl: (token: string) => string;
}

/** Where a Package#3 says it belongs (docs/protocol.md §1.4): the CONT URL's token, the cookie, the device. */
export interface SessionLocator {
  readonly contToken?: string | undefined;
  readonly cookie?: string | undefined;
}

export interface Package2Reply {
  readonly package: Package2;
  /** The session after this exchange (closed when the package ended it). */
  readonly session: Session;
  /** True when the package carries END and the session is closed. */
  readonly ended: boolean;
}

/** The command a Package#1 sent to a capability report URI reports (docs/protocol.md §4.4). */
export interface ReportOf {
  readonly commandId: string;
  readonly sourceUri: string;
}

export interface DmSessionService {
  /** `report`: the Package#1 came to the report URI of this command (its capability already checked). */
  handlePackage1(deviceId: string, p1: Package1, report?: ReportOf): Promise<Result<Package2Reply, ServerError>>;
  handlePackage3(deviceId: string, where: SessionLocator, p3: Package3): Promise<Result<Package2Reply, ServerError>>;
}

export function createDmSessionService(deps: DmSessionServiceDeps, options: DmSessionServiceOptions): DmSessionService {
  const { store, registry, alerts } = deps;
  const newToken = deps.newToken ?? sessionTokenSource(randomBytes, () => deps.clock.now());

  /** Carries out a step's actions in the package's transaction, feeding taken batches back in, until the
   *  Package#2 is ready. */
  async function driveSteps(
    tx: StoreParts,
    deviceId: string,
    first: DmStep,
    open: OpenKeys | null,
    start: Session | null,
    report?: ReportOf,
  ): Promise<Package2Reply> {
    let current = first;
    let session = start;
    let ended = false;
    let package2: Package2 | undefined;
    for (;;) {
      let taken: readonly Command[] | undefined;
      for (const action of current.actions) {
        switch (action.kind) {
          case DmActionKind.OpenSession: {
            if (open === null) throw new Error("OpenSession outside a Package#1");
            const opened = await tx.sessions.open({
              deviceId,
              stateName: current.state.kind,
              stateData: encodeDmState(current.state),
              packageNo: 1,
              contToken: open.contToken,
              cookie: open.cookie,
              idleTimeoutMs: options.idleTimeoutMs,
            });
            session = opened.session;
            if (opened.superseded !== null) {
              deps.logger?.info(
                {
                  deviceId,
                  superseded: opened.superseded.id,
                  requeued: opened.requeued.length,
                  unanswered: opened.unanswered.length,
                },
                "a new Package#1 superseded the device's open DM session",
              );
            }
            break;
          }
          case DmActionKind.RecordResults: {
            const done = await recordResults(tx, live(session).id, action.results);
            await captureDevInfo(tx, deviceId, done);
            break;
          }
          case DmActionKind.StoreAlerts:
            await alerts.receive(
              { deviceId, sessionId: session?.id ?? null, alerts: action.alerts, reportOf: report },
              tx,
            );
            break;
          case DmActionKind.TakeBatch:
            taken = await tx.commands.takeBatch({
              deviceId,
              sessionId: live(session).id,
              max: action.max,
              packageNo: action.packageNo,
              firstPosition: action.firstPosition,
            });
            break;
          case DmActionKind.SendPackage2:
            package2 =
              deps.capabilities === undefined || current.state.kind !== DmStateKind.AwaitingPackage3
                ? action.package
                : await deps.capabilities.attach(tx, {
                    deviceId,
                    sessionId: live(session).id,
                    items: current.state.sent,
                    package: action.package,
                  });
            break;
          case DmActionKind.CloseSession:
            session = await closeWith(tx, live(session), current.state, action.reason);
            ended = true;
            break;
        }
      }
      if (taken === undefined) break;
      current = unwrap(stepDmSession(current.state, batchEvent(taken)));
    }
    if (!ended) session = await persist(tx, live(session), current.state);
    if (package2 === undefined) throw new Error(`no Package#2 after reaching ${current.state.kind}`);
    return { package: package2, session: live(session), ended };
  }

  async function recordResults(tx: StoreParts, sessionId: string, results: readonly CommandResultInput[]) {
    try {
      return await tx.commands.recordResults(sessionId, results);
    } catch (cause) {
      if (isServerError(cause) && cause.code === ServerErrorCode.COMMAND_ILLEGAL_TRANSITION) {
        throw conflict(
          "the statuses of this Package#3 were already recorded, or its session was closed meanwhile " +
            "(its commands are no longer in flight)",
        );
      }
      throw cause;
    }
  }

  async function persist(tx: StoreParts, session: Session, state: DmState): Promise<Session> {
    return tx.sessions.update(
      session.id,
      { stateName: state.kind, stateData: encodeDmState(state), packageNo: packageNoOf(state) },
      { expectedVersion: session.version },
    );
  }

  async function closeWith(tx: StoreParts, session: Session, state: DmState, reason: DmEndReason): Promise<Session> {
    switch (reason) {
      case DmEndReason.Ended: {
        // The final state is recorded (for the operator's view) by the close itself, in one store write: no
        // commands are in flight because END never rides with commands (session-machine.ts).
        const final = { stateName: state.kind, stateData: encodeDmState(state), packageNo: packageNoOf(state) };
        const options = { final, expectedVersion: session.version };
        return (await tx.sessions.close(session.id, SessionStatus.Ended, options)).session;
      }
      case DmEndReason.Expired:
        return (await tx.sessions.close(session.id, SessionStatus.Expired)).session;
      case DmEndReason.Superseded:
        // Only `sessions.open` supersedes, atomically with the new session; nothing left to do here.
        return session;
    }
  }

  async function captureDevInfo(tx: StoreParts, deviceId: string, results: readonly Command[]): Promise<void> {
    try {
      // A refused call on `tx` changes nothing, so the package can go on without it.
      await registry.captureDevInfo(deviceId, results, tx);
    } catch (cause) {
      // A nice-to-have: a failure to keep DevInfo must not fail the device's session.
      deps.logger?.warn({ deviceId, err: cause }, "could not store DevInfo values from a GET result");
    }
  }

  /**
   * Finds the session outside the package's transaction (a read commits nothing), with its device's state read
   * in the same statement (`sessions.findWithDevice`: one round trip on PostgreSQL); its writes then check that
   * the session is still as read (results still in flight, state version), as another node's would.
   */
  async function locate(deviceId: string, where: SessionLocator): Promise<Result<SessionWithDevice, ServerError>> {
    let found: SessionWithDevice | null;
    if (where.contToken !== undefined) {
      found = await store.sessions.findWithDevice({ contToken: where.contToken });
      if (found === null) return err(notFound("there is no DM session at this URL"));
      if (where.cookie !== undefined && found.session.cookie !== where.cookie) {
        return err(conflict("the session cookie belongs to a different DM session than this URL"));
      }
    } else if (where.cookie !== undefined) {
      found = await store.sessions.findWithDevice({ cookie: where.cookie });
      if (found === null) return err(notFound("the session cookie names no DM session"));
    } else {
      found = await store.sessions.findWithDevice({ openOf: deviceId });
      if (found === null) {
        return err(notFound(`device ${JSON.stringify(deviceId)} has no open DM session; start one with a Package#1`));
      }
    }
    const { session } = found;
    if (session.deviceId !== deviceId) {
      return err(conflict(`this DM session belongs to another device than ${JSON.stringify(deviceId)}`));
    }
    if (session.status !== SessionStatus.Open) {
      const why = session.status === SessionStatus.Superseded ? " (a newer Package#1 from the device replaced it)" : "";
      return err(notOpen(`the DM session is ${session.status}${why}`));
    }
    return ok(found);
  }

  /** The rest of a Package#3 once its session is found, inside the package's transaction. */
  async function applyPackage3(
    tx: StoreParts,
    deviceId: string,
    { session, deviceState }: SessionWithDevice,
    p3: Package3,
  ): Promise<Result<Package2Reply, ServerError>> {
    const decoded = decodeDmState(session.stateName, session.stateData);
    if (!decoded.ok) return decoded;
    if (session.idleExpiresAt <= deps.clock.now()) {
      // docs/protocol.md §1.5: past the idle timeout the session is gone, even if no sweep has closed it yet.
      const expired = stepDmSession(decoded.value, { kind: DmEventKind.IdleTimeout });
      if (expired.ok) await closeWith(tx, session, expired.value.state, DmEndReason.Expired).catch(ignoreNotOpen);
      return err(notOpen(`the DM session expired after ${options.idleTimeoutMs / 1000} s without a Package#3`));
    }
    const stepped = stepDmSession(decoded.value, {
      kind: DmEventKind.Package3Received,
      statuses: p3.Status,
      alerts: p3.Alert ?? [],
      batchSize: options.batchSize,
    });
    if (!stepped.ok) return stepped;
    // The device's state as read with the session, just before this transaction (the check read it inside the
    // transaction before; neither holds the device's lock, so a disable committed meanwhile is seen either way at
    // the next package).
    const active = registry.activeState(deviceId, deviceState);
    if (!active.ok) {
      // Disabled (or deleted) in the middle of its session: end the session here, commands back in the queue.
      await tx.sessions.close(session.id, SessionStatus.Aborted).catch(ignoreNotOpen);
      return active;
    }
    // No separate claim: recording the results is the claim. It succeeds only while every command of the
    // previous Package#2 is still `sent` in this session (atomic in the store), so of two nodes or two
    // retried POSTs handling the same Package#3 exactly one goes on (the other gets SESSION_CONFLICT), and a
    // session superseded or expired meanwhile (its commands requeued) is refused. The machine never sends
    // CONT alone, so every Package#3 has results to record.
    return ok(await driveSteps(tx, deviceId, stepped.value, null, session));
  }

  /**
   * After a Package#3 failed (its transaction rolled back), the session is closed as aborted so its in-flight
   * commands go back to the queue: the device got an error status, and docs/protocol.md §1.5 has it abort the session
   * on any 4xx/5xx anyway. A conflict means another node (or a retried POST) owns the session: left to them.
   */
  async function abortAfterFailure(deviceId: string, sessionId: string, cause: unknown): Promise<void> {
    const ownedElsewhere =
      isServerError(cause) &&
      (cause.code === ServerErrorCode.SESSION_CONFLICT || cause.code === ServerErrorCode.SESSION_NOT_OPEN);
    if (ownedElsewhere) return;
    await store.sessions.close(sessionId, SessionStatus.Aborted).catch((closeError: unknown) => {
      deps.logger?.warn({ deviceId, session: sessionId, err: closeError }, "could not abort the DM session");
    });
  }

  return {
    async handlePackage1(deviceId, p1, report) {
      try {
        const open: OpenKeys = { contToken: newToken(), cookie: newToken() };
        const event: DmEvent = {
          kind: DmEventKind.Package1Received,
          alerts: p1.Alert ?? [],
          contUri: options.contUrl(open.contToken),
          batchSize: options.batchSize,
        };
        const first = unwrap(stepDmSession(DM_START, event));
        // One transaction: if anything fails, the new session (and the superseding of the old one, with its
        // requeue) never happened, so there is nothing to abort.
        return await store.transaction(async (tx): Promise<Result<Package2Reply, ServerError>> => {
          const admitted = await registry.admit(deviceId, p1.MOS, tx);
          if (!admitted.ok) return admitted;
          return ok(await driveSteps(tx, deviceId, first, open, null, report));
        });
      } catch (cause) {
        return fromThrown(cause);
      }
    },

    async handlePackage3(deviceId, where, p3) {
      try {
        const found = await locate(deviceId, where);
        if (!found.ok) return found;
        try {
          return await store.transaction((tx) => applyPackage3(tx, deviceId, found.value, p3));
        } catch (cause) {
          await abortAfterFailure(deviceId, found.value.session.id, cause);
          throw cause;
        }
      } catch (cause) {
        return fromThrown(cause);
      }
    },
  };
}

interface OpenKeys {
  readonly contToken: string;
  readonly cookie: string;
}

function live(session: Session | null): Session {
  if (session === null) throw new Error("DM session action before the session was opened");
  return session;
}

function batchEvent(taken: readonly Command[]): DmEvent {
  return {
    kind: DmEventKind.BatchTaken,
    commands: taken.map((c) => ({ id: c.id, name: c.name, params: c.params, sourceUri: c.correlation?.sourceUri })),
  };
}

/** The number of the latest package exchanged in this state (docs/protocol.md §3: P1 = 1, P2 = 2, P3 = 3, …). */
function packageNoOf(state: DmState): number {
  return state.kind === DmStateKind.Start ? 0 : state.packageNo;
}

/** The machine refuses only what the service never feeds it; a refusal here is a bug, not bad input. */
function unwrap(r: Result<DmStep, ServerError>): DmStep {
  if (!r.ok) throw r.error;
  return r.value;
}

function fromThrown(cause: unknown): Result<never, ServerError> {
  if (isServerError(cause)) return err(cause);
  throw cause;
}

function ignoreNotOpen(cause: unknown): void {
  // Another node's sweep or request closed it first: that is the outcome we wanted.
  if (!(isServerError(cause) && cause.code === ServerErrorCode.SESSION_NOT_OPEN)) throw cause;
}

const notFound = (m: string) => new ServerError(ServerErrorCode.SESSION_NOT_FOUND, m);
const conflict = (m: string) => new ServerError(ServerErrorCode.SESSION_CONFLICT, m);
const notOpen = (m: string) => new ServerError(ServerErrorCode.SESSION_NOT_OPEN, m);
