// The commit group's one-write members (sqlite-commit-group.ts, MemberKind.OneWrite) on a real SQLite file:
// no savepoint, a failed statement still fails alone, and a failure after the write fails the whole group; and
// the count of waits for another connection's write lock.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { CommitGroup, MemberKind } from "../src/store/sql/sqlite-commit-group.js";

let dir: string;
let raw: BetterSqlite3.Database;
let group: CommitGroup;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "omadm-group-"));
  raw = new BetterSqlite3(join(dir, "g.sqlite"));
  raw.pragma("journal_mode = WAL");
  raw.exec("create table t (k text primary key)");
  group = new CommitGroup(raw, { busyTimeoutMs: 1000 });
});

afterEach(() => {
  raw.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the store's connection does around each write statement (sqlite.ts groupedDatabase). */
function insert(k: string): void {
  group.beforeStatement(false);
  const { changes } = raw.prepare("insert into t (k) values (?)").run(k);
  group.afterWrite(changes > 0);
}

/** A member's work: one insert. */
function write(k: string): () => Promise<void> {
  return () => {
    insert(k);
    return Promise.resolve();
  };
}

function keys(): string[] {
  return raw
    .prepare("select k from t order by k")
    .pluck()
    .all()
    .map((k) => String(k));
}

test("a one-write member opens no savepoint and commits with its group", async () => {
  const before = group.stats.statements;
  await Promise.all([group.run(MemberKind.OneWrite, write("a")), group.run(MemberKind.OneWrite, write("b"))]);
  assert.deepEqual(keys(), ["a", "b"]);
  // begin, two inserts, commit: no savepoint and no release.
  assert.equal(group.stats.statements - before, 4);
});

test("a one-write member whose statement fails fails alone; the group commits the others", async () => {
  await group.run(MemberKind.OneWrite, write("dup"));
  const results = await Promise.allSettled([
    group.run(MemberKind.OneWrite, write("x")),
    group.run(MemberKind.OneWrite, write("dup")),
    group.run(MemberKind.Write, write("y")),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.deepEqual(keys(), ["dup", "x", "y"]);
});

test("a one-write member that throws after its write fails the whole group: nothing of it commits", async () => {
  const results = await Promise.allSettled([
    group.run(MemberKind.Write, write("before")),
    group.run(MemberKind.OneWrite, () => {
      insert("half");
      return Promise.reject(new Error("after the write"));
    }),
  ]);
  const [earlier, failing] = results;
  assert.equal(earlier.status, "rejected", "the group's earlier member is not acknowledged");
  assert.equal(failing.status, "rejected");
  assert.deepEqual(keys(), []);
  // The group is usable again afterwards.
  await group.run(MemberKind.OneWrite, write("later"));
  assert.deepEqual(keys(), ["later"]);
});

test("a one-write member that makes a second write statement is refused, and its first write undone", async () => {
  await assert.rejects(
    group.run(MemberKind.OneWrite, () => {
      insert("one");
      insert("two");
      return Promise.resolve();
    }),
    /second write statement/,
  );
  assert.deepEqual(keys(), []);
});

test("a group that finds another connection holding the write lock waits for it and counts the wait", async () => {
  const other = new BetterSqlite3(join(dir, "g.sqlite"), { timeout: 0 });
  try {
    other.exec("begin immediate");
    raw.pragma("busy_timeout = 0"); // as the store's connection: a taken lock fails at once (sqlite.ts)
    const done = group.run(MemberKind.OneWrite, write("after-the-lock"));
    // The group's first BEGIN ran at once and found the lock taken; it now retries with back-off.
    assert.equal(group.stats.lockWaits, 0, "counted once the lock is had, not while waiting");
    other.exec("commit");
    await done;
    assert.deepEqual(keys(), ["after-the-lock"]);
    assert.equal(group.stats.lockWaits, 1);
    assert.ok(group.stats.lockWaitMs > 0);
    await group.run(MemberKind.OneWrite, write("free"));
    assert.equal(group.stats.lockWaits, 1, "a free lock is no wait");
  } finally {
    other.close();
  }
});

test("a group waiting for the write lock tries again as soon as it is told the lock may be free", async (t) => {
  // No timer ever fires: only `lockMayBeFree` can end the back-off's sleep.
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const other = new BetterSqlite3(join(dir, "g.sqlite"), { timeout: 0 });
  try {
    other.exec("begin immediate");
    raw.pragma("busy_timeout = 0");
    const done = group.run(MemberKind.OneWrite, write("woken"));
    other.exec("commit");
    group.lockMayBeFree();
    await done;
    assert.deepEqual(keys(), ["woken"]);
    assert.equal(group.stats.lockWaits, 1);
  } finally {
    other.close();
  }
});
