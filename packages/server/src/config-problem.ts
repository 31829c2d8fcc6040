// One problem found in the server configuration, named by the key or environment variable it came from. Kept
// apart from config.ts so that the section checkers it calls (tls/tls-config.ts, auth/nonce-key-config.ts) can
// report problems without importing the loader back.

/** Where a configuration value was set. */
export type ConfigSource = "file" | "env" | "overrides";

export interface ConfigProblem {
  /** Dotted key (`dm.batchSize`) or environment variable (`OMADM_DM_BATCH_SIZE`). */
  readonly key: string;
  readonly source: ConfigSource;
  readonly message: string;
}
