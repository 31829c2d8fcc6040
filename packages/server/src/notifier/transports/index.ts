// Package#0 notification senders of the DM Server (docs/protocol.md §12). Re-exported by ../../index.ts.
export type { NotificationTarget, NotificationSender, NotifierLogger } from "./notification-sender.js";
export {
  createRoutingNotificationSender,
  NotificationTransportKind,
  stderrNotifierLogger,
} from "./notification-sender.js";
export type { UdpNotificationSenderOptions } from "./udp-notification-sender.js";
export { createUdpNotificationSender, MAX_UDP_PAYLOAD_BYTES } from "./udp-notification-sender.js";
export type { MqttNotificationSenderOptions } from "./mqtt-notification-sender.js";
export { createMqttNotificationSender } from "./mqtt-notification-sender.js";
