// Migration 0003: the delivery policy of each command (docs/delivery.md) and the indexes retention prunes by
// (docs/operations.md "Retention"). Idempotent like every migration (migrations.ts): SQLite has no
// `add column if not exists`, so the columns present are read first.
import { sql, type Kysely, type Migration } from "kysely";

const COLUMNS: readonly { readonly name: string; readonly definition: string }[] = [
  // Existing commands get their command's default policy (delivery-rules.ts) just below.
  { name: "delivery", definition: "text not null default 'at-least-once'" },
  { name: "max_deliveries", definition: "integer not null default 3" },
  { name: "reason", definition: "text" },
];

/** Retention deletes oldest first by the time a record finished (sql-retention.ts). */
const INDEXES: readonly { readonly name: string; readonly table: string; readonly column: string }[] = [
  { name: "sessions_ended", table: "sessions", column: "ended_at" },
  { name: "commands_completed", table: "commands", column: "completed_at" },
  { name: "alerts_received", table: "alerts", column: "received_at" },
  { name: "notifications_sent", table: "notifications", column: "sent_at" },
  { name: "uploads_received", table: "uploads", column: "received_at" },
  { name: "ui_sessions_created", table: "ui_sessions", column: "created_at" },
];

async function existingColumns(db: Kysely<unknown>, postgres: boolean): Promise<Set<string>> {
  if (postgres) {
    const { rows } = await sql<{ column_name: string }>`
      select column_name from information_schema.columns
      where table_schema = current_schema() and table_name = 'commands'`.execute(db);
    return new Set(rows.map((r) => r.column_name));
  }
  const { rows } = await sql<{ name: string }>`pragma table_info(commands)`.execute(db);
  return new Set(rows.map((r) => r.name));
}

/** `postgres`: the dialect is PostgreSQL (else SQLite). */
export function delivery(postgres: boolean): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const present = await existingColumns(db, postgres);
      for (const column of COLUMNS) {
        if (present.has(column.name)) continue;
        await sql.raw(`alter table commands add column ${column.name} ${column.definition}`).execute(db);
        if (column.name === "delivery") {
          // EXEC, HPOST and SHOW run at most once (delivery-rules.ts); only rows just given the default change.
          await sql`update commands set delivery = 'at-most-once' where name in ('EXEC', 'HPOST', 'SHOW')`.execute(db);
        }
      }
      await sql`update commands set max_deliveries = 1 where delivery = 'at-most-once'`.execute(db);
      for (const index of INDEXES) {
        await db.schema.createIndex(index.name).ifNotExists().on(index.table).column(index.column).execute();
      }
    },
  };
}
