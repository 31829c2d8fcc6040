// The vocabulary a DM session is described in: why it started (trigger), what happened to each command, and how
// it ended (outcome). Shared by the pure state machine, the runner and the CLI that prints the outcome.
import type { Command, StatusItem } from "@omadm/protocol";

/** Why a session is opened; decides the session-type alert of Package#1 and where it is posted (§3.1). */
export const TriggerKind = {
  /** The device starts on its own: ClientInitiatedMgmt. */
  ClientInitiated: "client-initiated",
  /** A valid Package#0 asked for the session: ServerInitiatedMgmt carrying the NOTIFICATION-ID (§2.7). */
  ServerInitiated: "server-initiated",
  /** The first session after a successful bootstrap: BootstrapComplete, with the MOS array (§3.1, omadm's choice). */
  BootstrapComplete: "bootstrap-complete",
  /** An asynchronous EXEC report for an EXEC that named a ServerURI: a new session to that URI (§4.4). */
  AsyncReport: "async-report",
} as const;
export type TriggerKind = (typeof TriggerKind)[keyof typeof TriggerKind];

export type SessionTrigger =
  | { readonly kind: typeof TriggerKind.ClientInitiated; readonly includeMos?: boolean }
  | {
      readonly kind: typeof TriggerKind.ServerInitiated;
      /** Absent when the notification carried no NOTIFICATION-ID (docs/protocol.md §2.3 lets a transport omit it). */
      readonly notificationId?: number;
      /** The Package#0 had REQ-MOS: the MOS array MUST be in Package#1 (docs/protocol.md §2.3). */
      readonly reqMos: boolean;
    }
  | { readonly kind: typeof TriggerKind.BootstrapComplete }
  | { readonly kind: typeof TriggerKind.AsyncReport; readonly targetUri: string };

/** Whether the Package#1 of a session with this trigger carries the MOS array (docs/protocol.md §3.1). */
export function triggerWantsMos(trigger: SessionTrigger): boolean {
  switch (trigger.kind) {
    case TriggerKind.ServerInitiated:
      return trigger.reqMos;
    case TriggerKind.BootstrapComplete:
      return true;
    case TriggerKind.ClientInitiated:
      return trigger.includeMos === true;
    case TriggerKind.AsyncReport:
      return false;
  }
}

/** One command of a Package#2 and the status the client gave it. */
export interface CommandRecord {
  /** 1 for the first Package#2 of the session, 2 for the next … */
  readonly packageNumber: number;
  /** Position in that package's CMD array. */
  readonly index: number;
  /** The item exactly as received: `[name, ...params]`. */
  readonly item: readonly string[];
  /** The typed command; absent when the item was invalid (status 400/501). */
  readonly command?: Command;
  readonly status: StatusItem;
  /** False when the status never reached the server: the package held END (§4.8), or the session aborted. */
  readonly reported: boolean;
}

/** Why a session was aborted. Stable codes; the message names the detail. */
export const AbortCode = {
  /** A Package#1/#3 POST got an HTTP status the client cannot recover from: 3xx, 4xx other than a 401 answered once, 5xx (§1.5). */
  HTTP_STATUS: "http-status",
  /** The server refused the credentials: a second 401 for the same package (§1.5, omadm's choice). */
  AUTH_REJECTED: "auth-rejected",
  /** A 401 the client cannot answer: no challenge, no credentials, unsupported scheme, Basic over plain http. */
  AUTH_UNAVAILABLE: "auth-unavailable",
  /** Connect or response timeout (§1.5: connect 30 s, Package#2 300 s by default). */
  TIMEOUT: "timeout",
  /** Connection refused or reset, TLS failure, oversized response: no HTTP response at all. */
  TRANSPORT: "transport",
  /** The HTTP 200 did not carry `application/vnd.oma.dm.request+json`. */
  BAD_CONTENT_TYPE: "bad-content-type",
  /** The Package#2 body is not valid JSON or breaks the schema; aborted silently, no Package#3 (§3.2). */
  BAD_PACKAGE2: "bad-package2",
  /** The caller cancelled the session (its AbortSignal). */
  CANCELLED: "cancelled",
  /** A bug: the state machine refused an event, or a package could not be built. */
  INTERNAL: "internal",
} as const;
export type AbortCode = (typeof AbortCode)[keyof typeof AbortCode];

export interface AbortReason {
  readonly code: AbortCode;
  readonly message: string;
  /** The HTTP status for HTTP_STATUS / AUTH_*. */
  readonly httpStatus?: number;
  /** The HttpTransportError code for TIMEOUT / TRANSPORT. */
  readonly transportCode?: string;
  /** The URL of the request that failed. */
  readonly url?: string;
}

export const OutcomeKind = { Completed: "completed", Aborted: "aborted" } as const;
export type OutcomeKind = (typeof OutcomeKind)[keyof typeof OutcomeKind];

interface OutcomeBase {
  readonly sessionId: string;
  readonly serverId: string;
  readonly trigger: SessionTrigger;
  /** Every command of every Package#2, in order, with its status. */
  readonly commands: readonly CommandRecord[];
  /** Packages the client posted and the server answered with 200 (Package#1 counts as one). */
  readonly packagesAcknowledged: number;
  /** Outbox alert ids delivered in this session (acknowledged after a 200). */
  readonly deliveredAlertIds: readonly string[];
  /** The URL the last package went to (the SrvURI, or the latest CONT URI). */
  readonly lastUrl: string;
}

/** How a session ended: completed (END received) or aborted with a reason; never a rejection. */
export type SessionOutcome =
  | (OutcomeBase & { readonly kind: typeof OutcomeKind.Completed })
  | (OutcomeBase & { readonly kind: typeof OutcomeKind.Aborted; readonly reason: AbortReason });
