// SQL store: bulk import of devices (`DeviceStore.importBatch`), one transaction per batch with a few
// statements per batch rather than per row: the batch's devices and credential owners are read at once, the
// changed devices updated in file order, the new ones inserted together, and their labels replaced together.
// A re-import of the same rows reads and writes nothing but those two reads.
import { sql, type Insertable } from "kysely";
import {
  checkImportBatch,
  checkImportRow,
  credentialClash,
  credentialKeys,
  deviceCredentialKeys,
  importChanges,
  isCheckedRow,
  runsWithoutRepeats,
  type CheckedImportRow,
} from "../device-import-rules.js";
import { applyDevicePatch, newDeviceRecord } from "../device-rules.js";
import { DeviceState, type Device } from "../types.js";
import { ImportOutcome, type DeviceImportResult, type DeviceImportRow } from "../types-import.js";
import { SqlDialect } from "./migrations.js";
import type { DevicesTable } from "./schema.js";
import type { Db, SqlContext } from "./sql-context.js";
import { patchColumns, toDevice } from "./sql-store-devices.js";

/** Rows per multi-row INSERT: 20 columns × 200 rows stays far under SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 200;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Every column of a new device row, so that one multi-row INSERT has the same columns in every row. */
function fullRow(row: CheckedImportRow, now: number): Insertable<DevicesTable> {
  return {
    id: row.id,
    state: DeviceState.Provisioned,
    labels: "{}",
    created_at: now,
    updated_at: now,
    first_contact_at: null,
    last_contact_at: null,
    dev_info: null,
    dev_info_at: null,
    mos: null,
    mos_at: null,
    noti_type: null,
    noti_secret: null,
    noti_auth_data: null,
    notify_address: null,
    http: null,
    http_username: null,
    cert_fingerprint: null,
    psk_identity: null,
    psk_key: null,
    ...patchColumns(row.patch, now),
  };
}

/** The devices that own any of these credential keys (`http:u`, `psk:i`, `cert:f`), by key. */
async function credentialOwners(db: Db, keys: readonly string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  const of = (kind: string) => keys.filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));
  const lists = { http_username: of("http"), psk_identity: of("psk"), cert_fingerprint: of("cert") } as const;
  for (const [column, values] of Object.entries(lists) as [keyof typeof lists, string[]][]) {
    for (const part of chunks(values, 500)) {
      const rows = await db.selectFrom("devices").selectAll().where(column, "in", part).execute();
      for (const r of rows) for (const k of deviceCredentialKeys(toDevice(r))) owners.set(k, r.id);
    }
  }
  return owners;
}

async function importRun(ctx: SqlContext, trx: Db, run: readonly CheckedImportRow[]): Promise<DeviceImportResult[]> {
  const now = ctx.now();
  const ids = run.map((r) => r.id);
  const existing = new Map<string, Device>();
  for (const r of await trx.selectFrom("devices").selectAll().where("id", "in", ids).execute()) {
    existing.set(r.id, toDevice(r));
  }
  const owners = await credentialOwners(
    trx,
    run.flatMap((r) => credentialKeys(r.patch)),
  );
  const results: DeviceImportResult[] = [];
  const inserts: Insertable<DevicesTable>[] = [];
  const labelled: CheckedImportRow[] = [];
  for (const row of run) {
    const { id, patch } = row;
    const clash = credentialKeys(patch)
      .map((k) => owners.get(k))
      .find((o) => o !== undefined && o !== id);
    if (clash !== undefined) {
      results.push(credentialClash(id, clash));
      continue;
    }
    const before = existing.get(id);
    if (before !== undefined && !importChanges(before, patch)) {
      results.push({ id, outcome: ImportOutcome.Unchanged });
      continue;
    }
    const after = applyDevicePatch(before ?? newDeviceRecord(id, DeviceState.Provisioned, now, false), patch, now);
    if (before !== undefined) for (const k of deviceCredentialKeys(before)) owners.delete(k);
    for (const k of deviceCredentialKeys(after)) owners.set(k, id);
    if (before === undefined) {
      inserts.push(fullRow(row, now));
    } else {
      // Updates go first and in file order: a credential one row frees may be taken by a later row.
      await trx.updateTable("devices").set(patchColumns(patch, now)).where("id", "=", id).execute();
    }
    if (patch.labels !== undefined) labelled.push(row);
    results.push({ id, outcome: before === undefined ? ImportOutcome.Created : ImportOutcome.Updated });
  }
  for (const part of chunks(inserts, INSERT_CHUNK)) await trx.insertInto("devices").values(part).execute();
  const relabel = labelled.filter((r) => existing.has(r.id)).map((r) => r.id);
  if (relabel.length > 0) await trx.deleteFrom("device_labels").where("device_id", "in", relabel).execute();
  const labelRows = labelled.flatMap((r) =>
    Object.entries(r.patch.labels ?? {}).map(([name, value]) => ({ device_id: r.id, name, value })),
  );
  for (const part of chunks(labelRows, 500)) await trx.insertInto("device_labels").values(part).execute();
  return results;
}

/** PostgreSQL: the per-device advisory locks of every device in the batch, in one statement and in id order. */
async function lockDevices(ctx: SqlContext, trx: Db, ids: readonly string[]): Promise<void> {
  if (ctx.dialect !== SqlDialect.Postgres || ids.length === 0) return;
  const sorted = [...new Set(ids)].sort();
  await sql`select pg_advisory_xact_lock(hashtext(k)) from (select unnest(${sorted}::text[]) as k order by 1) s`.execute(
    trx,
  );
}

export function createSqlImport(ctx: SqlContext): (rows: readonly DeviceImportRow[]) => Promise<DeviceImportResult[]> {
  return async (rows) => {
    checkImportBatch(rows);
    const checked = rows.map(checkImportRow);
    const good = checked.filter(isCheckedRow);
    const applied = await ctx.transaction(async (trx) => {
      await lockDevices(
        ctx,
        trx,
        good.map((r) => r.id),
      );
      const out: DeviceImportResult[] = [];
      for (const run of runsWithoutRepeats(good)) out.push(...(await importRun(ctx, trx, run)));
      return out;
    });
    let next = 0;
    return checked.map((c) => (isCheckedRow(c) ? (applied[next++] as DeviceImportResult) : c));
  };
}
