// Migration 0011_audit: API token scopes (docs/operators.md "Scopes") and the audit log of operator writes
// ("Audit"). Tokens made before scopes existed could do everything, so they become `admin`. Idempotent, like every
// migration (migrations.ts): the column is added only when missing.
import { sql, type Kysely, type Migration } from "kysely";

/** The dialect, as migrations.ts names it (not imported from there: it imports this file). */
type Dialect = "sqlite" | "postgres";

export function auditMigration(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  const time = pg ? ("bigint" as const) : ("integer" as const);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (pg) {
        await sql`alter table api_tokens add column if not exists scope text not null default 'admin'`.execute(db);
      } else {
        const columns = await sql<{ name: string }>`select name from pragma_table_info('api_tokens')`.execute(db);
        if (!columns.rows.some((c) => c.name === "scope")) {
          await sql`alter table api_tokens add column scope text not null default 'admin'`.execute(db);
        }
      }
      const table = db.schema.createTable("audit_log").ifNotExists();
      await (
        pg
          ? table.addColumn("seq", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
          : table.addColumn("seq", "integer", (c) => c.primaryKey().autoIncrement())
      )
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("at", time, (c) => c.notNull())
        .addColumn("token_id", "text")
        .addColumn("token_name", "text")
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("status", "integer", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("audit_log_by_at").ifNotExists().on("audit_log").columns(["at"]).execute();
      await db.schema
        .createIndex("audit_log_by_token")
        .ifNotExists()
        .on("audit_log")
        .columns(["token_id", "seq"])
        .execute();
    },
  };
}
