// Migration 0019: fewer index writes on the DM session path. Every index on a table is one more b-tree
// written by each INSERT, and by each UPDATE that changes one of its columns; the session path inserts three
// commands, a session and an alert per session, and moves each command twice.
// - sessions_by_device (device_id, created_at) is a prefix of sessions_by_device_created (device_id, created_at,
//   id): every query it served, the longer one serves. Dropped.
// - Indexes on a column that is null for most of a row's life become partial (`where <column> is not null`):
//   a queued command has no session and no completion time and usually no expiry, an open session no end. Their
//   only readers compare the column (`session_id = ?`, `completed_at < ?`, `expires_at <= ?`, `ended_at < ?`),
//   which implies it is not null, so SQLite and PostgreSQL still read them (a page still costs O(page size)).
// Idempotent like every migration: each index is dropped if present and created again, partial.
import { sql, type Kysely, type Migration } from "kysely";

const PARTIAL: readonly (readonly [name: string, table: string, columns: string, notNull: string])[] = [
  ["commands_by_session", "commands", "session_id, state, seq", "session_id"],
  ["commands_completed", "commands", "completed_at", "completed_at"],
  ["commands_expiry", "commands", "state, expires_at", "expires_at"],
  ["sessions_ended", "sessions", "ended_at", "ended_at"],
];

export function sessionPathIndexesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("sessions_by_device").ifExists().execute();
      for (const [name, table, columns, notNull] of PARTIAL) {
        await db.schema.dropIndex(name).ifExists().execute();
        await sql
          .raw(`create index if not exists ${name} on ${table} (${columns}) where ${notNull} is not null`)
          .execute(db);
      }
    },
  };
}
