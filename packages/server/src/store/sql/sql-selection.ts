// Device selection in SQL (docs/filters.md): a filter compiled to one WHERE condition over `devices` and the side
// tables of migration 0008, every value a bound parameter (Kysely builds the query; no text is spliced), and the
// side tables kept in step with a device's DevInfo and MOS. The memory store's evaluator (selection/filter-eval.ts)
// is the reference; the store contract's selection suite holds both to the same answers.
import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { contactCondition, type DeviceFilter } from "../../selection/filter-ast.js";
import { devInfoValues, mosMoids } from "../../selection/filter-eval.js";
import type { CheckedDevicePatch } from "../device-rules.js";
import { filterOrThrow, groupNotFound } from "../group-rules.js";
import { GroupKind, type DeviceSelection } from "../types-selection.js";
import type { Db } from "./sql-context.js";
import type { Database } from "./schema.js";

type DeviceEb = ExpressionBuilder<Database, "devices">;

/** The condition a filter puts on a `devices` row at time `now`. */
export function filterCondition(eb: DeviceEb, f: DeviceFilter, now: number): Expression<SqlBool> {
  switch (f.kind) {
    case "and":
      return eb.and(f.items.map((i) => filterCondition(eb, i, now)));
    case "or":
      return eb.or(f.items.map((i) => filterCondition(eb, i, now)));
    case "not":
      return eb.not(filterCondition(eb, f.item, now));
    case "label": {
      // `devices.id IN (…)`: the subquery reads the (name, value) index; no NULLs, so NOT IN is exact.
      let q = eb.selectFrom("device_labels").select("device_labels.device_id").where("device_labels.name", "=", f.name);
      if (f.value !== undefined) q = q.where("device_labels.value", "=", f.value);
      return eb("devices.id", "in", q);
    }
    case "mo":
      return eb(
        "devices.id",
        "in",
        eb.selectFrom("device_mos").select("device_mos.device_id").where("device_mos.moid", "=", f.moid),
      );
    case "devinfo":
      return eb(
        "devices.id",
        "in",
        eb
          .selectFrom("device_attributes")
          .select("device_attributes.device_id")
          .where("device_attributes.name", "=", f.field)
          .where("device_attributes.value", "=", f.value),
      );
    case "state":
      return eb("devices.state", "=", f.state);
    case "id":
      return eb("devices.id", "=", f.id);
    case "lastContact": {
      // Never contacted (NULL) matches no comparison, and `not` of one must then be true: no NULL may escape.
      const { op, ms } = contactCondition(f, now);
      return eb.and([eb("devices.last_contact_at", "is not", null), eb("devices.last_contact_at", op, ms)]);
    }
  }
}

/**
 * The conditions of a selection, the group resolved first (GROUP_NOT_FOUND): a static group by its member rows, a
 * dynamic one by its stored filter.
 */
export async function selectionConditions(
  db: Db,
  selection: DeviceSelection,
  now: number,
): Promise<((eb: DeviceEb) => Expression<SqlBool>)[]> {
  const out: ((eb: DeviceEb) => Expression<SqlBool>)[] = [];
  const { state, labels, filter, group } = selection;
  if (state !== undefined) out.push((eb) => eb("devices.state", "=", state));
  for (const [name, value] of Object.entries(labels ?? {})) {
    out.push((eb) => filterCondition(eb, { kind: "label", name, value }, now));
  }
  if (filter !== undefined) out.push((eb) => filterCondition(eb, filter, now));
  if (group !== undefined) {
    const row = await db
      .selectFrom("device_groups")
      .select(["kind", "filter"])
      .where("id", "=", group)
      .executeTakeFirst();
    if (row === undefined) throw groupNotFound(group);
    if (row.kind === GroupKind.Static) {
      out.push((eb) =>
        eb(
          "devices.id",
          "in",
          eb.selectFrom("group_members").select("group_members.device_id").where("group_members.group_id", "=", group),
        ),
      );
    } else {
      const stored = filterOrThrow(row.filter ?? "");
      out.push((eb) => filterCondition(eb, stored, now));
    }
  }
  return out;
}

/** Rows per INSERT: well under SQLite's bound-parameter limit. */
const CHUNK = 300;

/** Rewrites a device's side-table rows for the DevInfo and MOS the patch sets (inside the caller's transaction). */
export async function syncSelectionTables(db: Db, id: string, patch: CheckedDevicePatch): Promise<void> {
  if (patch.devInfo !== undefined) {
    await db.deleteFrom("device_attributes").where("device_id", "=", id).execute();
    const rows = [...devInfoValues(patch.devInfo)].map(([name, value]) => ({ device_id: id, name, value }));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await db
        .insertInto("device_attributes")
        .values(rows.slice(i, i + CHUNK))
        .execute();
    }
  }
  if (patch.mos !== undefined) {
    await db.deleteFrom("device_mos").where("device_id", "=", id).execute();
    const rows = mosMoids(patch.mos).map((moid) => ({ device_id: id, moid }));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await db
        .insertInto("device_mos")
        .values(rows.slice(i, i + CHUNK))
        .execute();
    }
  }
}
