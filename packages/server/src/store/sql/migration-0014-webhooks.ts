// Migration 0014_webhooks: webhook subscriptions with their delivery cursor, and their dead letters
// (store/types-webhooks.ts). Dead letters are keyed by (webhook, event id) and copy the event, since the event
// log prunes old events. Idempotent like every migration.
import { sql, type Kysely, type Migration } from "kysely";

export const WEBHOOKS_TABLE = "webhooks";
export const DEAD_LETTERS_TABLE = "webhook_dead_letters";

/** `postgres`: PostgreSQL column types; otherwise SQLite's. */
export function webhooksMigration(postgres: boolean): Migration {
  const time = postgres ? "bigint" : "integer";
  const key = postgres ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable(WEBHOOKS_TABLE)
        .ifNotExists()
        .addColumn("id", key, (c) => c.primaryKey())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("kinds", "text", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull())
        .addColumn("secret", "text", (c) => c.notNull())
        .addColumn("cursor", time, (c) => c.notNull())
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("updated_at", time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable(DEAD_LETTERS_TABLE)
        .ifNotExists()
        .addColumn("webhook_id", key, (c) => c.notNull())
        .addColumn("event_id", time, (c) => c.notNull())
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("last_error", "text", (c) => c.notNull())
        .addColumn("failed_at", time, (c) => c.notNull())
        .addPrimaryKeyConstraint("webhook_dead_letters_pk", ["webhook_id", "event_id"])
        .execute();
    },
  };
}
