// @omadm/server — the public export list, by name: what an operator composing a server needs (the composition
// root, its configuration, the stores, the notification senders, device authentication, TLS material, API
// tokens) and the types those mention. Everything not listed here is internal; test/public-api/server.txt holds
// the reviewed list.

// The server
export { createOmadmServer, type OmadmServer, type ServerDeps } from "./app.js";
export { freePort, type ServerUrls } from "./app-support.js";
export type { EventBus, EventListener } from "./events/event-bus.js";
export {
  ServerEventKind,
  type EventLog,
  type NewServerEvent,
  type ServerEvent,
  type ServerEventQuery,
} from "./events/event-types.js";
export type { Readiness } from "./metrics/health-plugin.js";
export type { ServerMetrics } from "./metrics/server-metrics.js";
export type { SweepReport } from "./dm/sweeper.js";
export type { RetentionReport } from "./retention/retention.js";
export { RetainedKind, type RetentionStore } from "./store/types-retention.js";
export type { LeaseStore } from "./store/types-lease.js";
export {
  type ConfigResult,
  DEFAULT_SERVER_CONFIG,
  loadServerConfig,
  type LoadServerConfigInput,
  type ServerConfigInput,
} from "./config.js";
export { LogFormat, LogLevel, type ServerConfig, StoreChoice } from "./config-types.js";
export type { ConfigProblem, ConfigSource } from "./config-problem.js";
export { type TlsConfig, TlsMinVersion } from "./tls/tls-config.js";
export type { Timers } from "./notifier/wake-on-queue.js";

// Errors: the server's catalogue of stable codes
export {
  hasServerErrorCode,
  isServerError,
  ServerError,
  ServerErrorCode,
  ServerErrorHttpStatus,
  type ServerErrorInit,
} from "./errors.js";

// Stores
export { createMemoryStore, type MemoryStoreOptions } from "./store/memory-store.js";
export { MemoryStoreData } from "./store/memory-context.js";
export { openSqliteStore, SQLITE_FILE_NAME, type SqliteStoreOptions, SqliteSynchronous } from "./store/sqlite.js";
export { openPostgresStore, type PostgresStoreOptions } from "./store/postgres.js";
export {
  type AlertStore,
  type ApiTokenStore,
  type CommandStore,
  type DeviceStore,
  type GroupStore,
  type NotificationStore,
  type RepositoryStore,
  type SessionStore,
  type Store,
  StoreKind,
  type StoreParts,
  type UiSessionStore,
} from "./store/store.js";
export {
  type AcceptedSelector,
  type AsyncCompletion,
  type AsyncCorrelation,
  type Clock,
  type Command,
  CommandOutcome,
  type CommandQuery,
  type CommandResult,
  type CommandResultInput,
  CommandState,
  type CredentialKey,
  type Device,
  type DevicePatch,
  type DeviceQuery,
  DeviceState,
  DeliveryPolicy,
  type EnqueueResult,
  HttpAuthType,
  type HttpCredentials,
  type JsonValue,
  type MosInventoryEntry,
  type NewCommand,
  type NewDevice,
  type NotificationAddress,
  type NotificationCredentials,
  type Page,
  type PageQuery,
  type PskCredentials,
  SortOrder,
  type StoreDeps,
  type TakeBatchInput,
} from "./store/types.js";
export {
  type DeviceGroup,
  type DeviceGroupPatch,
  type DeviceListQuery,
  type DeviceSelection,
  GroupKind,
  type MembershipChange,
  type NewDeviceGroup,
} from "./store/types-selection.js";

// Device selection (docs/filters.md)
export {
  type DeviceFilter,
  type DevInfoField,
  formatFilter,
  type TimeBound,
  type TimeOp,
} from "./selection/filter-ast.js";
export { type FilterSyntaxError, parseFilter } from "./selection/filter-parser.js";
export { matchesFilter } from "./selection/filter-eval.js";
export {
  type AlertQuery,
  type CloseOptions,
  type CloseReason,
  type CloseSessionResult,
  type NewAlert,
  type NewNotificationRecord,
  type NewSession,
  NotificationOutcome,
  type NotificationQuery,
  type NotificationRecord,
  type OpenSessionResult,
  type Session,
  type SessionPatch,
  type SessionQuery,
  SessionStatus,
  type StoredAlert,
} from "./store/types-session.js";
export {
  type ApiToken,
  type NewApiToken,
  type NewRepositoryItem,
  type NewUiSession,
  type NewUpload,
  type RepositoryItem,
  type RepositoryItemInfo,
  type RepositoryPutOptions,
  type RepositoryQuery,
  type UiSession,
  type UiSessionQuery,
  UiSessionState,
  type Upload,
  type UploadInfo,
  type UploadQuery,
} from "./store/types-content.js";

// Package#0 senders (docs/protocol.md §2, §12)
export {
  type NotificationSender,
  type NotificationTarget,
  NotificationTransportKind,
  type NotifierLogger,
} from "./notifier/transports/notification-sender.js";
export {
  createUdpNotificationSender,
  type UdpNotificationSenderOptions,
} from "./notifier/transports/udp-notification-sender.js";
export {
  createMqttNotificationSender,
  type MqttNotificationSenderOptions,
} from "./notifier/transports/mqtt-notification-sender.js";

// Device authentication and TLS (docs/protocol.md §11.2)
export {
  createDeviceAuthenticator,
  type DeviceAuthenticator,
  type DeviceAuthenticatorInit,
  type DeviceAuthenticatorOptions,
} from "./auth/device-authenticator.js";
export { AuthMode, type AuthRequest, type AuthResult, type RandomBytes } from "./auth/types.js";
export { DigestAlgorithm } from "./auth/http-digest.js";
export type { PskKeyCache, PskKeyEntry } from "./tls/psk-keys.js";
export { loadTlsMaterial, type TlsMaterial } from "./tls/tls-material.js";
export { certificateFingerprint } from "./tls/client-certificate.js";

// What an operator may queue (the twelve commands minus the server-managed CONT and END)
export { OPERATOR_COMMANDS } from "./services/command-input.js";

// Operator API tokens
export { type ApiTokenDeps, createApiToken, type CreatedApiToken } from "./services/api-tokens.js";
