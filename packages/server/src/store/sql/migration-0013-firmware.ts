// Migration 0013_firmware: the metadata of uploaded firmware images (docs/firmware.md). The images themselves are
// files in the data directory, never rows. Idempotent, like every migration (migrations.ts).
import { sql, type Kysely, type Migration } from "kysely";

/** The dialect, as migrations.ts names it (not imported from there: it imports this file). */
type Dialect = "sqlite" | "postgres";

export function firmwareMigration(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  const time = pg ? ("bigint" as const) : ("integer" as const);
  const key = pg ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("firmware_images")
        .ifNotExists()
        .addColumn("id", key, (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("manufacturer", "text")
        .addColumn("model", "text")
        .addColumn("sha256", "text", (c) => c.notNull())
        // Images may pass 2 GiB: PostgreSQL's integer would not hold the size.
        .addColumn("size", time, (c) => c.notNull())
        .addColumn("created_at", time, (c) => c.notNull())
        .execute();
    },
  };
}
