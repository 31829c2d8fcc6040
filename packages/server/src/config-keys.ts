// Every key of the server configuration, declared once (by area in config-keys-*.ts, gathered here in document
// order): its path, value type, default, meaning and whether it is a secret. The loader (config.ts) parses files, environment variables and overrides with it; each key's
// environment variable is derived from its path by one rule (`envName`); docs/server-config.md and
// docs/schema/server-config.schema.json are generated from it (`npm run docs`). The table's type makes the
// compiler refuse a key of ServerConfig without an entry, an entry without a key, or a default of the wrong type.
import { API_KEYS } from "./config-keys-api.js";
import { AUTH_KEYS } from "./config-keys-auth.js";
import { DATA_KEYS } from "./config-keys-data.js";
import { OPS_KEYS } from "./config-keys-ops.js";
import { SERVER_KEYS } from "./config-keys-server.js";
import type { ConfigKey, ConfigPath, KeyTable, ServerConfig } from "./config-types.js";

/** Every key in document order. */
export const SERVER_CONFIG_KEYS: KeyTable<ConfigPath> = {
  ...SERVER_KEYS,
  ...AUTH_KEYS,
  ...DATA_KEYS,
  ...API_KEYS,
  ...OPS_KEYS,
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
