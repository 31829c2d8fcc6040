// Migration 0012_campaigns: campaigns and bulk wakes (docs/campaigns.md) and their resolved devices. The
// driver finds its work by (campaign, state, wave) and lists a campaign's devices by id, so those are the
// indexes; a device's rows go with it (cascade). Idempotent, like every migration (migrations.ts).
import { sql, type Kysely, type Migration } from "kysely";

/** The dialect, as migrations.ts names it (not imported from there: it imports this file). */
type Dialect = "sqlite" | "postgres";

export function campaignsMigration(dialect: Dialect): Migration {
  const pg = dialect === "postgres";
  const time = pg ? ("bigint" as const) : ("integer" as const);
  const key = pg ? sql`text collate "C"` : sql`text`;
  const real = pg ? ("double precision" as const) : ("real" as const);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s
        .createTable("campaigns")
        .ifNotExists()
        .addColumn("id", key, (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("steps", "text", (c) => c.notNull())
        .addColumn("plan", "text", (c) => c.notNull())
        .addColumn("device_count", "integer", (c) => c.notNull())
        .addColumn("wave_count", "integer", (c) => c.notNull())
        .addColumn("current_wave", "integer", (c) => c.notNull())
        .addColumn("current_rate", real)
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("updated_at", time, (c) => c.notNull())
        .addColumn("started_at", time)
        .addColumn("ended_at", time)
        .execute();
      await s.createIndex("campaigns_by_state").ifNotExists().on("campaigns").columns(["state", "id"]).execute();
      await s
        .createTable("campaign_devices")
        .ifNotExists()
        .addColumn("campaign_id", key, (c) => c.notNull().references("campaigns.id").onDelete("cascade"))
        .addColumn("device_id", key, (c) => c.notNull().references("devices.id").onDelete("cascade"))
        .addColumn("wave", "integer", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("step", "integer", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("wakes", "integer", (c) => c.notNull())
        .addColumn("command_ids", "text", (c) => c.notNull())
        .addColumn("woken_at", time)
        .addColumn("due_at", time)
        .addColumn("updated_at", time, (c) => c.notNull())
        .addPrimaryKeyConstraint("campaign_devices_pk", ["campaign_id", "device_id"])
        .execute();
      await s
        .createIndex("campaign_devices_by_state")
        .ifNotExists()
        .on("campaign_devices")
        .columns(["campaign_id", "state", "wave", "device_id"])
        .execute();
      await s
        .createIndex("campaign_devices_by_device")
        .ifNotExists()
        .on("campaign_devices")
        .columns(["device_id"])
        .execute();
    },
  };
}
