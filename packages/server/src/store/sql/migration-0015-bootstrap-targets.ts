// Migration 0015_bootstrap_targets: management servers in other deployments that a bootstrap rule may target
// (docs/bootstrap.md "Remote targets"): their SrvID and SrvURI, their REST API and the API token the bootstrap
// server uses there (write-only through the API), and an optional CA for that API's TLS certificate. Idempotent
// like every migration (see migrations.ts).
import { sql, type Kysely, type Migration } from "kysely";

export function bootstrapTargetsMigration(pg: boolean): Migration {
  const time = pg ? ("bigint" as const) : ("integer" as const);
  const key = pg ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("bootstrap_targets")
        .ifNotExists()
        .addColumn("id", key, (c) => c.primaryKey())
        .addColumn("srv_id", "text", (c) => c.notNull())
        .addColumn("srv_uri", "text", (c) => c.notNull())
        .addColumn("api_base_url", "text", (c) => c.notNull())
        .addColumn("token", "text", (c) => c.notNull())
        .addColumn("ca_pem", "text")
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("updated_at", time, (c) => c.notNull())
        .execute();
    },
  };
}
