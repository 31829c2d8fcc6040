// Migration 0010_capabilities: the per-command capability tokens the server puts into the ServerURIs of the
// commands it sends (docs/repository.md "Capability URLs"). Only the token's SHA-256 is stored. Rows go with their
// device (foreign key) and with their command's retention (sql-retention.ts). Idempotent, like every migration.
import { sql, type Kysely, type Migration } from "kysely";

/** The dialect, as migrations.ts names it (not imported from there: it imports this file). */
type Dialect = "sqlite" | "postgres";

export function capabilitiesMigration(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  const time = pg ? ("bigint" as const) : ("integer" as const);
  const key = pg ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("capabilities")
        .ifNotExists()
        .addColumn("token_hash", key, (c) => c.primaryKey())
        .addColumn("device_id", key, (c) => c.notNull().references("devices.id").onDelete("cascade"))
        .addColumn("command_id", "text", (c) => c.notNull())
        .addColumn("session_id", "text")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("created_at", time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("capabilities_by_command")
        .ifNotExists()
        .on("capabilities")
        .columns(["command_id"])
        .execute();
    },
  };
}
