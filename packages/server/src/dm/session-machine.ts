// The server side of a DM session as a pure state machine (ARCHITECTURE.md invariant 4): `stepDmSession(state, event)`
// returns the next state and the actions the caller must carry out, in order. No I/O, no clock, no randomness:
// the DM endpoint (dm-session-service.ts) runs the actions against the store and feeds the results back as
// events. The state is plain JSON and lives in the store's session record (`stateName`/`stateData`), so that
// another server node can continue a session this one began (ARCHITECTURE.md invariant 6, docs/protocol.md §1.4).
//
//   Start ──Package1Received──▶ Composing ──BatchTaken(≥1)──▶ AwaitingPackage3 ──Package3Received──▶ Composing
//                                   │                                 │
//                                   └─BatchTaken(0)──▶ Ended ◀────────┘ IdleTimeout / Superseded
//
// Package numbering: the Package#1 is package 1, each answer and request after it counts on (P2 = 2, P3 = 3,
// the next P2 = 4, …), so the package number of every Package#2 is even.
import { err, isSuccessStatus, ok, Status, type GenericAlert, type Package2, type StatusItem } from "@omadm/protocol";
import type { Result } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";
import { CommandOutcome, type AsyncCorrelation, type CommandResultInput } from "../store/types.js";

/** The named states of a server DM session. */
export const DmStateKind = {
  /** No session yet: only a Package#1 can start one. */
  Start: "Start",
  /** A package arrived and was accepted; the next Package#2 is being put together from the queue. */
  Composing: "Composing",
  /** A Package#2 without END went out; the session waits for the Package#3 answering it. */
  AwaitingPackage3: "AwaitingPackage3",
  /** The session is over (END sent, superseded by a new Package#1, or idle timeout). */
  Ended: "Ended",
} as const;
export type DmStateKind = (typeof DmStateKind)[keyof typeof DmStateKind];

/** Why a session ended; the values are the store's `SessionStatus` names. */
export const DmEndReason = { Ended: "ended", Superseded: "superseded", Expired: "expired" } as const;
export type DmEndReason = (typeof DmEndReason)[keyof typeof DmEndReason];

/** One item of the last Package#2, in CMD order: a queued command, or the server's own CONT (commandId null). */
export interface DmSentItem {
  readonly commandId: string | null;
  readonly name: string;
  readonly params: readonly string[];
  /** For EXEC: the SourceURI its asynchronous alert is expected to carry, when the operator gave one. */
  readonly sourceUri?: string;
}

export type DmState =
  | { readonly kind: typeof DmStateKind.Start }
  | {
      readonly kind: typeof DmStateKind.Composing;
      /** Number of the Package#2 being composed. */
      readonly packageNo: number;
      /** The session-specific URL (docs/protocol.md §1.4 item 3). */
      readonly contUri: string;
      /** True while composing the first Package#2: CONT goes first when the package does not end the session. */
      readonly first: boolean;
    }
  | {
      readonly kind: typeof DmStateKind.AwaitingPackage3;
      /** Number of the Package#2 that went out. */
      readonly packageNo: number;
      readonly contUri: string;
      readonly sent: readonly DmSentItem[];
    }
  | { readonly kind: typeof DmStateKind.Ended; readonly packageNo: number; readonly reason: DmEndReason };

/** A command taken from the queue, as the machine needs it. */
export interface DmQueuedCommand {
  readonly id: string;
  readonly name: string;
  readonly params: readonly string[];
  readonly sourceUri?: string | undefined;
}

export const DmEventKind = {
  Package1Received: "Package1Received",
  BatchTaken: "BatchTaken",
  Package3Received: "Package3Received",
  IdleTimeout: "IdleTimeout",
  Superseded: "Superseded",
} as const;
export type DmEventKind = (typeof DmEventKind)[keyof typeof DmEventKind];

export type DmEvent =
  | {
      readonly kind: typeof DmEventKind.Package1Received;
      readonly alerts: readonly GenericAlert[];
      /** Absolute URL the session will continue at (CONT parameter). */
      readonly contUri: string;
      /** Most queued commands per Package#2. */
      readonly batchSize: number;
    }
  | { readonly kind: typeof DmEventKind.BatchTaken; readonly commands: readonly DmQueuedCommand[] }
  | {
      readonly kind: typeof DmEventKind.Package3Received;
      readonly statuses: readonly StatusItem[];
      readonly alerts: readonly GenericAlert[];
      readonly batchSize: number;
    }
  | { readonly kind: typeof DmEventKind.IdleTimeout }
  | { readonly kind: typeof DmEventKind.Superseded };

export const DmActionKind = {
  OpenSession: "OpenSession",
  RecordResults: "RecordResults",
  StoreAlerts: "StoreAlerts",
  TakeBatch: "TakeBatch",
  SendPackage2: "SendPackage2",
  CloseSession: "CloseSession",
} as const;
export type DmActionKind = (typeof DmActionKind)[keyof typeof DmActionKind];

export type DmAction =
  /** Store the new session (superseding the device's open one: the store requeues its in-flight commands). */
  | { readonly kind: typeof DmActionKind.OpenSession }
  /** Apply Package#3 statuses to the commands they answer (CONT's status is checked, not recorded). */
  | { readonly kind: typeof DmActionKind.RecordResults; readonly results: readonly CommandResultInput[] }
  /** Store Generic Alerts; they are never answered with a status (docs/protocol.md §3.4). */
  | { readonly kind: typeof DmActionKind.StoreAlerts; readonly alerts: readonly GenericAlert[] }
  /** Take up to `max` queued commands, then feed them back as a BatchTaken event. */
  | {
      readonly kind: typeof DmActionKind.TakeBatch;
      readonly max: number;
      readonly packageNo: number;
      readonly firstPosition: number;
    }
  /** Answer the pending POST with this Package#2. */
  | { readonly kind: typeof DmActionKind.SendPackage2; readonly package: Package2 }
  /** Close the session; its in-flight commands go back to the queue. */
  | { readonly kind: typeof DmActionKind.CloseSession; readonly reason: DmEndReason };

export interface DmStep {
  readonly state: DmState;
  readonly actions: readonly DmAction[];
}

export const DM_START: DmState = { kind: DmStateKind.Start };

/** One transition. An event the state does not allow is a DM_ILLEGAL_TRANSITION error (nothing to do). */
export function stepDmSession(state: DmState, event: DmEvent): Result<DmStep, ServerError> {
  switch (event.kind) {
    case DmEventKind.Package1Received:
      return state.kind === DmStateKind.Start ? ok(onPackage1(event)) : illegal(state, event);
    case DmEventKind.BatchTaken:
      return state.kind === DmStateKind.Composing ? ok(onBatch(state, event.commands)) : illegal(state, event);
    case DmEventKind.Package3Received:
      return state.kind === DmStateKind.AwaitingPackage3 ? onPackage3(state, event) : illegal(state, event);
    case DmEventKind.IdleTimeout:
    case DmEventKind.Superseded: {
      if (state.kind !== DmStateKind.Composing && state.kind !== DmStateKind.AwaitingPackage3) {
        return illegal(state, event);
      }
      // docs/protocol.md §1.5: after the idle timeout the server drops the session; §1.4 item 1: a new
      // Package#1 from the same device aborts the old session. Either way in-flight commands are requeued.
      const reason = event.kind === DmEventKind.IdleTimeout ? DmEndReason.Expired : DmEndReason.Superseded;
      return ok({
        state: { kind: DmStateKind.Ended, packageNo: state.packageNo, reason },
        actions: [{ kind: DmActionKind.CloseSession, reason }],
      });
    }
  }
}

function onPackage1(event: Extract<DmEvent, { kind: "Package1Received" }>): DmStep {
  const actions: DmAction[] = [{ kind: DmActionKind.OpenSession }];
  if (event.alerts.length > 0) actions.push({ kind: DmActionKind.StoreAlerts, alerts: event.alerts });
  // The first Package#2 is package 2; CONT will take CMD index 0, so the batch starts at 1.
  actions.push({ kind: DmActionKind.TakeBatch, max: event.batchSize, packageNo: 2, firstPosition: 1 });
  return { state: { kind: DmStateKind.Composing, packageNo: 2, contUri: event.contUri, first: true }, actions };
}

function onBatch(state: Extract<DmState, { kind: "Composing" }>, commands: readonly DmQueuedCommand[]): DmStep {
  if (commands.length === 0) {
    // Nothing is left: END alone, as the last (only) command of the package that ends the session (docs/protocol.md §4.8). Commands never ride with END, since the client returns no statuses for that package.
    return {
      state: { kind: DmStateKind.Ended, packageNo: state.packageNo, reason: DmEndReason.Ended },
      actions: [
        { kind: DmActionKind.SendPackage2, package: { CMD: [["END"]] } },
        { kind: DmActionKind.CloseSession, reason: DmEndReason.Ended },
      ],
    };
  }
  const sent: DmSentItem[] = [];
  // docs/protocol.md §1.4 item 3 and docs/protocol.md §4.7: CONT first in the first Package#2 pins every later
  // Package#3 of the session to the session-specific URL.
  if (state.first) sent.push({ commandId: null, name: "CONT", params: [state.contUri] });
  for (const c of commands) {
    sent.push(
      c.sourceUri === undefined
        ? { commandId: c.id, name: c.name, params: [...c.params] }
        : { commandId: c.id, name: c.name, params: [...c.params], sourceUri: c.sourceUri },
    );
  }
  return {
    state: { kind: DmStateKind.AwaitingPackage3, packageNo: state.packageNo, contUri: state.contUri, sent },
    actions: [{ kind: DmActionKind.SendPackage2, package: { CMD: sent.map((s) => [s.name, ...s.params]) } }],
  };
}

function onPackage3(
  state: Extract<DmState, { kind: "AwaitingPackage3" }>,
  event: Extract<DmEvent, { kind: "Package3Received" }>,
): Result<DmStep, ServerError> {
  // docs/protocol.md §3.3: one status per command of the previous Package#2, in the same order,
  // CONT included (§4.7, omadm's choice). Any other count cannot be matched to commands safely: refuse it whole.
  if (event.statuses.length !== state.sent.length) {
    return err(
      new ServerError(
        ServerErrorCode.DM_STATUS_COUNT,
        `Package#3 carries ${event.statuses.length} status item(s) but the previous Package#2 had ` +
          `${state.sent.length} command(s) (${state.sent.map((s) => s.name).join(", ")}); ` +
          "exactly one status per command is required",
      ),
    );
  }
  const results: CommandResultInput[] = [];
  state.sent.forEach((item, i) => {
    const status = event.statuses[i];
    if (item.commandId !== null && status !== undefined) results.push(resultFor(item.commandId, item, status));
  });
  const actions: DmAction[] = [];
  // Results before alerts: an EXEC answered 202 in this package may be completed by an alert in the same one.
  if (results.length > 0) actions.push({ kind: DmActionKind.RecordResults, results });
  if (event.alerts.length > 0) actions.push({ kind: DmActionKind.StoreAlerts, alerts: event.alerts });
  const packageNo = state.packageNo + 2;
  actions.push({ kind: DmActionKind.TakeBatch, max: event.batchSize, packageNo, firstPosition: 0 });
  return ok({ state: { kind: DmStateKind.Composing, packageNo, contUri: state.contUri, first: false }, actions });
}

/**
 * What one status item means for the command it answers (docs/protocol.md §4.12, §5): 202 on an EXEC is
 * `accepted` (the final result comes in a Generic Alert, correlated by the executed ClientURI); any other 2xx
 * or 304 is `done`; everything else `failed`. Only EXEC reports asynchronously, so a 202 on any other
 * command is simply a success.
 */
export function resultFor(commandId: string, item: DmSentItem, status: StatusItem): CommandResultInput {
  const accepted = item.name === "EXEC" && status.sc === Status.ACCEPTED;
  return {
    commandId,
    statusCode: status.sc,
    uris: status.URI ?? [],
    ...(status.Data !== undefined && { data: status.Data }),
    outcome: accepted
      ? CommandOutcome.Accepted
      : isSuccessStatus(status.sc)
        ? CommandOutcome.Done
        : CommandOutcome.Failed,
    ...(accepted && { correlation: execCorrelation(item, status) }),
  };
}

/** EXEC is `[EXEC, ClientURI, ServerURI?]` (docs/protocol.md §4.4); the alert's SourceURI names the executed node. */
function execCorrelation(item: DmSentItem, status: StatusItem): AsyncCorrelation {
  // The device's concrete URI (status URI) is what its alert will carry; else what the operator said; else
  // the ClientURI as sent.
  const sourceUri = status.URI?.[0] ?? item.sourceUri ?? item.params[0] ?? "";
  const serverUri = item.params[1];
  return serverUri === undefined ? { sourceUri } : { sourceUri, serverUri };
}

function illegal(state: DmState, event: DmEvent): Result<never, ServerError> {
  return err(
    new ServerError(
      ServerErrorCode.DM_ILLEGAL_TRANSITION,
      `a DM session in state ${state.kind} cannot take ${describe(event)}`,
    ),
  );
}

function describe(event: DmEvent): string {
  switch (event.kind) {
    case DmEventKind.Package1Received:
      return "a Package#1";
    case DmEventKind.Package3Received:
      return "a Package#3";
    case DmEventKind.BatchTaken:
      return "a batch of queued commands";
    case DmEventKind.IdleTimeout:
      return "an idle timeout";
    case DmEventKind.Superseded:
      return "a superseding Package#1";
  }
}
