// Public exports of @omadm/client: a hand-written list; internals stay internal.
export * from "./tree/index.js";
export * from "./access/index.js";
export * from "./state/index.js";
export * from "./notification/index.js";
export type { CommandContext, CommandOutcome, CommandExecutor, OutboxAlert, AlertOutbox } from "./session/contracts.js";
export * from "./session/session-types.js";
export {
  runSession,
  DEFAULT_RESPONSE_TIMEOUT_MS,
  type SessionDeps,
  type SessionOptions,
  type SessionLogger,
  type SessionClock,
} from "./session/session-runner.js";
export {
  createAlertOutbox,
  type MemoryAlertOutbox,
  type OutboxSnapshot,
  type AlertOutboxDeps,
} from "./session/alert-outbox.js";
export * from "./http/http-client.js";
export * from "./http/undici-http-client.js";
export * from "./http/http-auth.js";
export * from "./commands/index.js";
export * from "./exec/index.js";
export * from "./subscriptions/index.js";
// The DmClient facade (issue 3) and the device config it is built from: what `omadm client` and the
// end-to-end tests (packages/cli) drive.
export {
  createDmClient,
  type BoundNotificationTransport,
  type DmClient,
  type DmClientDeps,
  type DmClientLogger,
  type DmClientOptions,
  type DmClientStartOptions,
} from "./dm-client/dm-client.js";
export { DmClientError, DmClientErrorCode } from "./dm-client/dm-client-error.js";
export type {
  DmClientEventName,
  DmClientEvents,
  DmClientListener,
  NotificationAcceptedEvent,
  NotificationDeferredEvent,
  SessionStartEvent,
} from "./dm-client/events.js";
export {
  parseDeviceConfig,
  DeviceConfigError,
  DeviceConfigErrorCode,
  ExecKind,
  type DeviceConfig,
  type ParseDeviceConfigOptions,
  type ExecBehaviour,
  type AccountConfig,
  type MoConfig,
  type TlsMaterialConfig,
  type UdpListenerConfig,
  type MqttListenerConfig,
} from "./config/device-config.js";
export { loadDeviceConfig } from "./config/load-device-config.js";
export { nodeProcessRunner, type ProcessRunner } from "./dm-client/exec-behaviours.js";
export { DeviceConfigSchema, type DeviceConfigJson } from "./config/device-config-schema.js";
