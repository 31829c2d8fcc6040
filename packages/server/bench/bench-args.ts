// Flags of `npm run bench:server -- [flags]`. Every value is checked; a bad one ends the run with a message.
import { parseArgs } from "node:util";

export const SyncChoice = { Both: "both", Full: "full", Normal: "normal" } as const;
export type SyncChoice = (typeof SyncChoice)[keyof typeof SyncChoice];

export interface BenchArgs {
  readonly seconds: number;
  readonly warmup: number;
  readonly devices: number;
  readonly concurrency: number;
  readonly pools: number;
  /** Which SQLite durability runs to do (FULL is the default the server ships with). */
  readonly sync: SyncChoice;
  /** Directory for V8 CPU profiles of the omadm server processes, or undefined. */
  readonly cpuProf: string | undefined;
  /** Directory for sampling heap profiles of the omadm targets' measured windows (heap-sampler.ts), or undefined. */
  readonly heapProf: string | undefined;
  /** Run omadm on PostgreSQL at this URL (instead of SQLite), against the same ceiling. */
  readonly postgresUrl: string | undefined;
  /** Time every SQLite statement inside the measured window and print the top ones (statement-report.ts). */
  readonly statements: boolean;
  /** Run the omadm targets from the built packages (dist/) instead of the sources (scripts/built-sources.mjs). */
  readonly built: boolean;
  /** PostgreSQL: the omadm server's pool size (store.postgresMaxConnections); undefined: the default. */
  readonly pgConnections: number | undefined;
}

export const USAGE = `usage: npm run bench:server -- [--seconds 10] [--warmup 2] [--devices 200] [--concurrency 64]
                              [--pools 4] [--sync both|full|normal] [--cpu-prof <dir>] [--heap-prof <dir>]
                              [--store sqlite|postgres] [--postgres-url <url>] [--statements] [--built]
                              [--pg-connections N]
  --store postgres runs omadm on PostgreSQL (a fresh schema in --postgres-url's database, default
  $OMADM_TEST_PG_URL or postgres://root@127.0.0.1:5432/test) and prints round trips per session.
  --pg-connections N sets the omadm server's PostgreSQL pool (store.postgresMaxConnections, default 10).
  --statements times each SQLite statement inside the measured window and prints where the store's time goes
  (count per session, microseconds each, per SQL text); it adds a little CPU per statement while it runs. On
  PostgreSQL it times each round trip from going out to PostgreSQL's ReadyForQuery (wall time, not CPU).
  --heap-prof writes what the omadm server allocated inside the measured window (a sampling heap profile that
  keeps collected objects too; read it with packages/server/bench/heapprofile-summary.ts).
  --built runs the omadm targets from the built packages (dist/, after \`npm run build\`) instead of the sources:
  the code as it runs in production, and profiles with real line numbers (read a CPU profile with
  packages/server/bench/cpuprofile-summary.ts).`;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: "string", default: "10" },
      warmup: { type: "string", default: "2" },
      devices: { type: "string", default: "200" },
      concurrency: { type: "string", default: "64" },
      pools: { type: "string", default: "4" },
      sync: { type: "string", default: SyncChoice.Both },
      "cpu-prof": { type: "string" },
      "heap-prof": { type: "string" },
      store: { type: "string", default: "sqlite" },
      "postgres-url": { type: "string" },
      statements: { type: "boolean", default: false },
      built: { type: "boolean", default: false },
      "pg-connections": { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new Error(USAGE);
  const seconds = number("--seconds", values.seconds, 0.5, 3600);
  const warmup = number("--warmup", values.warmup, 0, 600);
  const devices = integer("--devices", values.devices, 1, 100_000);
  const concurrency = integer("--concurrency", values.concurrency, 1, 10_000);
  const pools = integer("--pools", values.pools, 1, 1000);
  if (devices < concurrency) {
    throw new Error(`--devices (${devices}) must be at least --concurrency (${concurrency}): one session per device`);
  }
  const sync = values.sync;
  if (sync !== SyncChoice.Both && sync !== SyncChoice.Full && sync !== SyncChoice.Normal) {
    throw new Error(`--sync must be both, full or normal, got ${JSON.stringify(sync)}`);
  }
  if (values.store !== "sqlite" && values.store !== "postgres") {
    throw new Error(`--store must be sqlite or postgres, got ${JSON.stringify(values.store)}`);
  }
  const postgresUrl =
    values.store === "postgres"
      ? (values["postgres-url"] ?? process.env["OMADM_TEST_PG_URL"] ?? "postgres://root@127.0.0.1:5432/test")
      : undefined;
  const statements = values.statements;
  const cpuProf = values["cpu-prof"];
  const heapProf = values["heap-prof"];
  const built = values.built;
  const rawConnections = values["pg-connections"];
  if (rawConnections !== undefined && postgresUrl === undefined)
    throw new Error("--pg-connections needs --store postgres");
  const pgConnections = rawConnections === undefined ? undefined : integer("--pg-connections", rawConnections, 1, 1000);
  return {
    seconds,
    warmup,
    devices,
    concurrency,
    pools,
    sync,
    cpuProf,
    heapProf,
    postgresUrl,
    statements,
    built,
    pgConnections,
  };
}

function number(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`${flag} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function integer(flag: string, raw: string, min: number, max: number): number {
  const n = number(flag, raw, min, max);
  if (!Number.isInteger(n)) throw new Error(`${flag} must be a whole number, got ${JSON.stringify(raw)}`);
  return n;
}
