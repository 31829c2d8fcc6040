// The SQLite store's statement timer (`bench:server --statements`): off by default, it counts nothing; switched
// on, every statement the store runs — the commit group's BEGIN and COMMIT included — is counted per SQL text
// with its time; switched off, the figures stay and nothing more is added.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { byShortSql, shortSql } from "../bench/statement-report.js";
import { openSqliteStore, sqliteStatementTimes, sqliteStoreStatistics } from "../src/store/sqlite.js";
import { TestClock } from "./store-contract-support.js";

test("sqlite statement times: off by default; on, each SQL text's runs and time, BEGIN and COMMIT included", async () => {
  const dir = mkdtempSync(join(tmpdir(), "omadm-times-"));
  const store = await openSqliteStore({ clock: new TestClock() }, { dataDir: dir });
  try {
    const times = sqliteStatementTimes(store);
    assert.ok(times !== null);
    assert.equal(times.on, false);
    await store.devices.create({ id: "dev-0" });
    assert.deepEqual(times.figures(), []);

    times.switch(true);
    const before = sqliteStoreStatistics(store)?.statements ?? 0;
    for (let i = 1; i <= 3; i++) await store.devices.create({ id: `dev-${i}` });
    await store.devices.get("dev-1");
    const ran = (sqliteStoreStatistics(store)?.statements ?? 0) - before;
    times.switch(false);

    const figures = times.figures();
    const count = (pattern: RegExp) => figures.filter((f) => pattern.test(f.sql)).reduce((n, f) => n + f.count, 0);
    assert.equal(count(/^insert into "devices"/), 3);
    assert.equal(count(/^begin immediate$/), 3);
    assert.equal(count(/^commit$/), 3);
    // Every statement the store counted was timed, each once.
    assert.equal(
      figures.reduce((n, f) => n + f.count, 0),
      ran,
    );
    assert.ok(figures.every((f) => f.totalUs > 0));
    // The longest run is one of the runs: at most their sum, at least their mean.
    assert.ok(figures.every((f) => f.maxUs <= f.totalUs && f.maxUs >= f.totalUs / f.count - 1e-9));
    // Most total time first.
    assert.deepEqual(
      figures.map((f) => f.totalUs),
      [...figures.map((f) => f.totalUs)].sort((a, b) => b - a),
    );

    await store.devices.create({ id: "dev-9" });
    assert.deepEqual(times.figures(), figures, "switched off: nothing more is added");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sqlite statement times: the bench prints each SQL text on one short line", () => {
  assert.equal(
    shortSql(
      'update "commands" set "state" = case "id" when ? then ? when ? then ? when ? then ? end where "id" in (?, ?, ?)',
    ),
    "update commands set state = case id when ? then ? … end where id in (?, …)",
  );
  assert.equal(shortSql("insert into t (a, b) values (?, ?), (?, ?), (?, ?)"), "insert into t (a, b) values (?, ?), …");
  assert.equal(shortSql("select   *\n from t", 8), "select …");
});

test("sqlite statement times: the bench sums the SQL texts that read the same once shortened (and keeps the longest run)", () => {
  const merged = byShortSql([
    { sql: "insert into e (a) values (?), (?)", count: 2, totalUs: 10, maxUs: 6 },
    { sql: "select 1", count: 5, totalUs: 20, maxUs: 4 },
    { sql: "insert into e (a) values (?), (?), (?)", count: 1, totalUs: 15, maxUs: 15 },
  ]);
  assert.deepEqual(merged, [
    { sql: "insert into e (a) values (?), …", count: 3, totalUs: 25, maxUs: 15 },
    { sql: "select 1", count: 5, totalUs: 20, maxUs: 4 },
  ]);
});
