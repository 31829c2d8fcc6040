// Records of what happens in and around DM sessions: the sessions themselves, the Generic Alerts devices
// send, and the Package#0 notifications the server sends. Conventions as in ./types.ts.
import type { Command, DeviceState, JsonValue, PageQuery, SortOrder } from "./types.js";

/**
 * A session is `open` until it ends normally, is aborted (bad package, HTTP error), superseded by a new
 * Package#1 from the same device (docs/protocol.md §1.4 item 1), or expires after its idle timeout (§1.5).
 */
export const SessionStatus = {
  Open: "open",
  Ended: "ended",
  Aborted: "aborted",
  Superseded: "superseded",
  Expired: "expired",
} as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];

/** How a caller may close a session (superseding happens only inside `sessions.open`). */
export type CloseReason = typeof SessionStatus.Ended | typeof SessionStatus.Aborted | typeof SessionStatus.Expired;

export interface Session {
  readonly id: string;
  readonly deviceId: string;
  readonly status: SessionStatus;
  /** Named state of the DM session state machine (owned by the session component). */
  readonly stateName: string;
  /** The state machine's full state, as JSON, so that another server node can continue the session. */
  readonly stateData: JsonValue;
  /** Number of the current package in the session. */
  readonly packageNo: number;
  /** Token of the session-specific URL sent in CONT (docs/protocol.md §1.4 item 3); unique. */
  readonly contToken: string | null;
  /** Session cookie value (RFC 6265); unique. */
  readonly cookie: string | null;
  readonly createdAt: number;
  readonly lastActivityAt: number;
  readonly idleTimeoutMs: number;
  /** lastActivityAt + idleTimeoutMs: after it the session is no longer live. */
  readonly idleExpiresAt: number;
  readonly endedAt: number | null;
  /** Increments on every change; pass it as `expectedVersion` for optimistic concurrency between nodes. */
  readonly version: number;
}

export interface NewSession {
  readonly id?: string | undefined;
  readonly deviceId: string;
  readonly stateName: string;
  readonly stateData?: unknown;
  readonly packageNo?: number | undefined;
  readonly contToken?: string | null | undefined;
  readonly cookie?: string | null | undefined;
  readonly idleTimeoutMs: number;
}

export interface SessionPatch {
  readonly stateName?: string | undefined;
  readonly stateData?: unknown;
  readonly packageNo?: number | undefined;
  readonly contToken?: string | null | undefined;
  readonly cookie?: string | null | undefined;
  readonly idleTimeoutMs?: number | undefined;
}

/** How `sessions.findWithDevice` finds a session: by CONT token, by cookie, or as the open session of a device. */
export type SessionKey = { readonly contToken: string } | { readonly cookie: string } | { readonly openOf: string };

/** A session and its device's state, read together (`sessions.findWithDevice`). */
export interface SessionWithDevice {
  readonly session: Session;
  /** The device's state when the session was read; null if the device is gone. */
  readonly deviceState: DeviceState | null;
}

/** `sessions.close` options. */
export interface CloseOptions {
  /** The session's last changes, made as `update` makes them (it must be live), in the same step as the close. */
  readonly final?: SessionPatch | undefined;
  /** SESSION_CONFLICT unless the session is still at this version. */
  readonly expectedVersion?: number | undefined;
}

export interface OpenSessionResult {
  readonly session: Session;
  /** The device's previous open session, now `superseded`, or null. */
  readonly superseded: Session | null;
  /** Commands the superseded session had in flight, back in `queued` (same transaction). */
  readonly requeued: readonly Command[];
  /** Commands it had in flight that may not go out again: now `failed` or `unknown` (docs/delivery.md). */
  readonly unanswered: readonly Command[];
}

export interface CloseSessionResult {
  readonly session: Session;
  /** Commands the session had in flight (`sent`), back in `queued` (same transaction). */
  readonly requeued: readonly Command[];
  /** Commands it had in flight that may not go out again: now `failed` or `unknown` (docs/delivery.md). */
  readonly unanswered: readonly Command[];
}

export interface SessionQuery extends PageQuery {
  readonly deviceId?: string | undefined;
  readonly status?: SessionStatus | undefined;
  /** By (createdAt, id): asc (default) oldest first, desc newest first; keyset pages either way. */
  readonly order?: SortOrder | undefined;
}

// ----------------------------------------------------------------------------------------------- alerts

/** A Generic Alert as received in Package#1 or #3 (docs/protocol.md §3.4), with where and when. */
export interface StoredAlert {
  readonly id: string;
  readonly deviceId: string;
  readonly sessionId: string | null;
  readonly alertType: string;
  readonly sourceUri: string | null;
  readonly targetUri: string | null;
  readonly mark: string | null;
  readonly dataType: string | null;
  readonly data: JsonValue | null;
  readonly receivedAt: number;
  /** The accepted (202) command this alert completed, if any. */
  readonly matchedCommandId: string | null;
}

export interface NewAlert {
  readonly deviceId: string;
  readonly sessionId?: string | null | undefined;
  readonly alertType: string;
  readonly sourceUri?: string | null | undefined;
  readonly targetUri?: string | null | undefined;
  readonly mark?: string | null | undefined;
  readonly dataType?: string | null | undefined;
  readonly data?: unknown;
}

export interface AlertQuery extends PageQuery {
  readonly deviceId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly alertType?: string | undefined;
  readonly order?: SortOrder | undefined;
}

// -------------------------------------------------------------------------------------------- notifications

export const NotificationOutcome = { Sent: "sent", Failed: "failed" } as const;
export type NotificationOutcome = (typeof NotificationOutcome)[keyof typeof NotificationOutcome];

/** One Package#0 the server sent (or tried to), for the operator's log. */
export interface NotificationRecord {
  readonly id: string;
  readonly deviceId: string;
  /** The NOTIFICATION-ID option value (uint16, docs/protocol.md §2.4). */
  readonly notificationId: number;
  /** "udp", "mqtt", … */
  readonly transport: string;
  readonly sentAt: number;
  readonly outcome: NotificationOutcome;
  readonly error: string | null;
}

export interface NewNotificationRecord {
  readonly deviceId: string;
  readonly notificationId: number;
  readonly transport: string;
  readonly outcome: NotificationOutcome;
  readonly error?: string | null | undefined;
}

export interface NotificationQuery extends PageQuery {
  readonly deviceId?: string | undefined;
  readonly order?: SortOrder | undefined;
}
