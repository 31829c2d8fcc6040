// A pool of one connection of the PostgreSQL store's client class (postgres-statements.ts) against the real
// server, in a schema of its own with a table t (a int primary key), and a count of its round trips: what the
// tests of the held BEGIN and of deferred writes look at.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { namingClient, released, StatementNames } from "../src/store/postgres-statements.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";

const postgres = await requirePostgres();
export const { skip } = skipUnlessAvailable(postgres);

export interface Fixture {
  readonly pool: pg.Pool;
  /** The pool's one connection, checked out. */
  readonly client: pg.PoolClient;
  /** Another connection (no held BEGIN) to look at what is committed. */
  readonly other: pg.Client;
  /** Answers from the server on `client` so far: one ReadyForQuery ends each round trip. */
  readonly roundTrips: () => number;
}

/** A pool of one connection of the store's client class, in a schema of its own with a table t (a int). */
export async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const schema = `omadm_test_${process.pid}_${randomBytes(6).toString("hex")}`;
  const url = serviceUrl(postgres);
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    options: `-c search_path=${schema}`,
    Client: namingClient(new StatementNames()),
  });
  pool.on("release", (_error: unknown, c: unknown) => {
    released(c);
  });
  const other = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await other.connect();
  await other.query(`create schema ${schema}`);
  await other.query("create table t (a int primary key)");
  const client = await pool.connect();
  let answers = 0;
  (client as unknown as { connection: pg.Connection }).connection.on("readyForQuery", () => answers++);
  try {
    await fn({ pool, client, other, roundTrips: () => answers });
  } finally {
    client.release();
    await pool.end();
    await other.query(`drop schema if exists ${schema} cascade`);
    await other.end();
  }
}

export async function rowsOf(other: pg.Client): Promise<number[]> {
  return (await other.query<{ a: number }>("select a from t order by a")).rows.map((r) => r.a);
}
