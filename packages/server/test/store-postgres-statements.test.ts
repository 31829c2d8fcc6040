// Named statements of the PostgreSQL store (postgres-statements.ts), against the real server: a text sent again
// is prepared once on its connection, rows keep each statement's own columns, and a schema change that alters a
// prepared statement's columns fails one call, not every later one.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { namingClient, StatementNames } from "../src/store/postgres-statements.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";

const postgres = await requirePostgres();
const { skip } = skipUnlessAvailable(postgres);

/**
 * One pooled connection, in a schema of its own, queried as Kysely's driver does (`query(text, values)`, no
 * callback): every call meets the statements it prepared.
 */
async function withPool(fn: (pool: pg.PoolClient) => Promise<void>): Promise<void> {
  const schema = `omadm_test_${process.pid}_${randomBytes(6).toString("hex")}`;
  const pool = new pg.Pool({
    connectionString: serviceUrl(postgres),
    max: 1,
    options: `-c search_path=${schema}`,
    Client: namingClient(new StatementNames()),
  });
  const client = await pool.connect();
  try {
    await client.query(`create schema ${schema}`);
    await fn(client);
  } finally {
    await client.query(`drop schema if exists ${schema} cascade`);
    client.release();
    await pool.end();
  }
}

async function prepared(pool: pg.PoolClient): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>("select name from pg_prepared_statements order by name");
  return rows.map((r) => r.name);
}

test("a text sent with parameters a second time is prepared once under a name, and reused", { skip }, async () => {
  await withPool(async (pool) => {
    await pool.query("create table t (a int, b text)");
    await pool.query("insert into t values (1, 'one'), (2, 'two')");
    const byA = "select * from t where a = $1";
    assert.deepEqual((await pool.query(byA, [1])).rows, [{ a: 1, b: "one" }]);
    assert.deepEqual(await prepared(pool), [], "a text seen once stays unnamed");
    for (const [a, b] of [
      [2, "two"],
      [1, "one"],
      [2, "two"],
    ] as const) {
      assert.deepEqual((await pool.query(byA, [a])).rows, [{ a, b }]);
    }
    assert.deepEqual(await prepared(pool), ["omadm_1"], "one statement, prepared once");
  });
});

test("each named statement's rows have its own columns", { skip }, async () => {
  await withPool(async (pool) => {
    await pool.query("create table t (a int, b text)");
    await pool.query("insert into t values (1, 'one')");
    const both = "select a, b from t where a = $1";
    const renamed = "select b as x, a + $1 as y from t";
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((await pool.query(both, [1])).rows, [{ a: 1, b: "one" }]);
      assert.deepEqual((await pool.query(renamed, [10])).rows, [{ x: "one", y: 11 }]);
    }
    assert.equal((await prepared(pool)).length, 2);
  });
});

test("a column added under a prepared `select *` fails one call; the next prepares it again", { skip }, async () => {
  await withPool(async (pool) => {
    await pool.query("create table t (a int)");
    await pool.query("insert into t values (1)");
    const all = "select * from t where a = $1";
    for (let i = 0; i < 3; i++) assert.deepEqual((await pool.query(all, [1])).rows, [{ a: 1 }]);
    await pool.query("alter table t add column b text default 'new'");
    await assert.rejects(pool.query(all, [1]), (error: unknown) => (error as { code?: string }).code === "0A000");
    assert.deepEqual((await pool.query(all, [1])).rows, [{ a: 1, b: "new" }]);
    assert.deepEqual((await pool.query(all, [1])).rows, [{ a: 1, b: "new" }]);
  });
});
