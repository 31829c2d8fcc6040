// Typed errors of the client's notification transports, with their stable codes; callers match on `code`,
// never on the message.
import { OmadmError } from "@omadm/protocol";

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

export class NotificationTransportError extends OmadmError<NotificationTransportErrorCode> {
  override readonly name = "NotificationTransportError";
  /** The transport that failed (`"udp"`, `"mqtt"`, …). */
  readonly transport: string;

  constructor(code: NotificationTransportErrorCode, transport: string, message: string, cause?: unknown) {
    super(code, `${transport}: ${message}`, cause === undefined ? {} : { cause });
    this.transport = transport;
  }
}
