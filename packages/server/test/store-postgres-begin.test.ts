// A transaction's BEGIN held back and sent with its first statement (postgres-begin.ts), against the real server:
// one round trip for both, the statement inside the transaction block (a rollback undoes it), a failing statement
// leaves the block aborted as a separate BEGIN would, and a transaction that sent nothing opens nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rowsOf, skip, withFixture } from "./postgres-client-support.js";

test("after the first, a transaction's BEGIN goes out with its first statement: one round trip", { skip }, async () => {
  await withFixture(async ({ client, other, roundTrips }) => {
    const insert = "insert into t values ($1)";
    // The connection's first transaction prepares BEGIN with a round trip of its own.
    await client.query("begin", []);
    await client.query(insert, [1]);
    await client.query("commit", []);
    assert.equal(roundTrips(), 3);
    const before = roundTrips();
    const begun = await client.query("begin", []);
    assert.equal(begun.command, "BEGIN");
    assert.equal(roundTrips(), before, "BEGIN is held, not sent");
    const inserted = await client.query(insert, [2]);
    assert.equal(inserted.command, "INSERT");
    assert.equal(inserted.rowCount, 1);
    assert.equal(roundTrips(), before + 1, "BEGIN and the INSERT in one round trip");
    assert.deepEqual(await rowsOf(other), [1], "not committed yet: the INSERT ran inside the transaction block");
    await client.query("commit", []);
    assert.deepEqual(await rowsOf(other), [1, 2]);
  });
});

test("a held BEGIN's transaction rolls back whole, rows and all", { skip }, async () => {
  await withFixture(async ({ client, other }) => {
    for (const a of [1, 2]) {
      await client.query("begin", []);
      await client.query("insert into t values ($1)", [a]);
      await client.query("insert into t values ($1)", [a + 10]);
      await client.query("rollback", []);
    }
    assert.deepEqual(await rowsOf(other), []);
  });
});

test("a statement that fails behind a held BEGIN leaves the block aborted until ROLLBACK", { skip }, async () => {
  await withFixture(async ({ client, other }) => {
    await client.query("insert into t values ($1)", [1]);
    for (let i = 0; i < 2; i++) {
      await client.query("begin", []);
      await assert.rejects(client.query("insert into t values ($1)", [1]), { code: "23505" });
      await assert.rejects(client.query("insert into t values ($1)", [2]), { code: "25P02" });
      const ended = await client.query("commit", []);
      assert.equal(ended.command, "ROLLBACK", "COMMIT of an aborted block is a rollback");
    }
    await client.query("insert into t values ($1)", [3]);
    assert.deepEqual(await rowsOf(other), [1, 3], "the connection is back outside a transaction block");
  });
});

test("a statement without parameters behind a held BEGIN runs in the block too", { skip }, async () => {
  await withFixture(async ({ client, other }) => {
    await client.query("begin", []);
    await client.query("commit", []);
    await client.query("begin", []);
    await client.query("savepoint s", []);
    await client.query("insert into t values ($1)", [1]);
    await client.query("rollback to savepoint s", []);
    await client.query("insert into t values ($1)", [2]);
    await client.query("commit", []);
    assert.deepEqual(await rowsOf(other), [2]);
  });
});

test("a transaction that sent nothing costs no round trip and leaves nothing open", { skip }, async () => {
  await withFixture(async ({ client, other, roundTrips }) => {
    for (const end of ["commit", "rollback"]) {
      const before = roundTrips();
      await client.query("begin", []);
      const ended = await client.query(end, []);
      assert.equal(ended.command, end.toUpperCase());
      assert.equal(roundTrips(), before);
    }
    await client.query("insert into t values ($1)", [1]);
    assert.deepEqual(await rowsOf(other), [1], "the INSERT committed on its own");
  });
});

test("a BEGIN still held when the connection goes back to the pool is forgotten", { skip }, async () => {
  await withFixture(async ({ pool, client, other }) => {
    await client.query("begin", []);
    client.release();
    const again = await pool.connect();
    assert.equal(again, client, "the pool's one connection");
    await again.query("insert into t values ($1)", [1]);
    assert.deepEqual(await rowsOf(other), [1], "the INSERT committed on its own: no transaction was open");
    // The fixture releases `client` at the end: take it once more so that release is its own.
    again.release();
    assert.equal(await pool.connect(), client);
  });
});
