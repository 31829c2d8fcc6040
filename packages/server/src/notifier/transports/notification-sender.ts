// The one contract every Package#0 delivery channel implements on the DM Server side.
//
// docs/protocol.md §2 / docs/protocol.md §2.1: the DM Server MUST support Package#0. docs/protocol.md §12 (omadm's choice):
// transports sit behind one interface; here the server half: a sender moves already-encoded Package#0 bytes
// to a device address. Encoding and the SHA256-DIGEST (§2.5) happen before, in the notifier.

import { ServerError, ServerErrorCode } from "../../errors.js";

/** Names of the address kinds (the client reports the same strings as `NotificationSource.transport`). */
export const NotificationTransportKind = {
  Udp: "udp",
  Mqtt: "mqtt",
} as const;
export type NotificationTransportKind = (typeof NotificationTransportKind)[keyof typeof NotificationTransportKind];

/** Where one device listens for Package#0. New transports (SMS gateway, push) add a member here. */
export type NotificationTarget =
  | { readonly transport: typeof NotificationTransportKind.Udp; readonly host: string; readonly port: number }
  /** `topic` is `notificationTopic(devId, prefix)` from @omadm/protocol, the topic the device subscribes to. */
  | { readonly transport: typeof NotificationTransportKind.Mqtt; readonly topic: string };

export interface NotificationSender {
  /** The address kinds this sender delivers to. */
  readonly transports: readonly NotificationTransportKind[];
  /**
   * Delivers one notification. Resolves when the transport accepted it (UDP: handed to the kernel; MQTT: PUBACK
   * from the broker); rejects with a `ServerError` whose code is one of the `NOTIFY_*` codes.
   */
  send(bytes: Uint8Array, address: NotificationTarget): Promise<void>;
  /** Releases sockets and connections; idempotent. Later sends reject with `NOTIFY_SENDER_CLOSED`. */
  close(): Promise<void>;
}

/** The logging a sender needs; pino's `logger.warn(obj, msg)` fits. */
export interface NotifierLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

/** Default logger: one line on stderr. */
export const stderrNotifierLogger: NotifierLogger = {
  warn(details, message) {
    console.warn(`[omadm notifier] ${message}`, details);
  },
};

/** A `ServerError` for a failed delivery; the message names the transport. */
export function notifyError(code: ServerErrorCode, transport: string, message: string, cause?: unknown): ServerError {
  return new ServerError(code, `${transport} notification: ${message}`, cause === undefined ? {} : { cause });
}

/** Rejection for an address of a kind the sender does not handle. */
export function unsupportedAddress(sender: string, address: NotificationTarget): ServerError {
  return notifyError(
    ServerErrorCode.NOTIFY_TRANSPORT_UNSUPPORTED,
    sender,
    `cannot deliver to a "${address.transport}" address`,
  );
}

/**
 * One sender over several: each `send` goes to the sender that handles `address.transport`, so the notifier
 * holds a single `NotificationSender` whatever transports a deployment enables.
 */
export function createRoutingNotificationSender(senders: readonly NotificationSender[]): NotificationSender {
  const byKind = new Map<NotificationTransportKind, NotificationSender>();
  for (const sender of senders) for (const kind of sender.transports) byKind.set(kind, sender);
  return {
    transports: [...byKind.keys()],
    send(bytes, address) {
      const sender = byKind.get(address.transport);
      if (sender === undefined) return Promise.reject(unsupportedAddress("routing", address));
      return sender.send(bytes, address);
    },
    async close() {
      await Promise.all(senders.map((s) => s.close()));
    },
  };
}
