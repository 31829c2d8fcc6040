// Writes held back until the transaction's next statement (postgres-deferred.ts), against the real server: they
// cost no round trip of their own, run before that statement (which sees them), go with the COMMIT when nothing
// follows, are dropped by a ROLLBACK, and a failing one fails the statement behind it with a SentAheadError that
// names it, without that statement's own SQLSTATE. Nothing is deferred outside a transaction, behind a held
// BEGIN, or before the connection has the statement prepared; a query in pg's other forms still runs after them.
import assert from "node:assert/strict";
import { test } from "node:test";
import type pg from "pg";
import { DEFERRED_MARK } from "../src/store/sql/prepared.js";
import { SentAheadError } from "../src/store/sql/sql-errors.js";
import { rowsOf, skip, withFixture } from "./postgres-client-support.js";

const DEFERRED_INSERT = `${DEFERRED_MARK}insert into t values ($1)`;
const COUNT = "select count(*)::int as n from t where a = $1";

/** Runs the deferred INSERT twice in a transaction of its own (rows 1 and 2): the first use of a text is
 *  unnamed, the second prepares it under a name; from then on the connection can defer it. */
async function prepareDeferred(client: pg.PoolClient): Promise<void> {
  await client.query("begin", []);
  assert.equal((await client.query(DEFERRED_INSERT, [1])).command, "INSERT");
  assert.equal((await client.query(DEFERRED_INSERT, [2])).command, "INSERT");
  await client.query("commit", []);
}

/** A transaction open on the server: BEGIN went out with a first statement. */
async function begin(client: pg.PoolClient): Promise<void> {
  await client.query("begin", []);
  await client.query(COUNT, [0]);
}

test("a deferred write costs no round trip: it runs with the next statement, which sees it", { skip }, async () => {
  await withFixture(async ({ client, other, roundTrips }) => {
    await prepareDeferred(client);
    await begin(client);
    const before = roundTrips();
    const held = await client.query(DEFERRED_INSERT, [3]);
    assert.equal(held.command, "DEFERRED");
    assert.deepEqual(held.rows, []);
    assert.equal(roundTrips(), before, "nothing went out");
    const seen = await client.query<{ n: number }>(COUNT, [3]);
    assert.equal(seen.rows[0]?.n, 1, "the next statement ran after the write");
    assert.equal(seen.command, "SELECT", "the answer is the statement's own");
    assert.equal(roundTrips(), before + 1, "the write and the statement in one round trip");
    assert.deepEqual(await rowsOf(other), [1, 2], "inside the transaction block");
    await client.query("commit", []);
    assert.deepEqual(await rowsOf(other), [1, 2, 3]);
  });
});

test("COMMIT takes what is still deferred, in one round trip", { skip }, async () => {
  await withFixture(async ({ client, other, roundTrips }) => {
    await prepareDeferred(client);
    // Twice: the first such COMMIT on the connection prepares it as a named statement, the second only binds it.
    for (const rows of [
      [4, 5],
      [6, 7],
    ]) {
      await begin(client);
      const before = roundTrips();
      for (const a of rows) await client.query(DEFERRED_INSERT, [a]);
      const committed = await client.query("commit", []);
      assert.equal(committed.command, "COMMIT");
      assert.equal(roundTrips(), before + 1);
    }
    assert.deepEqual(await rowsOf(other), [1, 2, 4, 5, 6, 7]);
  });
});

test("ROLLBACK drops what is deferred: it never ran", { skip }, async () => {
  await withFixture(async ({ client, other }) => {
    await prepareDeferred(client);
    await begin(client);
    await client.query(DEFERRED_INSERT, [6]);
    await client.query("rollback", []);
    assert.deepEqual(await rowsOf(other), [1, 2]);
    // The next transaction starts clean: nothing of the last one goes out with its statements.
    await begin(client);
    assert.equal((await client.query<{ n: number }>(COUNT, [6])).rows[0]?.n, 0);
    await client.query("commit", []);
    assert.deepEqual(await rowsOf(other), [1, 2]);
  });
});

test(
  "a deferred write that fails fails the statement behind it, naming the write, and the block stays aborted",
  { skip },
  async () => {
    await withFixture(async ({ client, other }) => {
      await prepareDeferred(client);
      await begin(client);
      await client.query(DEFERRED_INSERT, [1]); // row 1 exists: a unique violation, once it runs
      const failure = await client.query("insert into t values ($1)", [7]).then(
        () => assert.fail("the statement behind a failed write answered"),
        (error: unknown) => error,
      );
      assert.ok(failure instanceof SentAheadError, String(failure));
      assert.match(failure.message, /duplicate key/);
      assert.match(failure.message, /insert into t values/);
      assert.equal("code" in failure, false, "no SQLSTATE of its own: not the statement's refusal");
      assert.equal((failure.cause as { code?: string }).code, "23505");
      await assert.rejects(client.query(COUNT, [1]), /current transaction is aborted/);
      await client.query("rollback", []);
      assert.deepEqual(await rowsOf(other), [1, 2], "the statement behind it never ran");
    });
  },
);

test("a deferred write that fails with the COMMIT fails the COMMIT: nothing is committed", { skip }, async () => {
  await withFixture(async ({ client, other }) => {
    await prepareDeferred(client);
    await begin(client);
    await client.query(DEFERRED_INSERT, [8]);
    await client.query(DEFERRED_INSERT, [2]); // a unique violation
    await assert.rejects(client.query("commit", []), SentAheadError);
    await client.query("rollback", []);
    assert.deepEqual(await rowsOf(other), [1, 2]);
  });
});

test("nothing is deferred outside a transaction, behind a held BEGIN, or before it is prepared", { skip }, async () => {
  await withFixture(async ({ client, other }) => {
    // Its first two uses go out: unnamed, then named and parsed (prepareDeferred's own assertions).
    await prepareDeferred(client);
    // Outside a transaction.
    assert.equal((await client.query(DEFERRED_INSERT, [9])).command, "INSERT");
    assert.deepEqual(await rowsOf(other), [1, 2, 9]);
    // As a transaction's first statement, BEGIN still held: it goes out, BEGIN ahead of it.
    await client.query("begin", []);
    const first = await client.query(DEFERRED_INSERT, [10]);
    assert.equal(first.command, "INSERT");
    assert.equal(first.rowCount, 1);
    await client.query("rollback", []);
    assert.deepEqual(await rowsOf(other), [1, 2, 9]);
  });
});

test("a query in another form than (text, values) still runs after what is deferred", { skip }, async () => {
  await withFixture(async ({ client, other }) => {
    await prepareDeferred(client);
    await begin(client);
    await client.query(DEFERRED_INSERT, [11]);
    // pg's config-object form: the held write goes out on its own first, then this query, in order.
    const seen = await client.query<{ n: number }>({ text: COUNT, values: [11] });
    assert.equal(seen.rows[0]?.n, 1);
    await client.query("commit", []);
    assert.deepEqual(await rowsOf(other), [1, 2, 11]);
  });
});
