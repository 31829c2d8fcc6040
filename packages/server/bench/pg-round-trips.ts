// bench:server on PostgreSQL: the store in a fresh schema of the given database, and a count of its round trips.
// Kysely's PostgreSQL driver sends every statement (BEGIN, SAVEPOINT, the advisory locks, COMMIT included) as one
// `pg.Client#query` call, each answered before the next goes out, so counting those calls in this process counts
// the round trips. Bench-only instrumentation: the server code is not touched.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgresStore } from "../src/store/postgres.js";
import type { Store } from "../src/store/store.js";
import type { StoreDeps } from "../src/store/types.js";
import type { StoreCounts } from "./target-ipc.js";

let roundTrips = 0;
let commits = 0;
let patched = false;

function countQueries(): void {
  if (patched) return;
  patched = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    roundTrips++;
    if (typeof args[0] === "string" && args[0].trim().toLowerCase() === "commit") commits++;
    return original.apply(this, args);
  };
}

export interface BenchPostgres {
  readonly store: Store;
  /** Round trips (as `statements`) and commits so far. */
  counts(): StoreCounts;
  dropSchema(): Promise<void>;
}

export async function openBenchPostgres(deps: StoreDeps, url: string): Promise<BenchPostgres> {
  countQueries();
  const schema = `omadm_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  const store = await openPostgresStore(deps, { connectionString: url, schema });
  return {
    store,
    counts: () => ({ statements: roundTrips, commits }),
    dropSchema: async () => {
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
