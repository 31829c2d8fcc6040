// Migration 0008_groups: what device selection needs to stay fast at a million devices (docs/filters.md,
// "Performance"), and saved groups. DevInfo string leaves and MOS MOIDs get side tables indexed by value, so that
// `Mod=X` and `mo:MOID` read an index instead of every device's JSON; state and last contact get indexes of
// their own; and the rows of devices stored before this migration are filled in from their JSON. Idempotent,
// like every migration (migrations.ts).
import { sql, type Kysely, type Migration } from "kysely";
import { SELECTABLE_MAX_LENGTH } from "../../selection/filter-eval.js";

/** The dialect, as migrations.ts names it (not imported from there: it imports this file). */
type Dialect = "sqlite" | "postgres";

/** The column types of migrations.ts that this migration uses. */
function columnTypes(dialect: Dialect) {
  const pg = dialect === "postgres";
  return { time: pg ? ("bigint" as const) : ("integer" as const), key: pg ? sql`text collate "C"` : sql`text` };
}

export function groupsMigration(dialect: Dialect): Migration {
  const ty = columnTypes(dialect);
  const device = "devices.id";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s
        .createTable("device_attributes")
        .ifNotExists()
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("name", ty.key, (c) => c.notNull())
        .addColumn("value", ty.key, (c) => c.notNull())
        .addPrimaryKeyConstraint("device_attributes_pk", ["device_id", "name"])
        .execute();
      await s
        .createIndex("device_attributes_by_value")
        .ifNotExists()
        .on("device_attributes")
        .columns(["name", "value", "device_id"])
        .execute();
      await s
        .createTable("device_mos")
        .ifNotExists()
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("moid", ty.key, (c) => c.notNull())
        .addPrimaryKeyConstraint("device_mos_pk", ["device_id", "moid"])
        .execute();
      await s.createIndex("device_mos_by_moid").ifNotExists().on("device_mos").columns(["moid", "device_id"]).execute();
      await s.createIndex("devices_by_state").ifNotExists().on("devices").columns(["state", "id"]).execute();
      await s
        .createIndex("devices_by_last_contact")
        .ifNotExists()
        .on("devices")
        .columns(["last_contact_at", "id"])
        .execute();

      await s
        .createTable("device_groups")
        .ifNotExists()
        .addColumn("id", ty.key, (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("filter", "text")
        .addColumn("created_at", ty.time, (c) => c.notNull())
        .addColumn("updated_at", ty.time, (c) => c.notNull())
        .execute();
      await s
        .createTable("group_members")
        .ifNotExists()
        .addColumn("group_id", ty.key, (c) => c.notNull().references("device_groups.id").onDelete("cascade"))
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addPrimaryKeyConstraint("group_members_pk", ["group_id", "device_id"])
        .execute();
      await s.createIndex("group_members_by_device").ifNotExists().on("group_members").columns(["device_id"]).execute();

      await backfill(db, dialect);
    },
  };
}

/** Fills the side tables from the JSON of devices stored before 0008 (what `devInfoValues`/`mosMoids` keep). */
async function backfill(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const max = SELECTABLE_MAX_LENGTH;
  if (dialect === "postgres") {
    await sql`insert into device_attributes (device_id, name, value)
      select d.id, j.key, j.value #>> '{}' from devices d,
        jsonb_each(case when strpos(d.dev_info, '\\u0000') > 0 then '{}'
          when jsonb_typeof(d.dev_info::jsonb) = 'object' then d.dev_info::jsonb else '{}' end) j
      where d.dev_info is not null and jsonb_typeof(j.value) = 'string'
        and length(j.key) between 1 and ${max} and length(j.value #>> '{}') <= ${max}
      on conflict do nothing`.execute(db);
    await sql`insert into device_mos (device_id, moid)
      select distinct d.id, e ->> 'MOID' from devices d,
        jsonb_array_elements(case when strpos(d.mos, '\\u0000') > 0 then '[]'
          when jsonb_typeof(d.mos::jsonb) = 'array' then d.mos::jsonb else '[]' end) e
      where d.mos is not null and jsonb_typeof(e -> 'MOID') = 'string'
        and length(e ->> 'MOID') between 1 and ${max}
      on conflict do nothing`.execute(db);
    return;
  }
  await sql`insert into device_attributes (device_id, name, value)
    select d.id, j.key, j.value from devices d, json_each(d.dev_info) j
    where d.dev_info is not null and json_type(d.dev_info) = 'object' and j.type = 'text'
      and length(j.key) between 1 and ${max} and length(j.value) <= ${max} and instr(j.value, char(0)) = 0
    on conflict do nothing`.execute(db);
  await sql`insert into device_mos (device_id, moid)
    select distinct d.id, json_extract(e.value, '$.MOID') from devices d, json_each(d.mos) e
    where d.mos is not null and json_type(d.mos) = 'array' and json_type(e.value, '$.MOID') = 'text'
      and length(json_extract(e.value, '$.MOID')) between 1 and ${max}
    on conflict do nothing`.execute(db);
}
