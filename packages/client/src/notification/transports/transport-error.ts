// Typed errors of the client's notification transports. The client package has no error catalogue yet, so the
// stable codes live here; callers match on `code`, never on the message.

export const NotificationTransportErrorCode = {
  /** Options given to a transport factory are unusable (bad port, wildcard topic, …). */
  INVALID_OPTIONS: "OMADM_NOTIFY_INVALID_OPTIONS",
  /** `start` was called while started with a different handler. */
  ALREADY_STARTED: "OMADM_NOTIFY_ALREADY_STARTED",
  /** The transport could not start listening (bind failed, broker unreachable, subscription refused). */
  LISTEN_FAILED: "OMADM_NOTIFY_LISTEN_FAILED",
} as const;

export type NotificationTransportErrorCode =
  (typeof NotificationTransportErrorCode)[keyof typeof NotificationTransportErrorCode];

export class NotificationTransportError extends Error {
  override readonly name = "NotificationTransportError";
  readonly code: NotificationTransportErrorCode;
  /** The transport that failed (`"udp"`, `"mqtt"`, …). */
  readonly transport: string;

  constructor(code: NotificationTransportErrorCode, transport: string, message: string, cause?: unknown) {
    super(`${transport}: ${message}`, { cause });
    this.code = code;
    this.transport = transport;
  }
}
