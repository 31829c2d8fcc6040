// Migration 0020's indexes (migration-0020-lean-session-indexes.ts): the replaced ones are gone, and each
// reader the migration names still reads an index — checked with SQLite's EXPLAIN QUERY PLAN on the statements
// as the store runs them (a state named as a literal where the store names it so), and on PostgreSQL in its
// catalog. A page or a sweep batch that read the whole table would show as a SCAN.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore, SQLITE_FILE_NAME } from "../src/store/sqlite.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { TestClock } from "./store-contract-support.js";

const postgres = await requirePostgres();

/** The index definitions (CREATE INDEX text, lowercased) of a table, by name. */
function sqliteIndexes(db: BetterSqlite3.Database, table: string): Map<string, string> {
  const rows = db
    .prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null")
    .all(table) as { name: string; sql: string }[];
  return new Map(rows.map((r) => [r.name, r.sql.toLowerCase().replace(/"/g, "")]));
}

function plan(db: BetterSqlite3.Database, sql: string, ...params: unknown[]): string {
  const rows = db.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[];
  return rows.map((r) => r.detail).join("; ");
}

test("sqlite: migration 0020's indexes, and every reader it names reads one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "omadm-indexes-"));
  try {
    await (await openSqliteStore({ clock: new TestClock() }, { dataDir: dir })).close();
    const db = new BetterSqlite3(join(dir, SQLITE_FILE_NAME), { readonly: true });
    try {
      const sessions = sqliteIndexes(db, "sessions");
      const commands = sqliteIndexes(db, "commands");
      assert.equal(sessions.has("sessions_idle"), false);
      assert.match(sessions.get("sessions_open_idle") ?? "", /\(status, idle_expires_at\) where status = 'open'$/);
      assert.match(commands.get("commands_by_session") ?? "", /\(session_id, seq\) where session_id is not null$/);
      assert.match(
        commands.get("commands_expiry") ?? "",
        /\(state, expires_at\) where state = 'queued' and expires_at is not null$/,
      );
      const queue = commands.get("commands_queue") ?? "";
      assert.match(queue, /\(device_id, state, seq\) where state = 'queued' or state = 'sent' or /);
      assert.doesNotMatch(queue, /'done'/);

      const uses = (index: string, sql: string, ...params: unknown[]) => {
        const p = plan(db, sql, ...params);
        assert.match(p, new RegExp(`USING (COVERING )?INDEX ${index}\\b`), `${sql}\n→ ${p}`);
        assert.doesNotMatch(p, /\bSCAN (commands|sessions)\b/, `${sql}\n→ ${p}`);
      };
      // The idle sweep and the fleet gauge (sql-store-sessions.ts).
      uses(
        "sessions_open_idle",
        "select id, device_id from sessions where status = 'open' and idle_expires_at <= ? order by idle_expires_at limit 50",
        1,
      );
      uses("sessions_open_idle", "select count(*) from sessions where status = 'open' and idle_expires_at > ?", 1);
      // The next batch, a device's overdue commands, an asynchronous completion (sqlite-take-batch.ts,
      // sql-store-commands.ts).
      uses(
        "commands_queue",
        "select * from commands where device_id = ? and state = 'queued' order by seq limit 20",
        "d",
      );
      uses(
        "commands_queue",
        "update commands set state = 'expired' where device_id = ? and state = 'queued' and +expires_at <= ?",
        "d",
        1,
      );
      uses(
        "commands_queue",
        "select * from commands where device_id = ? and state = 'accepted' and async_source_uri = ? order by seq limit 1",
        "d",
        "u",
      );
      // A device's commands in one state, listed (the state bound, as commands.list binds it).
      uses(
        "commands_queue",
        "select * from commands where device_id = ? and state = ? order by seq limit 51",
        "d",
        "failed",
      );
      uses(
        "commands_by_device",
        "select * from commands where device_id = ? and state = ? order by seq limit 51",
        "d",
        "done",
      );
      // What a session has in flight (the close's requeue) and a session's commands, listed.
      uses("commands_by_session", "select * from commands where session_id = ? and state = 'sent' order by seq", "s");
      uses("commands_by_session", "select * from commands where session_id = ? order by seq limit 51", "s");
      // The expiry sweep's batch of keys.
      uses(
        "commands_expiry",
        "select seq from commands where state = 'queued' and expires_at <= ? order by expires_at limit 50",
        1,
      );
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "postgres: migration 0020's indexes (commands_queue stays whole there)",
  skipUnlessAvailable(postgres),
  async () => {
    const url = serviceUrl(postgres);
    const schema = `omadm_test_${process.pid}_${randomBytes(6).toString("hex")}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await (await openPostgresStore({ clock: new TestClock() }, { connectionString: url, schema })).close();
      const { rows } = await client.query<{ indexname: string; indexdef: string }>(
        "select indexname, indexdef from pg_indexes where schemaname = $1 and tablename in ('sessions', 'commands')",
        [schema],
      );
      const defs = new Map(rows.map((r) => [r.indexname, r.indexdef]));
      // No index on what a session save changes: the save is a HOT update.
      assert.equal(defs.has("sessions_idle"), false);
      assert.equal(defs.has("sessions_open_idle"), false);
      assert.match(defs.get("commands_by_session") ?? "", /\(session_id, seq\) WHERE \(session_id IS NOT NULL\)$/);
      assert.match(defs.get("commands_expiry") ?? "", /\(state, expires_at\) WHERE \(\(state = 'queued'::text\) AND /);
      assert.match(defs.get("commands_queue") ?? "", /\(device_id, state, seq\)$/);
    } finally {
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  },
);
