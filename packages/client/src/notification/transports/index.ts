// Package#0 notification transports of the DM Client (docs/protocol.md §12). Re-exported by ../../index.ts.
export type {
  NotificationHandler,
  NotificationLogger,
  NotificationSource,
  NotificationTransport,
} from "./notification-transport.js";
export { DEFAULT_MAX_NOTIFICATION_BYTES, stderrNotificationLogger } from "./notification-transport.js";
export { NotificationTransportError, NotificationTransportErrorCode } from "./transport-error.js";
export type {
  BoundAddress,
  UdpNotificationTransport,
  UdpNotificationTransportOptions,
} from "./udp-notification-transport.js";
export { createUdpNotificationTransport } from "./udp-notification-transport.js";
export type { MqttNotificationTransportOptions } from "./mqtt-notification-transport.js";
export { createMqttNotificationTransport } from "./mqtt-notification-transport.js";
