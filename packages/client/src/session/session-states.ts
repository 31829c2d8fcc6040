// The states, events and actions of the DM Client session machine (session-machine.ts): named states as a `Kind`
// const object and a discriminated union (ARCHITECTURE.md invariant 4). Data only; the transitions live in session-machine.ts.
import type { Command, MosEntry, Result, StatusItem } from "@omadm/protocol";
import type { OutboxAlert } from "./contracts.js";
import type { AbortReason, CommandRecord, SessionOutcome, SessionTrigger } from "./session-types.js";

export interface MachineOptions {
  /** Accept plain-http ServerURIs in commands (CONT, EXEC …); default https only (docs/protocol.md §6.2). */
  readonly allowHttp: boolean;
}

// ---- states ------------------------------------------------------------------------------------------------

export const StateKind = {
  Idle: "idle",
  /** A Package#1 or #3 is on the wire; the Package#2 is its HTTP response (§1.2). */
  AwaitingPackage2: "awaiting-package2",
  /** Running the commands of a Package#2 one by one (docs/protocol.md §3.2: strictly in order). */
  Executing: "executing",
  /** All commands done, no END: reading the outbox for the Package#3 alerts (docs/protocol.md §3.3). */
  GatheringAlerts: "gathering-alerts",
  Completed: "completed",
  Aborted: "aborted",
} as const;
export type StateKind = (typeof StateKind)[keyof typeof StateKind];

/** What every active state carries about the session so far. */
export interface SessionContext {
  readonly options: MachineOptions;
  readonly sessionId: string;
  readonly serverId: string;
  readonly trigger: SessionTrigger;
  /** Where the next package goes: the SrvURI (or async-report URI), then the latest CONT URI (§4.7). */
  readonly url: string;
  readonly packageNumber: number;
  readonly commands: readonly CommandRecord[];
  readonly packagesAcknowledged: number;
  readonly deliveredAlertIds: readonly string[];
}

/** One Package#2 item after validation: the typed command or the error with its 400/501 status (§3.2). */
export interface PlannedItem {
  readonly item: readonly string[];
  readonly command: Result<Command>;
}

export type SessionState =
  | { readonly kind: typeof StateKind.Idle; readonly options: MachineOptions }
  | {
      readonly kind: typeof StateKind.AwaitingPackage2;
      readonly ctx: SessionContext;
      readonly request: PostAction;
      /** Outbox alerts inside this package: acknowledged once it is answered with a usable Package#2. */
      readonly carriedAlertIds: readonly string[];
      /** A 401 for this package was already answered once (§1.5 (omadm's choice): a second 401 aborts). */
      readonly authAnswered: boolean;
    }
  | {
      readonly kind: typeof StateKind.Executing;
      readonly ctx: SessionContext;
      readonly items: readonly PlannedItem[];
      /** Index of the command being executed by the runner. */
      readonly next: number;
      readonly statuses: readonly StatusItem[];
      /** The package holds END (§4.8): run everything, send no Package#3. */
      readonly end: boolean;
    }
  | {
      readonly kind: typeof StateKind.GatheringAlerts;
      readonly ctx: SessionContext;
      readonly statuses: readonly StatusItem[];
    }
  | { readonly kind: typeof StateKind.Completed; readonly outcome: SessionOutcome }
  | { readonly kind: typeof StateKind.Aborted; readonly outcome: SessionOutcome };

// ---- events ------------------------------------------------------------------------------------------------

export const EventKind = {
  Start: "start",
  Response: "response",
  TransportFailed: "transport-failed",
  AuthUnavailable: "auth-unavailable",
  CommandExecuted: "command-executed",
  AlertsGathered: "alerts-gathered",
  Cancel: "cancel",
  /** The runner gives up for a reason of its own (a bug it caught): abort with that reason. */
  Fail: "fail",
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export type SessionEvent =
  | {
      readonly kind: typeof EventKind.Start;
      readonly sessionId: string;
      readonly serverId: string;
      readonly trigger: SessionTrigger;
      /** The account's SrvURI (docs/protocol.md §9.2). */
      readonly srvUri: string;
      /** Outbox alerts to carry in Package#1 (for the SrvURI, or the async-report URI). */
      readonly pendingAlerts: readonly OutboxAlert[];
      /** The MOS array; used when the trigger wants it (`triggerWantsMos`). */
      readonly mos?: readonly MosEntry[];
    }
  | {
      readonly kind: typeof EventKind.Response;
      readonly status: number;
      readonly contentType: string | undefined;
      /** Every WWW-Authenticate value of the response (for a 401). */
      readonly wwwAuthenticate: readonly string[];
      readonly body: Uint8Array;
    }
  | {
      readonly kind: typeof EventKind.TransportFailed;
      readonly code: string;
      readonly message: string;
      readonly timeout: boolean;
    }
  | { readonly kind: typeof EventKind.AuthUnavailable; readonly message: string }
  | { readonly kind: typeof EventKind.CommandExecuted; readonly status: StatusItem }
  | { readonly kind: typeof EventKind.AlertsGathered; readonly alerts: readonly OutboxAlert[] }
  | { readonly kind: typeof EventKind.Cancel; readonly message: string }
  | { readonly kind: typeof EventKind.Fail; readonly reason: AbortReason };

// ---- actions -----------------------------------------------------------------------------------------------

export const ActionKind = {
  Post: "post",
  Execute: "execute",
  GatherAlerts: "gather-alerts",
  Acknowledge: "acknowledge",
  Finish: "finish",
} as const;
export type ActionKind = (typeof ActionKind)[keyof typeof ActionKind];

export interface PostAction {
  readonly kind: typeof ActionKind.Post;
  readonly url: string;
  readonly packageKind: "P1" | "P3";
  /** MT_P1 or MT_P3. */
  readonly contentType: string;
  /** The serialized package; a 401 retry resends exactly these bytes. */
  readonly body: string;
  /** Set on the retry after a 401: the challenges to answer with the account's credentials. */
  readonly answerChallenges?: readonly string[];
}

export type SessionAction =
  | PostAction
  | {
      readonly kind: typeof ActionKind.Execute;
      readonly command: Command;
      readonly packageNumber: number;
      readonly index: number;
    }
  | { readonly kind: typeof ActionKind.GatherAlerts; readonly serverId: string; readonly targetUri?: string }
  | { readonly kind: typeof ActionKind.Acknowledge; readonly alertIds: readonly string[] }
  | { readonly kind: typeof ActionKind.Finish; readonly outcome: SessionOutcome };

export interface Transition {
  readonly state: SessionState;
  readonly actions: readonly SessionAction[];
}
