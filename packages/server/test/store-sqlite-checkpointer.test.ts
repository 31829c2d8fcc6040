// WAL checkpoints in a worker thread (sqlite-checkpointer.ts), on a real SQLite file: the store's connection
// keeps only the backstop, a commit's request is carried out by the worker (the database file takes the pages
// while the WAL is far below SQLite's own checkpoint size), and a worker that cannot run gives the automatic
// checkpoint back to the store's connection.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { BACKSTOP_AUTOCHECKPOINT_PAGES, checkpointOffTheLoop } from "../src/store/sql/sqlite-checkpointer.js";

let dir: string;
let file: string;
let raw: BetterSqlite3.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "omadm-checkpoint-"));
  file = join(dir, "c.sqlite");
  raw = new BetterSqlite3(file);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.exec("create table t (k integer primary key, v blob)");
});

afterEach(() => {
  raw.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a commit's checkpoint request is carried out by the worker; the connection keeps only the backstop", async () => {
  let checkpointed: (error: string | null) => void = () => undefined;
  const outcome = new Promise<string | null>((resolve) => (checkpointed = resolve));
  const checkpointer = checkpointOffTheLoop(raw, file, {
    intervalMs: 10,
    onCheckpoint: (e) => {
      checkpointed(e);
    },
  });
  try {
    assert.equal(raw.pragma("wal_autocheckpoint", { simple: true }), BACKSTOP_AUTOCHECKPOINT_PAGES);
    const before = statSync(file).size;
    // 256 KiB: about 64 pages, far below the 1,000 at which SQLite itself would checkpoint.
    raw.prepare("insert into t (v) values (?)").run(Buffer.alloc(256 * 1024, 7));
    assert.equal(statSync(file).size, before, "nothing reaches the database file before a checkpoint");
    checkpointer.afterCommit();
    assert.equal(await outcome, null);
    assert.ok(statSync(file).size >= before + 256 * 1024, "the worker copied the pages into the database file");
  } finally {
    await checkpointer.close();
  }
});

test("a worker that cannot open the file hands the automatic checkpoint back to the connection", async () => {
  let failed: () => void = () => undefined;
  const failure = new Promise<void>((resolve) => (failed = resolve));
  const checkpointer = checkpointOffTheLoop(raw, join(dir, "missing", "x.sqlite"), {
    intervalMs: 10,
    onFailure: () => {
      failed();
    },
  });
  assert.equal(raw.pragma("wal_autocheckpoint", { simple: true }), BACKSTOP_AUTOCHECKPOINT_PAGES);
  checkpointer.afterCommit(); // the worker starts at the first commit
  await failure;
  assert.equal(raw.pragma("wal_autocheckpoint", { simple: true }), 1000);
  await checkpointer.close();
});
