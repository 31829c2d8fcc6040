// The shape of the server's configuration: the `ServerConfig` type every component reads, its option
// enumerations, the key paths derived from it and what a key declaration holds. The keys themselves are declared
// in config-keys-*.ts and gathered, in document order, by config-keys.ts.
import type { AuthMode } from "./auth/types.js";
import type { ValueType } from "./config-values.js";
import type { TlsConfig } from "./tls/tls-config.js";
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
  readonly store: {
    readonly kind: StoreChoice;
    readonly postgresUrl: string | null;
    readonly postgresPreparedStatements: boolean;
    readonly postgresMaxConnections: number;
  };
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
export type ValueAt<P extends string> = P extends `${infer S}.${infer L}`
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

/** Declarations of keys `P`, each with a default of its key's type. */
export type KeyTable<P extends ConfigPath> = { readonly [K in P]: ConfigKey<ValueAt<K>> };
