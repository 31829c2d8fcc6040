// Migration 0005_bootstrap: the bootstrap role's tables (docs/bootstrap.md). Idempotent like 0001 (see
// migrations.ts). No foreign key to devices: a device is bootstrapped before the registry knows it, and the
// target server may be another deployment.
import { sql, type Kysely, type Migration } from "kysely";

/** `pg`: PostgreSQL column types (bigint times, identity seq, "C" collation), else SQLite's. */
export function bootstrapMigration(pg: boolean): Migration {
  const time = pg ? ("bigint" as const) : ("integer" as const);
  const key = pg ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s
        .createTable("bootstrap_credentials")
        .ifNotExists()
        .addColumn("id", key, (c) => c.primaryKey())
        .addColumn("sec_mode", "integer", (c) => c.notNull())
        .addColumn("psk_identity", "text", (c) => c.unique())
        .addColumn("psk_key", "text")
        .addColumn("cert_fingerprint", "text", (c) => c.unique())
        .addColumn("device_id", "text")
        .addColumn("dev_id_pattern", "text")
        .addColumn("labels", "text", (c) => c.notNull())
        .addColumn("noti_secret", "text")
        .addColumn("created_at", time, (c) => c.notNull())
        .execute();
      await s
        .createTable("bootstrap_rules")
        .ifNotExists()
        .addColumn("id", key, (c) => c.primaryKey())
        .addColumn("priority", "integer", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("updated_at", time, (c) => c.notNull())
        .execute();
      await s
        .createTable("bootstrap_assignments")
        .ifNotExists()
        .addColumn("device_id", key, (c) => c.primaryKey())
        .addColumn("rule_id", "text", (c) => c.notNull().references("bootstrap_rules.id").onDelete("cascade"))
        .execute();
      await s
        .createTable("bootstrap_provisions")
        .ifNotExists()
        .addColumn("seq", pg ? "bigint" : "integer", (c) =>
          pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("device_id", key, (c) => c.notNull())
        .addColumn("credential_id", "text", (c) => c.notNull())
        .addColumn("rule_id", "text", (c) => c.notNull())
        .addColumn("session_hash", "text", (c) => c.notNull().unique())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("targets", "text", (c) => c.notNull())
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("expires_at", time, (c) => c.notNull())
        .addColumn("completed_at", time)
        .execute();
      await s
        .createIndex("bootstrap_provisions_by_device")
        .ifNotExists()
        .on("bootstrap_provisions")
        .columns(["device_id", "seq"])
        .execute();
      await s
        .createTable("bootstrap_capabilities")
        .ifNotExists()
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("provision_id", "text", (c) => c.notNull().references("bootstrap_provisions.id").onDelete("cascade"))
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("payload", "text")
        .addColumn("expires_at", time, (c) => c.notNull())
        .execute();
      await s
        .createIndex("bootstrap_capabilities_by_provision")
        .ifNotExists()
        .on("bootstrap_capabilities")
        .columns(["provision_id"])
        .execute();
    },
  };
}
