// Every key of the server configuration, declared once: its path, value type, default, meaning and whether it
// is a secret. The loader (config.ts) parses files, environment variables and overrides with it; each key's
// environment variable is derived from its path by one rule (`envName`); docs/server-config.md and
// docs/schema/server-config.schema.json are generated from it (`npm run docs`). The table's type makes the
// compiler refuse a key of ServerConfig without an entry, an entry without a key, or a default of the wrong type.
import { AuthMode } from "./auth/types.js";
import {
  anyUrl,
  bool,
  filePath,
  httpUrl,
  int,
  ipList,
  listOf,
  nullable,
  oneOf,
  secretText,
  text,
  type ValueType,
} from "./config-values.js";
import { TlsMinVersion, type TlsConfig } from "./tls/tls-config.js";

export const LogLevel = {
  Fatal: "fatal",
  Error: "error",
  Warn: "warn",
  Info: "info",
  Debug: "debug",
  Trace: "trace",
  Silent: "silent",
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** `auto`: readable lines when standard output is a terminal, JSON lines otherwise. */
export const LogFormat = { Auto: "auto", Json: "json", Pretty: "pretty" } as const;
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

export const StoreChoice = { Sqlite: "sqlite", Memory: "memory", Postgres: "postgres" } as const;
export type StoreChoice = (typeof StoreChoice)[keyof typeof StoreChoice];

/** The server's configuration. What each key means is in SERVER_CONFIG_KEYS (and docs/server-config.md). */
export interface ServerConfig {
  readonly listen: { readonly host: string; readonly port: number };
  /** null: derived from the bound address at start (port 0, or a wildcard host). */
  readonly publicBaseUrl: string | null;
  readonly dataDir: string;
  readonly serverId: string;
  /** null: derived at start from the host name, the process id and a random part. */
  readonly nodeId: string | null;
  readonly store: { readonly kind: StoreChoice; readonly postgresUrl: string | null };
  readonly dm: {
    readonly batchSize: number;
    readonly idleTimeoutMs: number;
    readonly bodyLimitBytes: number;
    readonly autoRegister: boolean;
    readonly maxDeliveries: number;
    readonly maxOpenSessions: number;
    readonly maxAlertsPerPackage: number;
  };
  readonly http: {
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly maxConnections: number;
    readonly maxEventLoopDelayMs: number;
    readonly retryAfterSeconds: number;
  };
  readonly deviceAuth: {
    readonly modes: readonly AuthMode[];
    readonly realm: string;
    readonly nonceKey: string | null;
    readonly nonceKeyFile: string | null;
  };
  readonly tls: TlsConfig;
  readonly allowHttp: boolean;
  readonly sweepIntervalMs: number;
  readonly retention: {
    readonly enabled: boolean;
    readonly intervalMs: number;
    readonly batchSize: number;
    readonly sessionsMaxAgeMs: number;
    readonly commandsMaxAgeMs: number;
    readonly alertsMaxAgeMs: number;
    readonly notificationsMaxAgeMs: number;
    readonly uploadsMaxAgeMs: number;
    readonly uiSessionsMaxAgeMs: number;
    readonly auditMaxAgeMs: number;
  };
  readonly repository: { readonly deviceQuotaBytes: number; readonly deviceQuotaItems: number };
  readonly components: {
    readonly repository: boolean;
    readonly ui: boolean;
    readonly api: boolean;
    readonly notifier: boolean;
  };
  readonly notifier: {
    readonly udp: boolean;
    readonly mqttUrl: string | null;
    readonly wakeOnQueue: boolean;
    readonly wakeDebounceMs: number;
    readonly allowUnsigned: boolean;
  };
  readonly api: {
    readonly loopbackWithoutToken: boolean;
    readonly trustProxy: readonly string[];
    readonly docs: boolean;
    readonly importMaxBytes: number;
    readonly importMaxLines: number;
  };
  readonly bootstrap: {
    readonly enabled: boolean;
    readonly path: string;
    readonly serverId: string;
    readonly capabilityTtlMs: number;
  };
  readonly events: { readonly retain: number; readonly heartbeatMs: number; readonly pollMs: number };
  readonly firmware: { readonly maxImageBytes: number };
  readonly webhooks: {
    readonly dispatch: boolean;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly backoffBaseMs: number;
    readonly backoffMaxMs: number;
  };
  readonly campaigns: {
    readonly enabled: boolean;
    readonly tickMs: number;
    readonly leaseMs: number;
    readonly fleetMaxOpenSessions: number;
  };
  readonly metrics: { readonly enabled: boolean };
  readonly console: { readonly enabled: boolean; readonly sessionTtlMs: number; readonly idleTimeoutMs: number };
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

type IsSection<T> = T extends readonly unknown[] ? false : T extends object ? true : false;
/** `listen.host`, `publicBaseUrl`, …: every leaf of ServerConfig (sections are one level deep). */
export type ConfigPath = {
  [K in keyof ServerConfig]: IsSection<ServerConfig[K]> extends true
    ? `${K}.${Extract<keyof ServerConfig[K], string>}`
    : K;
}[keyof ServerConfig];
type ValueAt<P extends string> = P extends `${infer S}.${infer L}`
  ? S extends keyof ServerConfig
    ? L extends keyof ServerConfig[S]
      ? ServerConfig[S][L]
      : never
    : never
  : P extends keyof ServerConfig
    ? ServerConfig[P]
    : never;

export interface ConfigKey<T = unknown> {
  readonly type: ValueType;
  readonly default: T;
  /** Shown instead of `default` when the effective default is derived from other keys. */
  readonly defaultText?: string;
  /** What the key does (one or two sentences; rendered in docs/server-config.md and the JSON Schema). */
  readonly description: string;
  /** A secret: accepted from the environment and overrides only, never from the config file. */
  readonly secret?: true;
}

const DAY_MS = 86_400_000;
/** Ten years: the longest age a retention key takes. */
const MAX_AGE_MS = 3650 * DAY_MS;

/** Every key in document order. */
export const SERVER_CONFIG_KEYS: { readonly [P in ConfigPath]: ConfigKey<ValueAt<P>> } = {
  "listen.host": {
    type: text,
    default: "127.0.0.1",
    description: "Address the HTTP(S) server listens on; `0.0.0.0` or `::` listens on every interface.",
  },
  "listen.port": { type: int(0, 65535), default: 8080, description: "TCP port; 0 picks a free one at start." },
  publicBaseUrl: {
    type: nullable(httpUrl(true)),
    default: null,
    defaultText: "derived: `http(s)://<listen.host>:<listen.port>`",
    description:
      "The absolute URL devices and browsers reach this server at (a path prefix is allowed, no query). CONT, " +
      "Data Repository and SHOW URLs are built on it. Set it behind a reverse proxy and when listening on a " +
      "wildcard address.",
  },
  dataDir: {
    type: text,
    default: "./data",
    description: "Directory of the SQLite store (`omadm.sqlite` with its `-wal` and `-shm` files); created if missing.",
  },
  serverId: {
    type: text,
    default: "omadm",
    description: "SERVER-ID sent in Package#0: this server's `SrvID` in the devices' DM Accounts.",
  },
  nodeId: {
    type: nullable(text),
    default: null,
    defaultText: "derived: `<host name>-<process id>-<random>`",
    description:
      "This server node's name among the nodes sharing one store: the holder of the leases under which the " +
      'sweep and retention run once per fleet (docs/operations.md "Several nodes"). Unique per running process.',
  },
  "store.kind": {
    type: oneOf(Object.values(StoreChoice)),
    default: StoreChoice.Sqlite,
    description:
      "Where the state is kept: `sqlite` (one file in dataDir), `postgres` (shared by several server nodes) or " +
      "`memory` (lost at exit; for tests).",
  },
  "store.postgresUrl": {
    type: nullable(anyUrl),
    default: null,
    description:
      "PostgreSQL connection string for `store.kind: postgres`, e.g. `postgres://omadm@db.example.net/omadm`. " +
      "Keep a password out of it: the PostgreSQL client also reads `PGPASSWORD` and `~/.pgpass`.",
  },
  "dm.batchSize": { type: int(1, 1000), default: 20, description: "Most queued commands sent in one Package#2." },
  "dm.idleTimeoutMs": {
    type: int(1000, 86_400_000),
    default: 600_000,
    description:
      "How long a DM session waits for the device's next Package#3; then it is closed as expired and its " +
      "in-flight commands are queued again.",
  },
  "dm.bodyLimitBytes": {
    type: int(1024, 1 << 30),
    default: 1_048_576,
    description: "Largest Package#1 or Package#3 body accepted (413 above).",
  },
  "dm.autoRegister": {
    type: bool,
    default: true,
    description:
      "Register an unknown device at its first Package#1. `false`: only devices added beforehand " +
      "(`omadm devices add`) are admitted.",
  },
  "dm.maxDeliveries": {
    type: int(1, 100),
    default: 3,
    description:
      "How many times in all an at-least-once command is sent when it gets no answer; then it ends `failed` " +
      "(docs/delivery.md). Applies to commands queued after a change.",
  },
  "dm.maxOpenSessions": {
    type: int(1, 10_000_000),
    default: 1000,
    description:
      "Most DM sessions open at once on this node. Over it a new Package#1 gets 503 with Retry-After; the " +
      "Package#3s of open sessions are still served.",
  },
  "dm.maxAlertsPerPackage": {
    type: int(1, 100_000),
    default: 1000,
    description: "Most Generic Alerts in one Package#1 or Package#3 (413 naming the limit above).",
  },
  "http.requestTimeoutMs": {
    type: int(1000, 3_600_000),
    default: 20_000,
    description:
      "The whole request, headers and body, must arrive within this; a slower (trickling) request is cut " +
      "with 408 and its connection closed.",
  },
  "http.headersTimeoutMs": {
    type: int(1000, 3_600_000),
    default: 10_000,
    description: "The request headers must arrive within this (at most http.requestTimeoutMs).",
  },
  "http.keepAliveTimeoutMs": {
    type: int(100, 3_600_000),
    default: 5_000,
    description: "An idle kept-alive connection is closed after this.",
  },
  "http.idleTimeoutMs": {
    type: int(1000, 3_600_000),
    default: 60_000,
    description: "A connection with no traffic in either direction is closed after this.",
  },
  "http.maxConnections": {
    type: int(1, 10_000_000),
    default: 4096,
    description: "Most simultaneous HTTP connections; further connections are closed at accept.",
  },
  "http.maxEventLoopDelayMs": {
    type: int(0, 60_000),
    default: 1000,
    description:
      "Shed load while the mean event-loop delay exceeds this: requests other than a Package#3 of an open " +
      "session get 503 with Retry-After. 0: never.",
  },
  "http.retryAfterSeconds": {
    type: int(1, 3600),
    default: 5,
    description: "Base of the Retry-After of a 503; each answer adds up to as much again of random jitter.",
  },
  "deviceAuth.modes": {
    type: listOf(Object.values(AuthMode), AuthMode.None, "modes"),
    default: [AuthMode.None],
    description:
      "How devices authenticate: `none` (the `OMADM-DevID` header only) or any of `basic`, `digest`, `mtls`, " +
      "`psk` (`mtls` and `psk` need `tls.enabled`). In the environment: comma-separated.",
  },
  "deviceAuth.realm": { type: text, default: "omadm", description: "Realm of the Basic and Digest challenges." },
  "deviceAuth.nonceKey": {
    type: nullable(secretText),
    default: null,
    secret: true,
    description:
      "HMAC key of the Digest nonces (at least 16 bytes), the same on every node. Only from the environment; " +
      "or use `deviceAuth.nonceKeyFile`. Neither: a random key per process.",
  },
  "deviceAuth.nonceKeyFile": {
    type: nullable(filePath),
    default: null,
    description:
      "File holding the Digest nonce key (at least 16 bytes; surrounding whitespace is ignored), the same on " +
      "every node.",
  },
  "tls.enabled": {
    type: bool,
    default: false,
    description: "Serve every component over HTTPS (the derived publicBaseUrl becomes `https://…`).",
  },
  "tls.certFile": {
    type: nullable(filePath),
    default: null,
    description: "The server's certificate chain (PEM); with `tls.keyFile`.",
  },
  "tls.keyFile": { type: nullable(filePath), default: null, description: "The private key of `tls.certFile` (PEM)." },
  "tls.caFile": {
    type: nullable(filePath),
    default: null,
    description: "CA certificates (PEM) device certificates must chain to (`mtls`); unset: Node's default CA bundle.",
  },
  "tls.requestClientCert": {
    type: bool,
    default: false,
    defaultText: "`true` when deviceAuth.modes has `mtls`, else `false`",
    description: "Ask devices for an X.509 client certificate during the handshake.",
  },
  "tls.psk": {
    type: bool,
    default: false,
    defaultText: "`true` when deviceAuth.modes has `psk`, else `false`",
    description: "Accept PSK-TLS (TLS 1.2) with the devices' PSK credentials.",
  },
  "tls.pskIdentityHint": {
    type: nullable(text),
    default: null,
    description: "PSK identity hint sent in the handshake.",
  },
  "tls.minVersion": {
    type: oneOf(Object.values(TlsMinVersion)),
    default: TlsMinVersion.Tls12,
    description: "Lowest TLS version accepted; `TLSv1.1` only for strict DM 2.0 conformance tests.",
  },
  allowHttp: {
    type: bool,
    default: true,
    defaultText: "`true` when listen.host is a loopback address, else `false`",
    description: "Accept plain `http` ServerURIs in queued commands.",
  },
  sweepIntervalMs: {
    type: int(100, 3_600_000),
    default: 30_000,
    description: "How often idle DM sessions, expired commands and expired UI sessions are swept.",
  },
  "retention.enabled": {
    type: bool,
    default: true,
    description: 'Prune old finished records and reclaim their space (docs/operations.md "Retention").',
  },
  "retention.intervalMs": {
    type: int(1000, 86_400_000),
    default: 300_000,
    description: "How often retention runs.",
  },
  "retention.batchSize": {
    type: int(10, 10_000),
    default: 500,
    description:
      "Most records deleted in one transaction; retention halves it while a batch takes more than 10 ms, so " +
      "it never holds the server for long.",
  },
  "retention.sessionsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 30 * DAY_MS,
    description: "Closed DM sessions are deleted this long after they ended (30 days); 0 keeps them.",
  },
  "retention.commandsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 30 * DAY_MS,
    description:
      "Finished commands (done, failed, expired, cancelled, unknown) are deleted this long after they finished " +
      "(30 days); 0 keeps them. Queued, sent and accepted commands are never pruned.",
  },
  "retention.alertsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 30 * DAY_MS,
    description: "Generic Alerts are deleted this long after they arrived (30 days); 0 keeps them.",
  },
  "retention.notificationsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 7 * DAY_MS,
    description: "Records of sent Package#0 notifications are deleted this long after sending (7 days); 0 keeps them.",
  },
  "retention.uploadsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 30 * DAY_MS,
    description: "Data Repository uploads are deleted this long after they arrived (30 days); 0 keeps them.",
  },
  "retention.uiSessionsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 7 * DAY_MS,
    description:
      "Completed or expired SHOW (UI) sessions are deleted this long after they were created (7 days); 0 keeps " +
      "them.",
  },
  "retention.auditMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 365 * DAY_MS,
    description: "Audit records of operator writes are deleted this long after the write (365 days); 0 keeps them.",
  },
  "repository.deviceQuotaBytes": {
    type: int(0, Number.MAX_SAFE_INTEGER),
    default: 64 * 1024 * 1024,
    description:
      "Most bytes one device's repository space holds (its items and uploads together, 64 MiB); an upload past " +
      "it gets 507 and is not stored. 0: no limit.",
  },
  "repository.deviceQuotaItems": {
    type: int(0, Number.MAX_SAFE_INTEGER),
    default: 10_000,
    description:
      "Most records one device's repository space holds (its items and uploads together); an upload past it " +
      "gets 507 and is not stored. 0: no limit.",
  },
  "components.repository": { type: bool, default: true, description: "Serve the Data Repository under `/repo`." },
  "components.ui": {
    type: bool,
    default: true,
    description: "Serve the Web Server Component (SHOW pages) under `/ui`.",
  },
  "components.api": {
    type: bool,
    default: true,
    description: "Serve the REST API under `/api/v1` (the `omadm` admin commands need it).",
  },
  "components.notifier": { type: bool, default: true, description: "Send Package#0 notifications (wake)." },
  "notifier.udp": { type: bool, default: true, description: "Send Package#0 over UDP to devices with a UDP address." },
  "notifier.mqttUrl": {
    type: nullable(anyUrl),
    default: null,
    description: "MQTT broker Package#0 is published through, e.g. `mqtt://127.0.0.1:1883`; unset: no MQTT.",
  },
  "notifier.wakeOnQueue": {
    type: bool,
    default: false,
    description: "Notify a device whenever a command is queued for it.",
  },
  "notifier.wakeDebounceMs": {
    type: int(0, 3_600_000),
    default: 1000,
    description: "With wakeOnQueue: at most one notification per device in this window.",
  },
  "notifier.allowUnsigned": {
    type: bool,
    default: false,
    description:
      "Send unsigned notifications to devices without notification credentials (their clients must accept " +
      "unauthenticated notifications).",
  },
  "api.loopbackWithoutToken": {
    type: bool,
    default: true,
    description:
      "Requests from a loopback peer need no API token. Turn it off when a reverse proxy, tunnel or port " +
      "mapping forwards remote requests over loopback. Never applies to a request carrying `Forwarded`, " +
      "`X-Forwarded-For` or `X-Real-IP`, unless it comes from an address in api.trustProxy.",
  },
  "api.trustProxy": {
    type: ipList,
    default: [],
    description:
      "Addresses of the reverse proxies whose forwarding headers are believed: a request from one of them is " +
      "from the client its `X-Forwarded-For`/`X-Real-IP`/`Forwarded` names (loopback clients need no token). " +
      "In the environment: comma-separated.",
  },
  "api.docs": {
    type: bool,
    default: true,
    description: "Serve the OpenAPI document (`/api/openapi.json`) and its browsable documentation (`/api/docs`).",
  },
  "firmware.maxImageBytes": {
    type: int(1, Number.MAX_SAFE_INTEGER),
    default: 2 * 1024 * 1024 * 1024,
    description:
      "Largest firmware image one upload (`POST /api/v1/firmware`) may hold, bytes. The image is streamed to a file " +
      "under `<dataDir>/firmware/`; past this size the upload stops with 413 and nothing is kept (docs/firmware.md).",
  },
  "bootstrap.enabled": {
    type: bool,
    default: false,
    description:
      "Serve the bootstrap role (docs/bootstrap.md): devices with bootstrap credentials only get their DM " +
      "Accounts here. Needs `tls.enabled` with `tls.psk` (SecMode PSK) or `tls.requestClientCert` (SecMode X.509).",
  },
  "bootstrap.path": {
    type: text,
    default: "/bootstrap",
    description:
      "The bootstrap endpoint's path: the devices' `Auth/Bootstrap/ServerURI` is the public base URL plus it.",
  },
  "bootstrap.serverId": {
    type: text,
    default: "omadm-bootstrap",
    description:
      "The bootstrap server's SrvID on the devices (SERVER-ID of a server-initiated bootstrap's Package#0); must " +
      "differ from `serverId`.",
  },
  "bootstrap.capabilityTtlMs": {
    type: int(10_000, 86_400_000),
    default: 300_000,
    description:
      "How long a bootstrap session and its single-use capability URLs (the DM Account data with the device's " +
      "new secrets) stay valid.",
  },
  "api.importMaxBytes": {
    type: int(1, Number.MAX_SAFE_INTEGER),
    default: 512 * 1024 * 1024,
    description:
      "Largest body of one device import (`POST /api/v1/devices/import`), bytes. Past it the import stops with " +
      "413 and the report of the lines imported so far.",
  },
  "api.importMaxLines": {
    type: int(1, Number.MAX_SAFE_INTEGER),
    default: 1_000_000,
    description: "Most device lines (NDJSON) or records (CSV) of one device import; past it, 413 as above.",
  },
  "events.retain": {
    type: int(1, 100_000_000),
    default: 100_000,
    description:
      "Newest server events kept in the event log (`GET /api/v1/events` resumes from any of them); older ones " +
      "are deleted as new ones arrive.",
  },
  "events.heartbeatMs": {
    type: int(1000, 300_000),
    default: 15_000,
    description: "An event stream sends a comment line after this long without events, so proxies keep it open.",
  },
  "events.pollMs": {
    type: int(100, 60_000),
    default: 2000,
    description:
      "An event stream also reads the event log this often, for events other server nodes appended (this " +
      "node's own events are sent at once).",
  },
  "webhooks.dispatch": {
    type: bool,
    default: true,
    description:
      "Deliver webhook events from this node. Several nodes on PostgreSQL take turns through the store lease " +
      "`omadm:webhooks` (one delivers at a time); turn this off on nodes that should never deliver.",
  },
  "webhooks.timeoutMs": {
    type: int(100, 120_000),
    default: 10_000,
    description: "One webhook delivery attempt fails when the receiver has not answered within this long.",
  },
  "webhooks.maxAttempts": {
    type: int(1, 100),
    default: 8,
    description:
      "Attempts per event and webhook (the first included); after the last failure the event is dead-lettered.",
  },
  "webhooks.backoffBaseMs": {
    type: int(10, 3_600_000),
    default: 1000,
    description:
      "Wait before the second attempt; it doubles with each further attempt (up to `webhooks.backoffMaxMs`), " +
      "half of it random (jitter).",
  },
  "webhooks.backoffMaxMs": {
    type: int(10, 86_400_000),
    default: 300_000,
    description: "Longest wait between two attempts at one event.",
  },
  "campaigns.enabled": {
    type: bool,
    default: true,
    description:
      "Drive campaigns and bulk wakes on this node (docs/campaigns.md). Off: the API still creates and changes " +
      "them, and another node drives them.",
  },
  "campaigns.tickMs": {
    type: int(50, 60_000),
    default: 1000,
    description:
      "How often the campaign driver looks at each running campaign: follows its devices and starts new ones.",
  },
  "campaigns.leaseMs": {
    type: int(1000, 600_000),
    default: 15_000,
    description:
      "How long a node's hold on a campaign lasts without renewal (each pass renews it). When the node stops, " +
      "another takes the campaign over after this long.",
  },
  "campaigns.fleetMaxOpenSessions": {
    type: int(0, 100_000_000),
    default: 0,
    description:
      "Open DM sessions all the nodes sharing a PostgreSQL store can serve together. Above 0, the wake pacer " +
      "counts the fleet's open sessions (read from the store at most once a second) against it; 0: it counts " +
      "this node's sessions against `dm.maxOpenSessions`.",
  },
  "metrics.enabled": {
    type: bool,
    default: true,
    description:
      "Serve Prometheus metrics at `/metrics`, with the REST API's authentication (an API token, or a loopback " +
      "peer while `api.loopbackWithoutToken` is on).",
  },
  "console.enabled": {
    type: bool,
    default: true,
    description:
      "Serve the web console at `/` (docs/console.md). It signs in with an API token (or, from loopback while " +
      "`api.loopbackWithoutToken` is on, without one) and then uses the REST API with a session cookie.",
  },
  "console.sessionTtlMs": {
    type: int(60_000, 7 * 86_400_000),
    default: 8 * 3_600_000,
    description: "A console sign-in ends this long after it began, however active it is.",
  },
  "console.idleTimeoutMs": {
    type: int(60_000, 7 * 86_400_000),
    default: 30 * 60_000,
    description: "A console sign-in ends after this long without a request.",
  },
  logLevel: {
    type: oneOf(Object.values(LogLevel)),
    default: LogLevel.Info,
    description: "Log level of the server's log on standard output.",
  },
  logFormat: {
    type: oneOf(Object.values(LogFormat)),
    default: LogFormat.Auto,
    description:
      "`json`: one JSON object per line (for log collectors); `pretty`: readable lines with colours; `auto`: " +
      "pretty when standard output is a terminal, JSON otherwise.",
  },
};

/** The keys as a list, in document order. */
export const CONFIG_KEY_LIST: readonly (ConfigKey & { readonly path: ConfigPath })[] = Object.entries(
  SERVER_CONFIG_KEYS,
).map(([path, key]) => ({ ...(key as ConfigKey), path: path as ConfigPath }));

/**
 * The environment variable of a key: `OMADM_` and the key path in upper snake case (each `.` and each lower-to-
 * upper case step becomes `_`): `dm.batchSize` → `OMADM_DM_BATCH_SIZE`, `publicBaseUrl` → `OMADM_PUBLIC_BASE_URL`.
 */
export function envName(path: string): string {
  return `OMADM_${path
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/\./g, "_")
    .toUpperCase()}`;
}

/** The defaults of every key, as one ServerConfig. */
export function defaultServerConfig(): ServerConfig {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEY_LIST) {
    const [head = "", tail] = key.path.split(".");
    const value: unknown = structuredClone(key.default);
    if (tail === undefined) out[head] = value;
    else ((out[head] ??= {}) as Record<string, unknown>)[tail] = value;
  }
  return out as unknown as ServerConfig;
}
