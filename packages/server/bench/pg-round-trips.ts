// bench:server on PostgreSQL: the store in a fresh schema of the given database, and a count of its round trips.
// Kysely's PostgreSQL driver sends every statement (BEGIN, SAVEPOINT, the advisory locks, COMMIT included) as one
// `pg.Client#query` call, each answered before the next goes out, so counting those calls in this process counts
// the round trips. Bench-only instrumentation: the server code is not touched. The pool's connections carry the
// schema's name as their application_name, so the CPU their PostgreSQL backends spend is measured as well.
// With `--statements`, each round trip is also timed per SQL text, from the moment it goes out on its connection
// until PostgreSQL says it is ready for the next (StatementTimes): wall time, not CPU.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { watchBackendCpu } from "../../../test-support/pg-backend-cpu.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { StatementTimes } from "../src/store/sql/sqlite-statement-times.js";
import type { Store } from "../src/store/store.js";
import type { StoreDeps } from "../src/store/types.js";
import type { StoreCounts } from "./target-ipc.js";

let roundTrips = 0;
let commits = 0;
let patched = false;
const times = new StatementTimes();

/** The SQL text of a `pg.Client#query` call: a string, or a query config's `text` (named prepared statements). */
function sqlOf(query: unknown): string | undefined {
  if (typeof query === "string") return query;
  if (typeof query === "object" && query !== null && "text" in query && typeof query.text === "string") {
    return query.text;
  }
  return undefined;
}

function countQueries(): void {
  if (patched) return;
  patched = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    roundTrips++;
    if (sqlOf(args[0])?.trim().toLowerCase() === "commit") commits++;
    return original.apply(this, args);
  };
  // A round trip's time: from the query going out on its connection (submit) to its ReadyForQuery.
  const query = pg.Query.prototype as unknown as {
    text?: string;
    submit: (...args: unknown[]) => unknown;
    handleReadyForQuery: (...args: unknown[]) => unknown;
  };
  const sentAt = new WeakMap<object, number>();
  const submit = query.submit;
  query.submit = function (this: object, ...args: unknown[]) {
    if (times.on) sentAt.set(this, performance.now());
    return submit.apply(this, args);
  };
  const ready = query.handleReadyForQuery;
  query.handleReadyForQuery = function (this: { text?: string }, ...args: unknown[]) {
    const start = sentAt.get(this);
    if (start !== undefined && times.on) times.add(this.text ?? "(no text)", performance.now() - start);
    return ready.apply(this, args);
  };
}

export interface BenchPostgres {
  readonly store: Store;
  /** Round trips timed per SQL text while switched on (`--statements`). */
  readonly times: StatementTimes;
  /** Round trips (as `statements`), commits and the backends' CPU so far. */
  counts(): Promise<StoreCounts>;
  /** ANALYZE of every table of the schema (what autovacuum would have done by then). */
  analyze(): Promise<void>;
  dropSchema(): Promise<void>;
}

export async function openBenchPostgres(deps: StoreDeps, url: string, maxConnections?: number): Promise<BenchPostgres> {
  countQueries();
  const schema = `omadm_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  const named = new URL(url);
  named.searchParams.set("application_name", schema);
  const store = await openPostgresStore(deps, { connectionString: named.toString(), schema, maxConnections });
  const backends = await watchBackendCpu(url, { applicationName: schema });
  await backends.sample();
  roundTrips--;
  return {
    store,
    times,
    counts: async () => {
      const at = { statements: roundTrips, commits };
      await backends.sample();
      // The sample's own query went through the counted pg.Client#query too: not the store's.
      roundTrips--;
      return { ...at, backendCpuMs: backends.usedMs() };
    },
    analyze: () =>
      withClient(url, async (c) => {
        const { rows } = await c.query<{ t: string }>("select tablename as t from pg_tables where schemaname = $1", [
          schema,
        ]);
        for (const { t } of rows) await c.query(`analyze ${schema}.${t}`);
      }),
    dropSchema: async () => {
      await backends.close();
      if (process.env["OMADM_BENCH_PG_STATS"] === "1") await printTableStats(url, schema);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

/** What PostgreSQL counted for the schema's tables and indexes over the whole run (OMADM_BENCH_PG_STATS=1). */
async function printTableStats(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query(
      `select relname, seq_scan, seq_tup_read, idx_scan, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del,
         n_live_tup, n_dead_tup from pg_stat_user_tables where schemaname = $1 order by relname`,
      [schema],
    );
    console.table(
      tables.rows.filter(
        (r: { seq_scan: string; idx_scan: string | null; n_tup_ins: string }) =>
          Number(r.seq_scan) + Number(r.idx_scan ?? 0) + Number(r.n_tup_ins) > 0,
      ),
    );
    const indexes = await c.query(
      `select relname, indexrelname, idx_scan, idx_tup_read, idx_tup_fetch from pg_stat_user_indexes
         where schemaname = $1 and idx_scan > 0 order by relname, indexrelname`,
      [schema],
    );
    console.table(indexes.rows);
  } finally {
    await c.end();
  }
}

async function withClient(url: string, use: (c: pg.Client) => Promise<void>): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await use(c);
  } finally {
    await c.end();
  }
}
