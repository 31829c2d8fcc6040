// Migration 0007_events: the server event log (events/event-types.ts). `id` is the auto-increment key SSE
// clients resume from (`Last-Event-ID`), so it is never reused: SQLite AUTOINCREMENT, PostgreSQL identity. No
// foreign keys: an event outlives the device, session or command it names. Idempotent like every migration.
import { sql, type Kysely, type Migration } from "kysely";

export const EVENTS_TABLE = "server_events";

/** `postgres`: PostgreSQL column types; otherwise SQLite's. */
export function eventsMigration(postgres: boolean): Migration {
  const pg = postgres;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      let table = db.schema.createTable(EVENTS_TABLE).ifNotExists();
      table = pg
        ? table.addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
        : table.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
      await table
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("device_id", pg ? sql`text collate "C"` : sql`text`)
        .addColumn("session_id", "text")
        .addColumn("command_id", "text")
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("at", pg ? "bigint" : "integer", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("server_events_device")
        .ifNotExists()
        .on(EVENTS_TABLE)
        .columns(["device_id", "id"])
        .execute();
    },
  };
}
