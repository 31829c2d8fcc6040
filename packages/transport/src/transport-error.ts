// Typed errors of the shared transport adapters, with their stable codes. The client's notification transports
// and the server's notification senders wrap them in their own codes (the error stays as `cause`), so callers
// of those see one catalogue each; `TIMEOUT` is kept apart because the server reports it with its own code.
import { OmadmError } from "@omadm/protocol";

export const TransportErrorCode = {
  /** The awaited answer (CONNACK, SUBACK, PUBACK, …) did not come within the allowed time. */
  TIMEOUT: "OMADM_TRANSPORT_TIMEOUT",
  /** The broker refused the connection or could not be reached. */
  CONNECT_FAILED: "OMADM_TRANSPORT_CONNECT_FAILED",
  /** A UDP socket could not be bound to the asked address. */
  BIND_FAILED: "OMADM_TRANSPORT_BIND_FAILED",
  /** The operating system refused to send a datagram. */
  SEND_FAILED: "OMADM_TRANSPORT_SEND_FAILED",
} as const;
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

export class TransportError extends OmadmError<TransportErrorCode> {
  override readonly name = "TransportError";
}

/** The logging the adapters need; pino's `logger.warn(obj, msg)` fits, so does a small test recorder. */
export interface TransportLogger {
  warn(details: Record<string, unknown>, message: string): void;
}
