// Device selection in SQL (docs/filters.md): a filter compiled to one WHERE condition over `devices` and the side
// tables of migration 0008, every value a bound parameter (Kysely builds the query; no text is spliced), and the
// side tables kept in step with a device's DevInfo and MOS. The memory store's evaluator (selection/filter-eval.ts)
// is the reference; the store contract's selection suite holds both to the same answers.
import type { Expression, ExpressionBuilder, SelectQueryBuilder, SqlBool } from "kysely";
import { contactCondition, type DeviceFilter } from "../../selection/filter-ast.js";
import { devInfoValues, mosMoids } from "../../selection/filter-eval.js";
import type { CheckedDevicePatch } from "../device-rules.js";
import { filterOrThrow, groupNotFound } from "../group-rules.js";
import { GroupKind, type DeviceSelection } from "../types-selection.js";
import { chunksOf } from "./chunks.js";
import { prepared, preparedRows } from "./prepared.js";
import type { Db } from "./sql-context.js";
import type { Database } from "./schema.js";

type DeviceEb = ExpressionBuilder<Database, "devices">;

/**
 * How a side-table term is put to the database. Both give the same rows; they differ in the plan they lead to.
 * `probe`: a correlated EXISTS, one index seek per device row, so a page walks the devices in id order and stops
 * after `limit` matches (the cost grows with page size / selectivity). `set`: `devices.id IN (subquery)`, the
 * matching ids read once from the value index (what a count over the whole selection wants).
 */
export type SelectionPlan = "probe" | "set";

type SideTable = "device_labels" | "device_attributes" | "device_mos" | "group_members";

/** `devices.id` has a row in `table` meeting `where` (which never sees NULLs, so `not` of it is exact). */
function member(
  eb: DeviceEb,
  plan: SelectionPlan,
  table: SideTable,
  where: (
    q: SelectQueryBuilder<Database, SideTable, { device_id: string }>,
  ) => SelectQueryBuilder<Database, SideTable, { device_id: string }>,
): Expression<SqlBool> {
  const base = eb.selectFrom(table).select(`${table}.device_id` as "device_id");
  if (plan === "set") return eb("devices.id", "in", where(base));
  return eb.exists(where(base.whereRef(`${table}.device_id` as "device_id", "=", "devices.id")));
}

/** The condition a filter puts on a `devices` row at time `now`. */
export function filterCondition(
  eb: DeviceEb,
  f: DeviceFilter,
  now: number,
  plan: SelectionPlan = "probe",
): Expression<SqlBool> {
  switch (f.kind) {
    case "and":
      return eb.and(f.items.map((i) => filterCondition(eb, i, now, plan)));
    case "or":
      return eb.or(f.items.map((i) => filterCondition(eb, i, now, plan)));
    case "not":
      return eb.not(filterCondition(eb, f.item, now, plan));
    case "label":
      return member(eb, plan, "device_labels", (q) => {
        const named = q.where("name", "=", f.name);
        return f.value === undefined ? named : named.where("value", "=", f.value);
      });
    case "mo":
      return member(eb, plan, "device_mos", (q) => q.where("moid", "=", f.moid));
    case "devinfo":
      return member(eb, plan, "device_attributes", (q) => q.where("name", "=", f.field).where("value", "=", f.value));
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
  plan: SelectionPlan,
): Promise<((eb: DeviceEb) => Expression<SqlBool>)[]> {
  const out: ((eb: DeviceEb) => Expression<SqlBool>)[] = [];
  const { state, labels, filter, group } = selection;
  if (state !== undefined) out.push((eb) => eb("devices.state", "=", state));
  for (const [name, value] of Object.entries(labels ?? {})) {
    out.push((eb) => filterCondition(eb, { kind: "label", name, value }, now, plan));
  }
  if (filter !== undefined) out.push((eb) => filterCondition(eb, filter, now, plan));
  if (group !== undefined) {
    const row = await db
      .selectFrom("device_groups")
      .select(["kind", "filter"])
      .where("id", "=", group)
      .executeTakeFirst();
    if (row === undefined) throw groupNotFound(group);
    if (row.kind === GroupKind.Static) {
      out.push((eb) => member(eb, plan, "group_members", (q) => q.where("group_id", "=", group)));
    } else {
      const stored = filterOrThrow(row.filter ?? "");
      out.push((eb) => filterCondition(eb, stored, now, plan));
    }
  }
  return out;
}

const deleteAttributes = prepared((db, p: { id: string }) =>
  db.deleteFrom("device_attributes").where("device_id", "=", p.id),
);
const insertAttributes = preparedRows<{ device_id: string; name: string; value: string }, never>(
  ["device_id", "name", "value"],
  (db, rows) => db.insertInto("device_attributes").values(rows),
);
const deleteMos = prepared((db, p: { id: string }) => db.deleteFrom("device_mos").where("device_id", "=", p.id));
const insertMos = preparedRows<{ device_id: string; moid: string }, never>(["device_id", "moid"], (db, rows) =>
  db.insertInto("device_mos").values(rows),
);

/**
 * Which of a device's side tables may hold rows before a write: only what was derived from a stored DevInfo or
 * MOS text, so none where that text is NULL (a device that never reported one).
 */
export interface StoredTexts {
  readonly devInfo: boolean;
  readonly mos: boolean;
}

const BOTH: StoredTexts = { devInfo: true, mos: true };

/**
 * Rewrites a device's side-table rows for the DevInfo and MOS the patch sets (inside the caller's transaction),
 * with prepared statements: a device's first Package#1 and its first DevInfo GET both come here, and its rows
 * are only inserted then (`stored` says nothing was derived before: no DELETE).
 */
export async function syncSelectionTables(
  db: Db,
  id: string,
  patch: Pick<CheckedDevicePatch, "devInfo" | "mos">,
  stored: StoredTexts = BOTH,
): Promise<void> {
  if (patch.devInfo !== undefined) {
    if (stored.devInfo) await deleteAttributes.run(db, { id });
    const rows = [...devInfoValues(patch.devInfo)].map(([name, value]) => ({ device_id: id, name, value }));
    for (const chunk of chunksOf(rows)) await insertAttributes(db, chunk);
  }
  if (patch.mos !== undefined) {
    if (stored.mos) await deleteMos.run(db, { id });
    const rows = mosMoids(patch.mos).map((moid) => ({ device_id: id, moid }));
    for (const chunk of chunksOf(rows)) await insertMos(db, chunk);
  }
}
