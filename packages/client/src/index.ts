// @omadm/client — the public export list, by name: what a device maker embedding the DM Client needs (the
// DmClient facade, its device config, transports, HTTP client, state store, events and errors) and the types
// those mention. Everything not listed here is internal; test/public-api/client.txt holds the reviewed list.

// The DmClient facade
export { createDeviceMoRegistry } from "./dm-client/dm-client-compose.js";
export { createDmClient } from "./dm-client/dm-client.js";
export type {
  BoundNotificationTransport,
  DmClient,
  DmClientDeps,
  DmClientLogger,
  DmClientOptions,
  DmClientStartOptions,
} from "./dm-client/dm-client-types.js";
export type {
  DmClientEventName,
  DmClientEvents,
  DmClientListener,
  NotificationAcceptedEvent,
  NotificationDeferredEvent,
  SessionStartEvent,
} from "./dm-client/events.js";
export { DmClientError, DmClientErrorCode } from "./dm-client/dm-client-error.js";
export { nodeProcessRunner, type ProcessRunner } from "./dm-client/exec-behaviours.js";

// The device config file
export {
  type AccountConfig,
  type DeviceConfig,
  DeviceConfigError,
  DeviceConfigErrorCode,
  type ExecBehaviour,
  ExecKind,
  type MoConfig,
  type MqttListenerConfig,
  parseDeviceConfig,
  type ParseDeviceConfigOptions,
  type TlsMaterialConfig,
  type UdpListenerConfig,
} from "./config/device-config.js";
export { loadDeviceConfig } from "./config/load-device-config.js";
export { type DeviceConfigJson, DeviceConfigSchema } from "./config/device-config-schema.js";

// Package#0 transports and what the client decides about a notification
export type {
  NotificationHandler,
  NotificationLogger,
  NotificationSource,
  NotificationTransport,
} from "./notification/transports/notification-transport.js";
export { DEFAULT_MAX_NOTIFICATION_BYTES } from "./notification/transports/notification-transport.js";
export {
  type BoundAddress,
  createUdpNotificationTransport,
  type UdpNotificationTransport,
  type UdpNotificationTransportOptions,
} from "./notification/transports/udp-notification-transport.js";
export {
  createMqttNotificationTransport,
  type MqttNotificationTransportOptions,
} from "./notification/transports/mqtt-notification-transport.js";
export {
  createMqttNotificationHub,
  type MqttNotificationHub,
  type MqttNotificationHubOptions,
} from "./notification/transports/mqtt-notification-hub.js";
export {
  NotificationTransportError,
  NotificationTransportErrorCode,
} from "./notification/transports/transport-error.js";
export {
  type BearerAvailability,
  mutableBearerAvailability,
  type MutableBearerAvailability,
  staticBearerAvailability,
} from "./notification/bearer.js";
export {
  type AcceptedNotification,
  type IntakeDecision,
  IntakeKind,
  type RejectedNotification,
  RejectReason,
} from "./notification/intake.js";

// HTTP to DM Servers and Data Repositories
export {
  type HttpClient,
  HttpErrorCode,
  type HttpRequest,
  type HttpResponse,
  HttpTransportError,
} from "./http/http-client.js";
export {
  createUndiciHttpClient,
  type PskCredentials,
  type TlsMaterial,
  type UndiciHttpClient,
  type UndiciHttpClientOptions,
} from "./http/undici-http-client.js";
export { type AccountHttpClientOptions, createAccountHttpClient, SecMode } from "./http/account-http-client.js";
export { AuthErrorCode, HttpAuthError } from "./http/http-auth.js";

// Saved state
export { createMemoryStateStore, type StateStore } from "./state/state-store.js";
export { createFileStateStore, type FileStateStoreOptions } from "./state/file-state-store.js";
export { nodeStateFs, type StateFileHandle, type StateFs } from "./state/state-fs.js";
export {
  acquireStateLock,
  CONTROL_SOCKET,
  LOCK_FILE,
  type LockHolder,
  lockHolder,
  prepareStateDir,
  STATE_FILE,
  type StateDirLayout,
  stateDirLayout,
  type StateLock,
} from "./state/state-dir.js";
export {
  type ControlAnswer,
  type ControlHandler,
  type ControlServer,
  controlRequest,
  isNoDaemon,
  listenControlSocket,
  MAX_REQUEST_BYTES,
} from "./state/control-socket.js";
export type {
  ClientStateDocument,
  ClientStateRecords,
  DefaultUriRecord,
  NotificationIdRecord,
  PendingAlertRecord,
  PendingReportRecord,
  SubscriptionRecord,
} from "./state/client-state.js";
export type { AccessGrant, AccessSnapshot } from "./access/access-control.js";
export { Right } from "./access/rights.js";

// Sessions and commands: outcomes, EXEC handlers, the Web Browser Component, MO formats, timers
export {
  AbortCode,
  type AbortReason,
  type CommandRecord,
  OutcomeKind,
  type SessionOutcome,
  type SessionTrigger,
  TriggerKind,
} from "./session/session-types.js";
export type { OutboxAlert } from "./session/contracts.js";
export type { ExecCompletion, ExecHandler, ExecRequest, ExecResult } from "./commands/exec-registry.js";
export type { ConfigurationOutcome } from "./commands/default-command.js";
export {
  type BrowserLauncher,
  createSpawnBrowserLauncher,
  type SpawnBrowserLauncherOptions,
  type SpawnFunction,
} from "./commands/browser-launcher.js";
export { jsonMoCodec, type MoCodec } from "./commands/mo-codec.js";
export { systemTimers, type Timers } from "./commands/command-env.js";

// The DM Tree as the facade shows it (`client.tree`)
export type { AddInstanceOptions, DmTree, ReadOptions, WriteOutcome } from "./tree/dm-tree.js";
export type { DmNode, NodeLocation } from "./tree/dm-node.js";
export type { Actor } from "./tree/actor.js";
export { type ChangeEvent, ChangeKind, type ChangeListener } from "./tree/change-events.js";
export type { LeafValue, MoDataObject, MoDataValue } from "./tree/leaf-value.js";
export type { NodeFilter } from "./tree/subtree-encoder.js";
export type { InstanceSnapshot, TreeSnapshot } from "./tree/tree-snapshot.js";
export type { MoRegistry, RegisterOptions } from "./tree/mo-registry.js";
export type { DevInfoConfig } from "./tree/devinfo.js";
export type {
  BootstrapCredentials,
  DmAccount,
  DmAccountInput,
  HttpAuthCredentials,
  NotiCredentials,
  TrspCredentials,
} from "./tree/dmacc.js";
export { readShippedDdf } from "./tree/shipped-ddf.js";
export type { DdfLoader } from "./tree/standard-ddf.js";

// FUMO: firmware updates (docs/firmware.md)
export { type FumoHandle, type FumoOptions, type FumoPackage, registerFumo } from "./fumo/fumo-handler.js";
export { downloadPackage, type PackageDownload, type PackageDownloadOptions } from "./fumo/fumo-download.js";
