// The one contract every Package#0 notification transport implements on the DM Client side.
//
// DM 2.0 docs/protocol.md §2 / docs/protocol.md §2.1: a client that supports any Appendix-E transport MUST support
// Package#0. docs/protocol.md §12 (omadm's choice): transports sit behind a `NotificationTransport` interface that
// delivers the raw Package#0 bytes plus the identity of their source. Transports only move bytes: decoding,
// digest checks (§2.5) and duplicate/replay drops (§2.4) belong to the listener that receives them, and the
// source identity lets it pick the DMAcc bound to a transport when SERVER-ID is absent (§2.7).

/** Where a notification came from: the transport's name and a transport-specific address. */
export interface NotificationSource {
  /** `"udp"`, `"mqtt"`, later `"sms"`, `"push"`, … */
  readonly transport: string;
  /** UDP: the sender's `host:port` (`[v6]:port`); MQTT: the topic the message arrived on. */
  readonly address: string;
}

/**
 * Receives the raw Package#0 bytes of one notification. May be async; a throw or a rejection is logged by the
 * transport and never stops it (a bad notification must not crash the client).
 */
export type NotificationHandler = (bytes: Uint8Array, source: NotificationSource) => void | Promise<void>;

export interface NotificationTransport {
  /** Transport name, the same string as `NotificationSource.transport`. */
  readonly name: string;
  /**
   * Starts listening and resolves once notifications can arrive (socket bound, topic subscribed). Calling it
   * again with the same handler while started is a no-op; with another handler it rejects
   * (`OMADM_NOTIFY_ALREADY_STARTED`). Rejects with a `NotificationTransportError` when it cannot listen.
   */
  start(onNotification: NotificationHandler): Promise<void>;
  /** Stops listening and releases every socket and timer. Idempotent; the transport can be started again. */
  stop(): Promise<void>;
}

/** The logging a transport needs; pino's `logger.warn(obj, msg)` fits, so does a small test recorder. */
export interface NotificationLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

/** Default logger: one line on stderr, so a dropped notification is never silent. */
export const stderrNotificationLogger: NotificationLogger = {
  warn(details, message) {
    console.warn(`[omadm notification] ${message}`, details);
  },
};

/**
 * Default upper bound for one Package#0. The worked example (docs/protocol.md §2.6) is 51 bytes; under Profile A
 * (§2.3) 31 options of at most 270 value bytes fit in 8,434 bytes. Anything larger is not a notification we
 * could decode, so it is dropped before it reaches the codec.
 */
export const DEFAULT_MAX_NOTIFICATION_BYTES = 8192;
