// The server's configuration: one typed object with sensible defaults, loaded from (lowest to highest
// precedence) the defaults, a JSON file, OMADM_* environment variables and explicit overrides (CLI flags).
// Every value is checked, and every problem names the key or variable it came from. Nothing here runs at
// import time; the only I/O is reading the config file, checking that the TLS files it names are readable and
// reading the Digest nonce key file.
import { accessSync, constants as fsConstants, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { resolveNonceKeyConfig } from "./auth/nonce-key-config.js";
import { AuthMode } from "./auth/types.js";
import type { ConfigProblem } from "./config-problem.js";
import { ServerError, ServerErrorCode } from "./errors.js";
import { resolveTlsConfig, TlsMinVersion, type TlsConfig } from "./tls/tls-config.js";
import { errorMessage } from "@omadm/protocol";

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

export const StoreChoice = { Sqlite: "sqlite", Memory: "memory", Postgres: "postgres" } as const;
export type StoreChoice = (typeof StoreChoice)[keyof typeof StoreChoice];

export interface ServerConfig {
  readonly listen: { readonly host: string; readonly port: number };
  /** Absolute URL devices reach this server at (CONT, repository and SHOW URLs are built on it). null: derived
   *  from the bound address at start (port 0, or a wildcard host). */
  readonly publicBaseUrl: string | null;
  /** Where the SQLite store (and anything else on disk) lives. */
  readonly dataDir: string;
  /** SERVER-ID sent in Package#0 (the devices' DMAcc ServerID). */
  readonly serverId: string;
  readonly store: { readonly kind: StoreChoice; readonly postgresUrl: string | null };
  readonly dm: {
    /** Most queued commands per Package#2. */
    readonly batchSize: number;
    /** docs/protocol.md §1.5 [PROPOSED]: 600 s. */
    readonly idleTimeoutMs: number;
    readonly bodyLimitBytes: number;
    /** Register unknown devices on their first Package#1; false admits only pre-provisioned devices. */
    readonly autoRegister: boolean;
  };
  readonly deviceAuth: {
    readonly modes: readonly AuthMode[];
    readonly realm: string;
    /** HMAC key of the Digest nonces, shared by every node (auth/nonce-key-config.ts). Only from
     *  OMADM_DEVICE_AUTH_NONCE_KEY or overrides, never from the config file (a secret). null: see nonceKeyFile. */
    readonly nonceKey: string | null;
    /** File holding that key (read at load and at composition). Neither set: a random key per process. */
    readonly nonceKeyFile: string | null;
  };
  readonly tls: TlsConfig;
  /** Accept plain-http ServerURIs in queued commands (default: true when listening on loopback). */
  readonly allowHttp: boolean;
  /** How often idle sessions, due commands and UI sessions are expired. */
  readonly sweepIntervalMs: number;
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
  readonly api: { readonly loopbackWithoutToken: boolean; readonly docs: boolean };
  readonly logLevel: LogLevel;
}

/** Deep partial, for files and overrides. */
export type ServerConfigInput = {
  readonly [K in keyof ServerConfig]?: ServerConfig[K] extends readonly unknown[] | string | number | boolean | null
    ? ServerConfig[K]
    : { readonly [L in keyof ServerConfig[K]]?: ServerConfig[K][L] };
};

/** 8080 is free on the development machine (checked with `ss -ltn`); loopback only unless configured. */
export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  listen: { host: "127.0.0.1", port: 8080 },
  publicBaseUrl: null,
  dataDir: "./data",
  serverId: "omadm",
  store: { kind: StoreChoice.Sqlite, postgresUrl: null },
  dm: { batchSize: 20, idleTimeoutMs: 600_000, bodyLimitBytes: 1_048_576, autoRegister: true },
  deviceAuth: { modes: [AuthMode.None], realm: "omadm", nonceKey: null, nonceKeyFile: null },
  tls: {
    enabled: false,
    certFile: null,
    keyFile: null,
    caFile: null,
    requestClientCert: false,
    psk: false,
    pskIdentityHint: null,
    minVersion: TlsMinVersion.Tls12,
  },
  allowHttp: true,
  sweepIntervalMs: 30_000,
  components: { repository: true, ui: true, api: true, notifier: true },
  notifier: { udp: true, mqttUrl: null, wakeOnQueue: false, wakeDebounceMs: 1000, allowUnsigned: false },
  api: { loopbackWithoutToken: true, docs: true },
  logLevel: LogLevel.Info,
};

export type ConfigResult =
  | { readonly ok: true; readonly value: ServerConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: ServerError; readonly problems: readonly ConfigProblem[] };

export interface LoadServerConfigInput {
  /** Path of a JSON config file. */
  readonly file?: string | undefined;
  /** Usually `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly overrides?: ServerConfigInput | undefined;
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };
type Parser = (raw: unknown, fromEnv: boolean) => Parsed;

interface Field {
  readonly path: string;
  readonly env: string;
  readonly parse: Parser;
  /** A secret: refused in the config file (environment or overrides only). */
  readonly secret?: true;
}

const good = (value: unknown): Parsed => ({ ok: true, value });
const bad = (message: string): Parsed => ({ ok: false, message });

function int(min: number, max: number): Parser {
  return (raw, fromEnv) => {
    const n = fromEnv && typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== "number" || !Number.isInteger(n)) return bad(`must be an integer, got ${show(raw)}`);
    return n < min || n > max ? bad(`must be between ${min} and ${max}, got ${n}`) : good(n);
  };
}

const bool: Parser = (raw, fromEnv) => {
  if (typeof raw === "boolean") return good(raw);
  if (fromEnv && typeof raw === "string") {
    const v = raw.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return good(true);
    if (["0", "false", "no", "off"].includes(v)) return good(false);
  }
  return bad(`must be true or false, got ${show(raw)}`);
};

const text: Parser = (raw) =>
  typeof raw === "string" && raw.trim() !== "" ? good(raw.trim()) : bad(`must be a non-empty string, got ${show(raw)}`);

function oneOf(values: readonly string[]): Parser {
  return (raw) =>
    typeof raw === "string" && values.includes(raw)
      ? good(raw)
      : bad(`must be one of ${values.join(", ")}, got ${show(raw)}`);
}

function nullable(inner: Parser): Parser {
  return (raw, fromEnv) => (raw === null || (fromEnv && raw === "") ? good(null) : inner(raw, fromEnv));
}

function httpUrl(allowPath: boolean): Parser {
  return (raw) => {
    if (typeof raw !== "string") return bad(`must be a URL string, got ${show(raw)}`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return bad(`is not an absolute URL: ${show(raw)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return bad(`must be http or https, got ${url.protocol}`);
    if (url.search !== "" || url.hash !== "") return bad("must not carry a query or fragment");
    if (!allowPath && url.pathname !== "/") return bad("must not carry a path");
    return good(raw.replace(/\/+$/, ""));
  };
}

/** A file path, resolved against the working directory (readability is checked once TLS is known to be on). */
const filePath: Parser = (raw) => {
  const t = text(raw, false);
  return t.ok ? good(resolve(t.value as string)) : t;
};

/** A secret string: kept as given (not trimmed) and never echoed in a message. */
const secretText: Parser = (raw) =>
  typeof raw === "string" && raw.trim() !== "" ? good(raw) : bad("must be a non-empty string");

const anyUrl: Parser = (raw) => {
  if (typeof raw !== "string") return bad(`must be a URL string, got ${show(raw)}`);
  try {
    new URL(raw);
    return good(raw);
  } catch {
    return bad(`is not an absolute URL: ${show(raw)}`);
  }
};

const authModes: Parser = (raw, fromEnv) => {
  const list = fromEnv && typeof raw === "string" ? raw.split(",").map((s) => s.trim()) : raw;
  const known: readonly string[] = Object.values(AuthMode);
  if (!Array.isArray(list) || list.length === 0) return bad(`must be a non-empty list of ${known.join(", ")}`);
  for (const m of list)
    if (typeof m !== "string" || !known.includes(m)) return bad(`${show(m)} is not one of ${known.join(", ")}`);
  if (list.length > 1 && list.includes(AuthMode.None)) return bad(`"none" cannot be combined with other modes`);
  return good([...new Set(list as string[])]);
};

const FIELDS: readonly Field[] = [
  { path: "listen.host", env: "OMADM_HOST", parse: text },
  { path: "listen.port", env: "OMADM_PORT", parse: int(0, 65535) },
  { path: "publicBaseUrl", env: "OMADM_PUBLIC_BASE_URL", parse: nullable(httpUrl(true)) },
  { path: "dataDir", env: "OMADM_DATA_DIR", parse: text },
  { path: "serverId", env: "OMADM_SERVER_ID", parse: text },
  { path: "store.kind", env: "OMADM_STORE", parse: oneOf(Object.values(StoreChoice)) },
  { path: "store.postgresUrl", env: "OMADM_POSTGRES_URL", parse: nullable(anyUrl) },
  { path: "dm.batchSize", env: "OMADM_DM_BATCH_SIZE", parse: int(1, 1000) },
  { path: "dm.idleTimeoutMs", env: "OMADM_DM_IDLE_TIMEOUT_MS", parse: int(1000, 86_400_000) },
  { path: "dm.bodyLimitBytes", env: "OMADM_DM_BODY_LIMIT_BYTES", parse: int(1024, 1 << 30) },
  { path: "dm.autoRegister", env: "OMADM_AUTO_REGISTER", parse: bool },
  { path: "deviceAuth.modes", env: "OMADM_DEVICE_AUTH", parse: authModes },
  { path: "deviceAuth.realm", env: "OMADM_AUTH_REALM", parse: text },
  { path: "deviceAuth.nonceKey", env: "OMADM_DEVICE_AUTH_NONCE_KEY", parse: nullable(secretText), secret: true },
  { path: "deviceAuth.nonceKeyFile", env: "OMADM_DEVICE_AUTH_NONCE_KEY_FILE", parse: nullable(filePath) },
  { path: "tls.enabled", env: "OMADM_TLS_ENABLED", parse: bool },
  { path: "tls.certFile", env: "OMADM_TLS_CERT_FILE", parse: nullable(filePath) },
  { path: "tls.keyFile", env: "OMADM_TLS_KEY_FILE", parse: nullable(filePath) },
  { path: "tls.caFile", env: "OMADM_TLS_CA_FILE", parse: nullable(filePath) },
  { path: "tls.requestClientCert", env: "OMADM_TLS_REQUEST_CLIENT_CERT", parse: bool },
  { path: "tls.psk", env: "OMADM_TLS_PSK", parse: bool },
  { path: "tls.pskIdentityHint", env: "OMADM_TLS_PSK_IDENTITY_HINT", parse: nullable(text) },
  { path: "tls.minVersion", env: "OMADM_TLS_MIN_VERSION", parse: oneOf(Object.values(TlsMinVersion)) },
  { path: "allowHttp", env: "OMADM_ALLOW_HTTP", parse: bool },
  { path: "sweepIntervalMs", env: "OMADM_SWEEP_INTERVAL_MS", parse: int(100, 3_600_000) },
  { path: "components.repository", env: "OMADM_REPOSITORY", parse: bool },
  { path: "components.ui", env: "OMADM_UI", parse: bool },
  { path: "components.api", env: "OMADM_API", parse: bool },
  { path: "components.notifier", env: "OMADM_NOTIFIER", parse: bool },
  { path: "notifier.udp", env: "OMADM_NOTIFY_UDP", parse: bool },
  { path: "notifier.mqttUrl", env: "OMADM_MQTT_URL", parse: nullable(anyUrl) },
  { path: "notifier.wakeOnQueue", env: "OMADM_WAKE_ON_QUEUE", parse: bool },
  { path: "notifier.wakeDebounceMs", env: "OMADM_WAKE_DEBOUNCE_MS", parse: int(0, 3_600_000) },
  { path: "notifier.allowUnsigned", env: "OMADM_NOTIFY_ALLOW_UNSIGNED", parse: bool },
  { path: "api.loopbackWithoutToken", env: "OMADM_API_LOOPBACK_WITHOUT_TOKEN", parse: bool },
  { path: "api.docs", env: "OMADM_API_DOCS", parse: bool },
  { path: "logLevel", env: "OMADM_LOG_LEVEL", parse: oneOf(Object.values(LogLevel)) },
];

const BY_PATH = new Map(FIELDS.map((f) => [f.path, f]));
const SECTIONS = new Set(FIELDS.filter((f) => f.path.includes(".")).map((f) => f.path.split(".")[0] ?? ""));
/** Variables the test suites read (test-support/services.ts): not configuration, never warned about. */
const FOREIGN_ENV_PREFIX = "OMADM_TEST_";

/** Loads, merges and validates the configuration. Reports every problem at once. */
export function loadServerConfig(input: LoadServerConfigInput = {}): ConfigResult {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const values = new Map<string, unknown>();
  // Which paths were set explicitly, and where (publicBaseUrl, allowHttp and some tls keys are derived only when
  // they were not).
  const explicit = new Map<string, ConfigProblem["source"]>();

  if (input.file !== undefined) {
    const file = readConfigFile(input.file);
    if (!file.ok) problems.push({ key: input.file, source: "file", message: file.message });
    else walk(file.value, "", "file", values, explicit, problems);
  }
  for (const [name, raw] of Object.entries(input.env ?? {})) {
    if (!name.startsWith("OMADM_") || name.startsWith(FOREIGN_ENV_PREFIX) || raw === undefined) continue;
    const field = FIELDS.find((f) => f.env === name);
    if (field === undefined) {
      warnings.push(`unknown environment variable ${name} ignored`);
      continue;
    }
    const parsed = field.parse(raw, true);
    if (parsed.ok) {
      values.set(field.path, parsed.value);
      explicit.set(field.path, "env");
    } else problems.push({ key: name, source: "env", message: `${name} ${parsed.message}` });
  }
  if (input.overrides !== undefined) walk(input.overrides, "", "overrides", values, explicit, problems);
  if (problems.length > 0) return refused(problems);

  const config = build(values);
  // TLS keys depend on each other and on deviceAuth.modes; the files they name must be readable.
  const tls = resolveTlsConfig(config, explicit, canRead);
  // The Digest nonce key (its file is read now, so a bad key stops the start naming it).
  const nonceKey = resolveNonceKeyConfig(config, explicit);
  if (tls.problems.length + nonceKey.problems.length > 0) return refused([...tls.problems, ...nonceKey.problems]);
  warnings.push(...tls.warnings, ...nonceKey.warnings);
  const scheme = tls.value.enabled ? "https" : "http";
  if (config.publicBaseUrl !== null && tls.value.enabled && config.publicBaseUrl.startsWith("http:")) {
    warnings.push(`publicBaseUrl ${config.publicBaseUrl} is plain http although tls.enabled is true`);
  }
  const derived: ServerConfig = {
    ...config,
    tls: tls.value,
    allowHttp: explicit.has("allowHttp") ? config.allowHttp : isLoopbackHost(config.listen.host),
    publicBaseUrl: config.publicBaseUrl ?? derivePublicBaseUrl(config.listen.host, config.listen.port, scheme),
  };
  return { ok: true, value: derived, warnings };
}

function refused(problems: readonly ConfigProblem[]): ConfigResult {
  const text = problems.map((p) => `${p.source} ${p.message}`).join("; ");
  return {
    ok: false,
    error: new ServerError(ServerErrorCode.CONFIG_INVALID, `invalid server configuration: ${text}`),
    problems,
  };
}

/** null when the file can be read, else why not. */
function canRead(path: string): string | null {
  try {
    accessSync(path, fsConstants.R_OK);
    return null;
  } catch (cause) {
    return errorMessage(cause);
  }
}

/** The URL a listen address is reached at, or null when it cannot be known before binding. */
export function derivePublicBaseUrl(host: string, port: number, scheme: "http" | "https" = "http"): string | null {
  if (port === 0 || host === "0.0.0.0" || host === "::") return null;
  return `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function walk(
  value: unknown,
  prefix: string,
  source: ConfigProblem["source"],
  values: Map<string, unknown>,
  explicit: Map<string, ConfigProblem["source"]>,
  problems: ConfigProblem[],
): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push({ key: prefix || "(root)", source, message: `${prefix || "the configuration"} must be an object` });
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (v === undefined) continue;
    const field = BY_PATH.get(path);
    if (field?.secret === true && source === "file") {
      problems.push({
        key: path,
        source,
        message: `${path} must not be in the config file (a secret): ${secretHint(field)}`,
      });
    } else if (field !== undefined) {
      const parsed = field.parse(v, false);
      if (parsed.ok) {
        values.set(path, parsed.value);
        explicit.set(path, source);
      } else problems.push({ key: path, source, message: `${path} ${parsed.message}` });
    } else if (prefix === "" && SECTIONS.has(key)) {
      walk(v, path, source, values, explicit, problems);
    } else {
      problems.push({ key: path, source, message: `unknown key ${path}${suggestion(path)}` });
    }
  }
}

function secretHint(field: Field): string {
  return `set ${field.env}${BY_PATH.has(`${field.path}File`) ? `, or ${field.path}File` : ""}`;
}

function suggestion(path: string): string {
  // The nearest known key by edit distance (a typo, or the right name in the wrong section).
  let best: { path: string; d: number } | undefined;
  for (const f of FIELDS) {
    const d = Math.min(editDistance(path, f.path), editDistance(leaf(path), leaf(f.path)) + 1);
    if (best === undefined || d < best.d) best = { path: f.path, d };
  }
  return best !== undefined && best.d <= 3 ? ` (did you mean ${best.path}?)` : "";
}

function leaf(path: string): string {
  return path.split(".").at(-1)?.toLowerCase() ?? "";
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function build(values: ReadonlyMap<string, unknown>): ServerConfig {
  // Start from a deep copy of the defaults and assign each validated value at its path.
  const out = JSON.parse(JSON.stringify(DEFAULT_SERVER_CONFIG)) as Record<string, unknown>;
  for (const [path, value] of values) {
    const [head = "", tail] = path.split(".");
    if (tail === undefined) out[head] = value;
    else (out[head] as Record<string, unknown>)[tail] = value;
  }
  return out as unknown as ServerConfig;
}

function readConfigFile(path: string): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    return { ok: false, message: `cannot read config file ${path}: ${errorMessage(cause)}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (cause) {
    return { ok: false, message: `config file ${path} is not valid JSON: ${errorMessage(cause)}` };
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v) as string | undefined;
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
