// Migration 0016_console_sign_ins: the web console's sign-ins (docs/console.md "Signing in"), so that every server
// node on the database knows a cookie and a restart keeps it. Keyed by the SHA-256 of the cookie's secret (the
// secret itself is never stored); `ends_at` (idle or absolute end, whichever is sooner) serves the retention's
// bounded deletes of ended sign-ins, `token_id` a token's revocation. Idempotent like every migration
// (migrations.ts).
import { sql, type Kysely, type Migration } from "kysely";

/** `postgres`: PostgreSQL column types; otherwise SQLite's. */
export function consoleSignInsMigration(postgres: boolean): Migration {
  const time = postgres ? ("bigint" as const) : ("integer" as const);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("console_sign_ins")
        .ifNotExists()
        .addColumn("secret_hash", postgres ? sql`text collate "C"` : sql`text`, (c) => c.primaryKey())
        .addColumn("token_id", "text")
        .addColumn("token_hash", "text")
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("last_seen_at", time, (c) => c.notNull())
        .addColumn("expires_at", time, (c) => c.notNull())
        .addColumn("ends_at", time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("console_sign_ins_by_end")
        .ifNotExists()
        .on("console_sign_ins")
        .columns(["ends_at"])
        .execute();
      await db.schema
        .createIndex("console_sign_ins_by_token")
        .ifNotExists()
        .on("console_sign_ins")
        .columns(["token_id"])
        .execute();
    },
  };
}
