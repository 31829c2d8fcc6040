// The SQLite store runs the shared store contract, each test on a fresh data directory; a "restart" closes
// the store and opens the same omadm.sqlite again. Plus what only a file-backed store has to show.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { ServerErrorCode } from "../src/errors.js";
import { openSqliteStore, SQLITE_FILE_NAME } from "../src/store/sqlite.js";
import { RetainedKind } from "../src/store/types-retention.js";
import { runStoreContract } from "./store-contract.js";
import { rejectsWith, TestClock } from "./store-contract-support.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "omadm-store-"));
}

runStoreContract("sqlite", () => {
  const dir = tempDir();
  return Promise.resolve({
    open: (deps) => openSqliteStore(deps, { dataDir: dir }),
    setNotificationCounter: (value) => {
      const db = new BetterSqlite3(join(dir, SQLITE_FILE_NAME));
      try {
        db.prepare("update counters set value = ? where name = 'notification-id'").run(value);
      } finally {
        db.close();
      }
      return Promise.resolve();
    },
    concurrentNodes: false,
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});

test("sqlite: creates the data directory and omadm.sqlite in WAL mode with synchronous FULL", async () => {
  const dir = join(tempDir(), "nested", "data");
  const store = await openSqliteStore({ clock: new TestClock() }, { dataDir: dir });
  try {
    assert.ok(existsSync(join(dir, SQLITE_FILE_NAME)));
    const db = new BetterSqlite3(join(dir, SQLITE_FILE_NAME), { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      const tables = db.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
      for (const t of ["devices", "commands", "sessions", "alerts", "counters", "repository_items", "api_tokens"]) {
        assert.ok(tables.includes(t), `table ${t}`);
      }
    } finally {
      db.close();
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sqlite: opening twice runs migrations once and keeps the data", async () => {
  const dir = tempDir();
  try {
    const clock = new TestClock();
    const a = await openSqliteStore({ clock }, { dataDir: dir });
    await a.devices.create({ id: "dev" });
    await a.close();
    const b = await openSqliteStore({ clock }, { dataDir: dir, synchronous: "NORMAL" });
    assert.equal((await b.devices.get("dev"))?.id, "dev");
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sqlite: a file that is not a database is refused with STORE_UNAVAILABLE", async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, SQLITE_FILE_NAME), "this is not a database, just text that is long enough".repeat(20));
    await rejectsWith(openSqliteStore({ clock: new TestClock() }, { dataDir: dir }), ServerErrorCode.STORE_UNAVAILABLE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sqlite: a data directory that cannot be created is refused with STORE_UNAVAILABLE", async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, "file"), "");
    await rejectsWith(
      openSqliteStore({ clock: new TestClock() }, { dataDir: join(dir, "file", "sub") }),
      ServerErrorCode.STORE_UNAVAILABLE,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sqlite: a write lock held too long by another process is STORE_UNAVAILABLE, and nothing changes", async () => {
  const dir = tempDir();
  const store = await openSqliteStore({ clock: new TestClock() }, { dataDir: dir, busyTimeoutMs: 20 });
  const other = new BetterSqlite3(join(dir, SQLITE_FILE_NAME));
  try {
    other.exec("begin immediate");
    await rejectsWith(store.devices.create({ id: "dev" }), ServerErrorCode.STORE_UNAVAILABLE);
    other.exec("rollback");
    assert.equal(await store.devices.get("dev"), null);
    await store.devices.create({ id: "dev" });
    assert.equal((await store.devices.get("dev"))?.id, "dev");
  } finally {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sqlite: a new store is in incremental auto-vacuum mode; an older one is converted once when opened", async () => {
  const fresh = tempDir();
  const old = tempDir();
  // A store file made before retention: tables exist, auto_vacuum is NONE (0).
  const legacy = new BetterSqlite3(join(old, SQLITE_FILE_NAME));
  legacy.pragma("journal_mode = WAL");
  legacy.exec("create table leftover (x integer)");
  assert.equal(legacy.pragma("auto_vacuum", { simple: true }), 0);
  legacy.close();
  for (const dir of [fresh, old]) {
    const store = await openSqliteStore({ clock: new TestClock() }, { dataDir: dir });
    await store.close();
    const db = new BetterSqlite3(join(dir, SQLITE_FILE_NAME), { readonly: true });
    try {
      assert.equal(db.pragma("auto_vacuum", { simple: true }), 2, `${dir}: INCREMENTAL`);
    } finally {
      db.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sqlite: after pruning, reclaiming space gives the freed pages back and the file shrinks", async () => {
  const dir = tempDir();
  const clock = new TestClock();
  const store = await openSqliteStore({ clock }, { dataDir: dir });
  try {
    await store.devices.create({ id: "dev" });
    const blob = "x".repeat(2000);
    for (let i = 0; i < 300; i++) await store.alerts.record([{ deviceId: "dev", alertType: "urn:a", data: blob }]);
    await store.transaction(() => Promise.resolve()); // a commit: the WAL is checkpointed below
    const file = join(dir, SQLITE_FILE_NAME);
    // The store's checkpoint worker may be checkpointing at the same moment: SQLite then answers busy at once, and
    // the checkpoint is asked again until it ran whole (bounded).
    const checkpoint = async () => {
      const db = new BetterSqlite3(file);
      try {
        for (let i = 0; i < 200; i++) {
          const [r] = db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
          if (r?.busy === 0) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        throw new Error("the WAL checkpoint stayed busy for 2 s");
      } finally {
        db.close();
      }
    };
    await checkpoint();
    const full = statSync(file).size;
    clock.advance(1);
    while ((await store.retention.prune(RetainedKind.Alerts, clock.now(), 100)) === 100);
    for (let i = 0; i < 10 && (await store.retention.reclaimSpace(100_000)) > 0; i++);
    await checkpoint();
    const after = statSync(file).size;
    assert.ok(after < full / 2, `the file shrank from ${full} to ${after} bytes`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
