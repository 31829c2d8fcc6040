// Loading the server's configuration: the keys declared in config-keys.ts, from (lowest to highest precedence)
// their defaults, a JSON file, OMADM_* environment variables (one per key, config-env.ts) and explicit
// overrides (CLI flags). Every value is checked, and every problem names the key or variable it came from;
// an unknown key or OMADM_* variable is refused with the closest valid name. Nothing here runs at import time;
// the only I/O is reading the config file, checking that the TLS files it names are readable and reading the
// Digest nonce key file.
import { accessSync, constants as fsConstants, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolveNonceKeyConfig } from "./auth/nonce-key-config.js";
import type { ConfigProblem } from "./config-problem.js";
import { CONFIG_KEY_LIST, defaultServerConfig, envName } from "./config-keys.js";
import type { ConfigKey, ServerConfig } from "./config-types.js";
import { closestName, editDistance, isServerVariable } from "./config-env.js";
import { ServerError, ServerErrorCode } from "./errors.js";
import { resolveTlsConfig } from "./tls/tls-config.js";
import { checkBootstrapConfig } from "./bootstrap/bootstrap-config.js";
import { errorMessage } from "@omadm/protocol";

/** Deep partial, for files and overrides. */
export type ServerConfigInput = {
  readonly [K in keyof ServerConfig]?: ServerConfig[K] extends readonly unknown[] | string | number | boolean | null
    ? ServerConfig[K]
    : { readonly [L in keyof ServerConfig[K]]?: ServerConfig[K][L] };
};

/** The defaults of every key (SERVER_CONFIG_KEYS). 8080 is free on the development machine; loopback only. */
export const DEFAULT_SERVER_CONFIG: ServerConfig = defaultServerConfig();

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

interface Field extends ConfigKey {
  readonly path: string;
  /** The one environment variable of the key (`envName(path)`). */
  readonly env: string;
}

const FIELDS: readonly Field[] = CONFIG_KEY_LIST.map((key) => ({ ...key, env: envName(key.path) }));
const BY_PATH = new Map(FIELDS.map((f) => [f.path, f]));
const BY_ENV = new Map(FIELDS.map((f) => [f.env, f]));
const ENV_NAMES = FIELDS.map((f) => f.env);
const SECTIONS = new Set(FIELDS.filter((f) => f.path.includes(".")).map((f) => f.path.split(".")[0] ?? ""));
/** The key a config file may carry for editors: the JSON Schema it follows (ignored). */
const SCHEMA_KEY = "$schema";

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
    if (!isServerVariable(name) || raw === undefined) continue;
    const field = BY_ENV.get(name);
    if (field === undefined) {
      const closest = closestName(name, ENV_NAMES);
      const hint = closest === undefined ? "" : ` (did you mean ${closest}?)`;
      problems.push({ key: name, source: "env", message: `unknown environment variable ${name}${hint}` });
      continue;
    }
    const parsed = field.type.parse(raw, true);
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
  const bootstrap = checkBootstrapConfig(config, tls.value, (key) => explicit.get(key) ?? "overrides");
  const sectionProblems = [...tls.problems, ...nonceKey.problems, ...bootstrap];
  if (sectionProblems.length > 0) return refused(sectionProblems);
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
    if (v === undefined || path === SCHEMA_KEY) continue;
    const field = BY_PATH.get(path);
    if (field?.secret === true && source === "file") {
      problems.push({
        key: path,
        source,
        message: `${path} must not be in the config file (a secret): ${secretHint(field)}`,
      });
    } else if (field !== undefined) {
      const parsed = field.type.parse(v, false);
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

function build(values: ReadonlyMap<string, unknown>): ServerConfig {
  // Start from a fresh copy of the defaults and assign each validated value at its path.
  const out = defaultServerConfig() as unknown as Record<string, unknown>;
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
