// The commit group with its own fsync (sqlite-wal-sync.ts), on a real SQLite file: nothing is answered before
// the fsync that follows its COMMIT has completed (writes, and reads that may have seen them), commits that
// arrive during an fsync share the next one, and a failed fsync fails its waiters and every later call. The
// sync function here holds each fsync until the test lets it finish, so "on disk" is an event the test controls;
// one test runs the real fsync of the WAL (walSync).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { CommitGroup, MemberKind } from "../src/store/sql/sqlite-commit-group.js";
import { walSync, type SyncFn } from "../src/store/sql/sqlite-wal-sync.js";

let dir: string;
let raw: BetterSqlite3.Database;
/** The fsyncs asked for and not yet finished, oldest first. */
let held: Array<(error: Error | null) => void>;
let syncRequested: Array<() => void>;
const heldSync: SyncFn = (done) => {
  held.push(done);
  for (const wake of syncRequested.splice(0)) wake();
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "omadm-walsync-"));
  raw = new BetterSqlite3(join(dir, "g.sqlite"));
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.exec("create table t (k text primary key)");
  held = [];
  syncRequested = [];
});

afterEach(() => {
  raw.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(group: CommitGroup, k: string): () => Promise<void> {
  return () => {
    group.beforeStatement(false);
    raw.prepare("insert into t (k) values (?)").run(k);
    group.afterWrite(true);
    return Promise.resolve();
  };
}

function count(): number {
  return Number(raw.prepare("select count(*) from t").pluck().get());
}

/** Resolves when the group has asked for an fsync (at once if one is held). */
function nextSync(): Promise<void> {
  if (held.length > 0) return Promise.resolve();
  return new Promise((resolve) => syncRequested.push(resolve));
}

/** Tracks whether a promise has settled, without awaiting it. */
function settled(p: Promise<unknown>): { readonly done: boolean } {
  const state = { done: false };
  p.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
}

test("a write is answered only after the fsync that follows its commit; a read that saw it waits too", async () => {
  const group = new CommitGroup(raw, { busyTimeoutMs: 1000, sync: heldSync });
  const written = group.run(MemberKind.Write, write(group, "a"));
  const writeState = settled(written);
  await nextSync();
  assert.equal(count(), 1, "committed (visible) before the fsync");
  const read = group.run(MemberKind.Read, () => Promise.resolve(count()));
  const readState = settled(read);
  // Let every pending callback run: neither may settle while the fsync is held.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writeState.done, false);
  assert.equal(readState.done, false);
  held.shift()?.(null);
  await written;
  assert.equal(await read, 1);
});

test("writes that arrive during an fsync commit together after it, with one more fsync", async () => {
  const group = new CommitGroup(raw, { busyTimeoutMs: 1000, sync: heldSync });
  const first = group.run(MemberKind.Write, write(group, "a"));
  await nextSync();
  const commits = group.stats.commits;
  const later = [group.run(MemberKind.Write, write(group, "b")), group.run(MemberKind.Write, write(group, "c"))];
  const laterStates = later.map(settled);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(group.stats.commits, commits, "no COMMIT while the fsync runs");
  held.shift()?.(null);
  await first;
  await nextSync();
  assert.equal(group.stats.commits, commits + 1, "one COMMIT for both");
  assert.equal(held.length, 1, "one fsync for both");
  assert.ok(laterStates.every((s) => !s.done));
  held.shift()?.(null);
  await Promise.all(later);
  assert.equal(count(), 3);
});

test("a failed fsync fails the calls waiting for it and every later call", async () => {
  const group = new CommitGroup(raw, { busyTimeoutMs: 1000, sync: heldSync });
  const written = group.run(MemberKind.Write, write(group, "a"));
  await nextSync();
  held.shift()?.(new Error("EIO"));
  await assert.rejects(written, { code: "OMADM_SRV_STORE_UNAVAILABLE" });
  await assert.rejects(
    group.run(MemberKind.Read, () => Promise.resolve(count())),
    {
      code: "OMADM_SRV_STORE_UNAVAILABLE",
    },
  );
  await group.idle();
});

test("the real WAL fsync: a write resolves, and idle waits for the fsync", async () => {
  const syncer = walSync(join(dir, "g.sqlite-wal"));
  try {
    const group = new CommitGroup(raw, { busyTimeoutMs: 1000, sync: syncer.sync });
    await Promise.all([group.run(MemberKind.Write, write(group, "a")), group.run(MemberKind.Write, write(group, "b"))]);
    await group.idle();
    assert.equal(count(), 2);
  } finally {
    syncer.close();
  }
});
