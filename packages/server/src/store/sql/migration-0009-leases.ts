// Migration 0009_leases: named leases for background jobs that run once per fleet (types-lease.ts). One row
// per lease; a row whose expiry passed is free for anyone and is overwritten, never deleted by a sweep.
// Idempotent like every migration (migrations.ts).
import { sql, type Kysely, type Migration } from "kysely";

export const LEASES_TABLE = "leases";

/** `postgres`: PostgreSQL column types; otherwise SQLite's. */
export function leasesMigration(postgres: boolean): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable(LEASES_TABLE)
        .ifNotExists()
        .addColumn("name", postgres ? sql`text collate "C"` : sql`text`, (c) => c.primaryKey())
        .addColumn("holder", "text", (c) => c.notNull())
        .addColumn("expires_at", postgres ? "bigint" : "integer", (c) => c.notNull())
        .execute();
    },
  };
}
