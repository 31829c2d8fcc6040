// Runs the DM session state machine against the store: the imperative shell around session-machine.ts. One
// call per package: Package#1 in → Package#2 out, Package#3 in → Package#2 out. Every check that can refuse a
// package runs before the first write, so a refused package changes nothing (design invariant 5); every write
// is a store call that commits before it returns, so a crash at any point loses no command (invariant 3): at
// worst commands sit `sent` in a session that the idle sweep closes, which puts them back in the queue.
import { randomBytes } from "node:crypto";
import { err, ok, type Package1, type Package2, type Package3, type Result } from "@omadm/protocol";
import type { AlertIntake } from "../alerts/alert-intake.js";
import { ServerError, ServerErrorCode, isServerError } from "../errors.js";
import type { DeviceRegistry } from "../registry/device-registry.js";
import type { Store } from "../store/store.js";
import type { Clock, Command, CommandResultInput } from "../store/types.js";
import { SessionStatus, type Session } from "../store/types-session.js";
import { decodeDmState, encodeDmState } from "./session-state-codec.js";
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
  /** Unguessable tokens for CONT URLs and cookies (default: 18 random bytes, base64url). */
  readonly newToken?: (() => string) | undefined;
  readonly logger?: DmLogger | undefined;
}

export interface DmSessionServiceOptions {
  /** Most queued commands per Package#2. */
  readonly batchSize: number;
  /** dm2-reference §1.5 [PROPOSED]: 600 s between a Package#2 and the next Package#3. */
  readonly idleTimeoutMs: number;
  /** The absolute session-specific URL for a CONT token (dm2-reference §1.4 [PROPOSED] 3). */
  readonly contUrl: (token: string) => string;
}

/** Where a Package#3 says it belongs (dm2-reference §1.4): the CONT URL's token, the cookie, the device. */
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

export interface DmSessionService {
  handlePackage1(deviceId: string, p1: Package1): Promise<Result<Package2Reply, ServerError>>;
  handlePackage3(deviceId: string, where: SessionLocator, p3: Package3): Promise<Result<Package2Reply, ServerError>>;
}

const defaultToken = (): string => randomBytes(18).toString("base64url");

export function createDmSessionService(deps: DmSessionServiceDeps, options: DmSessionServiceOptions): DmSessionService {
  const { store, registry, alerts } = deps;
  const newToken = deps.newToken ?? defaultToken;

  /**
   * Carries out a step's actions, feeding taken batches back in, until the Package#2 is ready. If anything
   * fails half-way, the session is closed as aborted (its in-flight commands go back to the queue): the device
   * gets an error status, and seed CR §7.6 has it abort the session on any 4xx/5xx anyway.
   */
  async function drive(deviceId: string, first: DmStep, open: OpenKeys | null, start: Session | null) {
    const state = { session: start, ended: false };
    try {
      return await driveSteps(deviceId, first, open, state);
    } catch (cause) {
      const { session } = state;
      // A conflict means another node (or a retried POST) owns the session now; leave it to them.
      const ownedElsewhere =
        isServerError(cause) &&
        (cause.code === ServerErrorCode.SESSION_CONFLICT || cause.code === ServerErrorCode.SESSION_NOT_OPEN);
      if (session !== null && !state.ended && !ownedElsewhere) {
        await store.sessions.close(session.id, SessionStatus.Aborted).catch((closeError: unknown) => {
          deps.logger?.warn({ deviceId, session: session.id, err: closeError }, "could not abort the DM session");
        });
      }
      throw cause;
    }
  }

  async function driveSteps(
    deviceId: string,
    first: DmStep,
    open: OpenKeys | null,
    progress: { session: Session | null; ended: boolean },
  ): Promise<Package2Reply> {
    let current = first;
    let package2: Package2 | undefined;
    for (;;) {
      let taken: readonly Command[] | undefined;
      for (const action of current.actions) {
        switch (action.kind) {
          case DmActionKind.OpenSession: {
            if (open === null) throw new Error("OpenSession outside a Package#1");
            const opened = await store.sessions.open({
              deviceId,
              stateName: current.state.kind,
              stateData: encodeDmState(current.state),
              packageNo: 1,
              contToken: open.contToken,
              cookie: open.cookie,
              idleTimeoutMs: options.idleTimeoutMs,
            });
            progress.session = opened.session;
            if (opened.superseded !== null) {
              deps.logger?.info(
                { deviceId, superseded: opened.superseded.id, requeued: opened.requeued.length },
                "a new Package#1 superseded the device's open DM session",
              );
            }
            break;
          }
          case DmActionKind.RecordResults: {
            const done = await recordResults(live(progress.session).id, action.results);
            await captureDevInfo(deviceId, done);
            break;
          }
          case DmActionKind.StoreAlerts:
            await alerts.receive({ deviceId, sessionId: progress.session?.id ?? null, alerts: action.alerts });
            break;
          case DmActionKind.TakeBatch:
            taken = await store.commands.takeBatch({
              deviceId,
              sessionId: live(progress.session).id,
              max: action.max,
              packageNo: action.packageNo,
              firstPosition: action.firstPosition,
            });
            break;
          case DmActionKind.SendPackage2:
            package2 = action.package;
            break;
          case DmActionKind.CloseSession:
            progress.session = await closeWith(live(progress.session), current.state, action.reason);
            progress.ended = true;
            break;
        }
      }
      if (taken === undefined) break;
      current = unwrap(stepDmSession(current.state, batchEvent(taken)));
    }
    if (!progress.ended) progress.session = await persist(live(progress.session), current.state);
    if (package2 === undefined) throw new Error(`no Package#2 after reaching ${current.state.kind}`);
    return { package: package2, session: live(progress.session), ended: progress.ended };
  }

  async function recordResults(sessionId: string, results: readonly CommandResultInput[]) {
    try {
      return await store.commands.recordResults(sessionId, results);
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

  async function persist(session: Session, state: DmState): Promise<Session> {
    return store.sessions.update(
      session.id,
      { stateName: state.kind, stateData: encodeDmState(state), packageNo: packageNoOf(state) },
      { expectedVersion: session.version },
    );
  }

  async function closeWith(session: Session, state: DmState, reason: DmEndReason): Promise<Session> {
    switch (reason) {
      case DmEndReason.Ended: {
        // Record the final state first (for the operator's view), then close: no commands are in flight
        // because END never rides with commands (session-machine.ts).
        const final = await persist(session, state);
        return (await store.sessions.close(final.id, SessionStatus.Ended)).session;
      }
      case DmEndReason.Expired:
        return (await store.sessions.close(session.id, SessionStatus.Expired)).session;
      case DmEndReason.Superseded:
        // Only `sessions.open` supersedes, atomically with the new session; nothing left to do here.
        return session;
    }
  }

  async function captureDevInfo(deviceId: string, results: readonly Command[]): Promise<void> {
    try {
      await registry.captureDevInfo(deviceId, results);
    } catch (cause) {
      // A nice-to-have: a failure to keep DevInfo must not fail the device's session.
      deps.logger?.warn({ deviceId, err: cause }, "could not store DevInfo values from a GET result");
    }
  }

  async function locate(deviceId: string, where: SessionLocator): Promise<Result<Session, ServerError>> {
    let session: Session | null;
    if (where.contToken !== undefined) {
      session = await store.sessions.findByContToken(where.contToken);
      if (session === null) return err(notFound("there is no DM session at this URL"));
      if (where.cookie !== undefined && session.cookie !== where.cookie) {
        return err(conflict("the session cookie belongs to a different DM session than this URL"));
      }
    } else if (where.cookie !== undefined) {
      session = await store.sessions.findByCookie(where.cookie);
      if (session === null) return err(notFound("the session cookie names no DM session"));
    } else {
      session = await store.sessions.findOpen(deviceId);
      if (session === null) {
        return err(notFound(`device ${JSON.stringify(deviceId)} has no open DM session; start one with a Package#1`));
      }
    }
    if (session.deviceId !== deviceId) {
      return err(conflict(`this DM session belongs to another device than ${JSON.stringify(deviceId)}`));
    }
    if (session.status !== SessionStatus.Open) {
      const why = session.status === SessionStatus.Superseded ? " (a newer Package#1 from the device replaced it)" : "";
      return err(notOpen(`the DM session is ${session.status}${why}`));
    }
    return ok(session);
  }

  return {
    async handlePackage1(deviceId, p1) {
      try {
        const admitted = await registry.admit(deviceId, p1.MOS);
        if (!admitted.ok) return admitted;
        const open: OpenKeys = { contToken: newToken(), cookie: newToken() };
        const event: DmEvent = {
          kind: DmEventKind.Package1Received,
          alerts: p1.Alert ?? [],
          contUri: options.contUrl(open.contToken),
          batchSize: options.batchSize,
        };
        return ok(await drive(deviceId, unwrap(stepDmSession(DM_START, event)), open, null));
      } catch (cause) {
        return fromThrown(cause);
      }
    },

    async handlePackage3(deviceId, where, p3) {
      try {
        const found = await locate(deviceId, where);
        if (!found.ok) return found;
        const session = found.value;
        const decoded = decodeDmState(session.stateName, session.stateData);
        if (!decoded.ok) return decoded;
        if (session.idleExpiresAt <= deps.clock.now()) {
          // dm2-reference §1.5: past the idle timeout the session is gone, even if no sweep has closed it yet.
          const expired = stepDmSession(decoded.value, { kind: DmEventKind.IdleTimeout });
          if (expired.ok) await closeWith(session, expired.value.state, DmEndReason.Expired).catch(ignoreNotOpen);
          return err(notOpen(`the DM session expired after ${options.idleTimeoutMs / 1000} s without a Package#3`));
        }
        const stepped = stepDmSession(decoded.value, {
          kind: DmEventKind.Package3Received,
          statuses: p3.Status,
          alerts: p3.Alert ?? [],
          batchSize: options.batchSize,
        });
        if (!stepped.ok) return stepped;
        const active = await registry.checkActive(deviceId);
        if (!active.ok) {
          // Disabled (or deleted) in the middle of its session: end the session here, commands back in the queue.
          await store.sessions.close(session.id, SessionStatus.Aborted).catch(ignoreNotOpen);
          return active;
        }
        // No separate claim: recording the results is the claim. It succeeds only while every command of the
        // previous Package#2 is still `sent` in this session (atomic in the store), so of two nodes or two
        // retried POSTs handling the same Package#3 exactly one goes on (the other gets SESSION_CONFLICT), and a
        // session superseded or expired meanwhile (its commands requeued) is refused. The machine never sends
        // CONT alone, so every Package#3 has results to record. Saves one commit per package.
        return ok(await drive(deviceId, stepped.value, null, session));
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

/** The number of the latest package exchanged in this state (dm2-reference §3: P1 = 1, P2 = 2, P3 = 3, …). */
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
