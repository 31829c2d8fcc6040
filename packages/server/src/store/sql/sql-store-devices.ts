// SQL store: the device registry.
import type { Insertable, Selectable } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { checkDevicePatch, checkNewDevice, mergeDevInfo, stateAfterContact, stateAfterPatch } from "../device-rules.js";
import type { CheckedDevicePatch } from "../device-rules.js";
import { decodeCursor, deviceNotFound, fromJsonText, fromJsonTextOrNull, pageLimit, requireText } from "../rules.js";
import { toJsonText, toPage } from "../rules.js";
import type { DeviceStore } from "../store.js";
import { DeviceState, type Device, type HttpCredentials, type MosInventoryEntry } from "../types.js";
import type { NotificationAddress } from "../types.js";
import { SqlDialect } from "./migrations.js";
import { prepared, preparedBy } from "./prepared.js";
import { fromBuffer, onUniqueViolation, toBuffer, type Db, type SqlContext } from "./sql-context.js";
import type { DevicesTable } from "./schema.js";
import { selectionConditions, syncSelectionTables, type StoredTexts } from "./sql-selection.js";

type DeviceRow = Selectable<DevicesTable>;

export function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    state: row.state as DeviceState,
    labels: fromJsonText(row.labels) as Record<string, string>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    firstContactAt: row.first_contact_at,
    lastContactAt: row.last_contact_at,
    devInfo: fromJsonTextOrNull(row.dev_info),
    devInfoAt: row.dev_info_at,
    mos: row.mos === null ? null : (fromJsonText(row.mos) as unknown as MosInventoryEntry[]),
    mosAt: row.mos_at,
    notification:
      row.noti_type === null || row.noti_secret === null || row.noti_auth_data === null
        ? null
        : { type: row.noti_type, secret: fromBuffer(row.noti_secret), authData: fromBuffer(row.noti_auth_data) },
    notifyAddress: row.notify_address === null ? null : (fromJsonText(row.notify_address) as NotificationAddress),
    http: row.http === null ? null : (fromJsonText(row.http) as unknown as HttpCredentials),
    certFingerprint: row.cert_fingerprint,
    psk: row.psk_identity === null || row.psk_key === null ? null : { identity: row.psk_identity, keyHex: row.psk_key },
  };
}

/** The columns a checked patch sets (absent fields are left out, so they keep their values). */
export function patchColumns(p: CheckedDevicePatch, now: number): Partial<Insertable<DevicesTable>> {
  const cols: Partial<Insertable<DevicesTable>> = { updated_at: now };
  if (p.labels !== undefined) cols.labels = toJsonText(p.labels, "labels");
  if (p.devInfo !== undefined) {
    cols.dev_info = p.devInfo === null ? null : toJsonText(p.devInfo, "devInfo");
    cols.dev_info_at = now;
  }
  if (p.mos !== undefined) {
    cols.mos = p.mos === null ? null : toJsonText(p.mos, "mos");
    cols.mos_at = now;
  }
  if (p.notification !== undefined) {
    cols.noti_type = p.notification?.type ?? null;
    cols.noti_secret = p.notification === null ? null : toBuffer(p.notification.secret);
    cols.noti_auth_data = p.notification === null ? null : toBuffer(p.notification.authData);
  }
  if (p.notifyAddress !== undefined) {
    cols.notify_address = p.notifyAddress === null ? null : toJsonText(p.notifyAddress, "notifyAddress");
  }
  if (p.http !== undefined) {
    cols.http = p.http === null ? null : toJsonText(p.http, "http");
    cols.http_username = p.http?.username ?? null;
  }
  if (p.certFingerprint !== undefined) cols.cert_fingerprint = p.certFingerprint;
  if (p.psk !== undefined) {
    cols.psk_identity = p.psk?.identity ?? null;
    cols.psk_key = p.psk?.keyHex ?? null;
  }
  return cols;
}

const credentialConflict = () =>
  new ServerError(ServerErrorCode.CREDENTIAL_CONFLICT, "another device already uses that credential");

/** A device's UPDATE of the columns a patch sets, built and compiled once per set of columns. */
const updateColumns = preparedBy(
  (columns: readonly string[]) => columns.join(),
  (columns: readonly string[]) => (db: Db, p: Record<string, unknown>) =>
    db
      .updateTable("devices")
      .set(Object.fromEntries(columns.map((c) => [c, p[c]])) as Partial<Insertable<DevicesTable>>)
      .where("id", "=", p["id"] as string),
);

/**
 * The patch's DevInfo and MOS where their stored text changes: the side tables the filters read are derived
 * from them, so a device reporting the same inventory again (every Package#1 may carry it) rewrites none.
 */
function selectionChanges(
  patch: Pick<CheckedDevicePatch, "devInfo" | "mos">,
  before: Pick<DeviceRow, "dev_info" | "mos">,
  cols: Partial<Insertable<DevicesTable>>,
): Pick<CheckedDevicePatch, "devInfo" | "mos"> {
  return {
    ...(patch.devInfo !== undefined && cols.dev_info !== before.dev_info ? { devInfo: patch.devInfo } : {}),
    ...(patch.mos !== undefined && cols.mos !== before.mos ? { mos: patch.mos } : {}),
  };
}

/** A new device's side tables hold nothing yet. */
const NOTHING_STORED: StoredTexts = { devInfo: false, mos: false };

function storedTexts(row: Pick<DeviceRow, "dev_info" | "mos">): StoredTexts {
  return { devInfo: row.dev_info !== null, mos: row.mos !== null };
}

const byId = prepared((db, p: { id: string }) => db.selectFrom("devices").selectAll().where("id", "=", p.id));
const idOnly = prepared((db, p: { id: string }) => db.selectFrom("devices").select("id").where("id", "=", p.id));
const stateOnly = prepared((db, p: { id: string }) => db.selectFrom("devices").select("state").where("id", "=", p.id));
/** The stored DevInfo and MOS texts under the device's row lock (PostgreSQL: the lock and the read in one round
 *  trip); SQLite needs no lock (one writer). */
const textsLocked = prepared((db, p: { id: string }) =>
  db.selectFrom("devices").select(["dev_info", "mos"]).where("id", "=", p.id).forNoKeyUpdate(),
);
const texts = prepared((db, p: { id: string }) =>
  db.selectFrom("devices").select(["dev_info", "mos"]).where("id", "=", p.id),
);
const contactNew = prepared((db, p: { id: string; now: number }) =>
  db
    .insertInto("devices")
    .values({
      id: p.id,
      state: DeviceState.Registered,
      labels: "{}",
      created_at: p.now,
      updated_at: p.now,
      first_contact_at: p.now,
      last_contact_at: p.now,
    })
    .returningAll(),
);
/**
 * PostgreSQL's contact of a known device, the first contact kept, the row read back with RETURNING (the UPDATE
 * takes the device's row lock: the DM session's first statement). It leaves `state` alone: an UPDATE that sets a
 * column rewrites every index on it even when the value stays, and only a provisioned device's first contact
 * changes it (`promoteOnContact`, stateAfterContact in device-rules.ts).
 */
const contactReturning = prepared((db, p: { id: string; now: number }) =>
  db
    .updateTable("devices")
    .set((eb) => ({
      first_contact_at: eb.fn.coalesce("first_contact_at", eb.val(p.now)),
      last_contact_at: p.now,
      updated_at: p.now,
    }))
    .where("id", "=", p.id)
    .returningAll(),
);
const promoteOnContact = prepared((db, p: { id: string }) =>
  db
    .updateTable("devices")
    .set({ state: stateAfterContact(DeviceState.Provisioned) })
    .where("id", "=", p.id)
    .where("state", "=", DeviceState.Provisioned)
    .returningAll(),
);

/** What a contact sets on a device read before it: only the columns that change (every index on a column that
 *  is set is rewritten, changed or not), so a registered device's contact moves its contact times alone. */
function contactColumns(before: DeviceRow, now: number): Partial<Insertable<DevicesTable>> {
  const cols: Partial<Insertable<DevicesTable>> = { last_contact_at: now, updated_at: now };
  if (before.first_contact_at === null) cols.first_contact_at = now;
  const state = stateAfterContact(before.state as DeviceState);
  if (state !== before.state) cols.state = state;
  return cols;
}

/** Writes `cols` over a device read under the lock (`before`), keeps the filters' side tables in step with the
 *  patch, and answers the row as written without reading it again. */
async function writeColumns(
  trx: Db,
  before: DeviceRow,
  patch: Pick<CheckedDevicePatch, "devInfo" | "mos">,
  cols: Partial<Insertable<DevicesTable>>,
): Promise<DeviceRow> {
  await updateColumns(Object.keys(cols)).run(trx, { id: before.id, ...cols });
  await syncSelectionTables(trx, before.id, selectionChanges(patch, before, cols), storedTexts(before));
  return { ...before, ...cols };
}

/**
 * A Package#1's contact, with its MOS inventory when it carried one (docs/protocol.md §3.1); no row back: the
 * device is unknown and nothing changed. SQLite (one writer: nothing changes the row between the two) reads
 * the row, then writes the contact and the inventory in one UPDATE. PostgreSQL updates first (the row lock),
 * reading the row back, and writes the inventory in a second UPDATE.
 */
async function contact(
  dialect: SqlDialect,
  trx: Db,
  id: string,
  now: number,
  mos: CheckedDevicePatch["mos"],
): Promise<DeviceRow | undefined> {
  // A disabled device's contact is recorded, not its inventory (the caller refuses it).
  const inventoryOf = (row: DeviceRow) => (mos === undefined || row.state === DeviceState.Disabled ? {} : { mos });
  if (dialect === SqlDialect.Sqlite) {
    const before = await readDevice(trx, id);
    if (before === undefined) return undefined;
    const inventory = inventoryOf(before);
    return writeColumns(
      trx,
      before,
      inventory,
      Object.assign(contactColumns(before, now), patchColumns(inventory, now)),
    );
  }
  let row = await contactReturning.first(trx, { id, now });
  if (row === undefined) return undefined;
  if (row.state === DeviceState.Provisioned) row = (await promoteOnContact.first(trx, { id })) ?? row;
  const inventory = inventoryOf(row);
  return inventory.mos === undefined ? row : writeColumns(trx, row, inventory, patchColumns(inventory, now));
}

async function readDevice(db: Db, id: string): Promise<DeviceRow | undefined> {
  return byId.first(db, { id });
}

/** Throws DEVICE_NOT_FOUND unless the device exists; reads only its key (not its MOS and DevInfo JSON). */
export async function requireDevice(db: Db, id: string): Promise<void> {
  const row = await idOnly.first(db, { id });
  if (row === undefined) throw deviceNotFound(id);
}

/** Reads a device inside a transaction, or throws DEVICE_NOT_FOUND. */
export async function requireDeviceRow(db: Db, id: string): Promise<DeviceRow> {
  const row = await readDevice(db, id);
  if (row === undefined) throw deviceNotFound(id);
  return row;
}

export async function replaceLabels(db: Db, id: string, labels: Readonly<Record<string, string>>): Promise<void> {
  await db.deleteFrom("device_labels").where("device_id", "=", id).execute();
  const rows = Object.entries(labels).map(([name, value]) => ({ device_id: id, name, value }));
  if (rows.length > 0) await db.insertInto("device_labels").values(rows).execute();
}

function newRow(id: string, state: DeviceState, now: number, contact: boolean): Insertable<DevicesTable> {
  return {
    id,
    state,
    labels: "{}",
    created_at: now,
    updated_at: now,
    first_contact_at: contact ? now : null,
    last_contact_at: contact ? now : null,
  };
}

export function createSqlDevices(ctx: SqlContext): Omit<DeviceStore, "importBatch"> {
  return {
    create: async (input) => {
      const { id, patch } = checkNewDevice(input);
      const row = await ctx.transaction(async (trx) => {
        await ctx.lock(trx, id);
        if ((await readDevice(trx, id)) !== undefined) {
          throw new ServerError(ServerErrorCode.DEVICE_EXISTS, `device ${id} exists`);
        }
        const now = ctx.now();
        const values = { ...newRow(id, DeviceState.Provisioned, now, false), ...patchColumns(patch, now) };
        await onUniqueViolation(() => trx.insertInto("devices").values(values).execute(), credentialConflict);
        if (patch.labels !== undefined) await replaceLabels(trx, id, patch.labels);
        await syncSelectionTables(trx, id, patch, NOTHING_STORED);
        return requireDeviceRow(trx, id);
      });
      return toDevice(row);
    },
    get: async (id) => {
      const row = await readDevice(ctx.db(), id);
      return row === undefined ? null : toDevice(row);
    },
    findByCredential: async (key) => {
      let q = ctx.db().selectFrom("devices").selectAll();
      if ("certFingerprint" in key) q = q.where("cert_fingerprint", "=", key.certFingerprint);
      else if ("pskIdentity" in key) q = q.where("psk_identity", "=", key.pskIdentity);
      else q = q.where("http_username", "=", key.httpUsername);
      const row = await q.executeTakeFirst();
      return row === undefined ? null : toDevice(row);
    },
    recordContact: async (id, options) => {
      requireText(id, "device id");
      // Checked before anything is written: a malformed inventory changes nothing.
      const mos = options.mos === undefined ? undefined : checkDevicePatch({ mos: options.mos }).mos;
      const row = await ctx.transaction(async (trx) => {
        const now = ctx.now();
        // PostgreSQL: the UPDATE takes the device's row lock itself (the DM session's first statement).
        const known = await contact(ctx.dialect, trx, id, now, mos);
        if (known !== undefined) ctx.deviceLocked(id);
        if (known !== undefined || !options.autoRegister) return known;
        // A new device: serialized with `create` (and other nodes registering it) by the advisory lock on its id.
        await ctx.lock(trx, id);
        const again = await contact(ctx.dialect, trx, id, now, mos);
        ctx.deviceLocked(id);
        if (again !== undefined) return again;
        const created = await contactNew.first(trx, { id, now });
        if (created === undefined) throw new Error(`the INSERT of device ${id} gave no row`);
        return mos === undefined ? created : writeColumns(trx, created, { mos }, patchColumns({ mos }, now));
      });
      return row === undefined ? null : toDevice(row);
    },
    stateOf: async (id) => {
      const row = await stateOnly.first(ctx.db(), { id });
      return row === undefined ? null : (row.state as DeviceState);
    },
    mergeDevInfo: async (id, values) =>
      ctx.transaction(async (trx) => {
        const before = await (ctx.dialect === SqlDialect.Postgres ? textsLocked : texts).first(trx, { id });
        if (before === undefined) return false;
        ctx.deviceLocked(id);
        const patch = checkDevicePatch({ devInfo: mergeDevInfo(fromJsonTextOrNull(before.dev_info), values) });
        const cols = patchColumns(patch, ctx.now());
        await updateColumns(Object.keys(cols)).run(trx, { ...cols, id });
        await syncSelectionTables(trx, id, selectionChanges(patch, before, cols), storedTexts(before));
        return true;
      }),
    update: async (id, patch) => {
      const checked = checkDevicePatch(patch);
      const row = await ctx.transaction(async (trx) => {
        await ctx.lockDevice(trx, id);
        const existing = await requireDeviceRow(trx, id);
        const state = stateAfterPatch(
          { state: existing.state as DeviceState, firstContactAt: existing.first_contact_at },
          checked.disabled,
        );
        const cols = { ...patchColumns(checked, ctx.now()), state };
        await onUniqueViolation(() => updateColumns(Object.keys(cols)).run(trx, { ...cols, id }), credentialConflict);
        if (checked.labels !== undefined) await replaceLabels(trx, id, checked.labels);
        await syncSelectionTables(trx, id, selectionChanges(checked, existing, cols), storedTexts(existing));
        // The row as written: what was read under the lock with the columns set over it (no second read).
        return { ...existing, ...cols };
      });
      return toDevice(row);
    },
    delete: async (id) =>
      ctx.transaction(async (trx) => {
        await ctx.lockDevice(trx, id);
        // The repository's scope column has no foreign key (shared items use ""), so it is cleaned here;
        // every other table cascades from devices.
        await trx.deleteFrom("repository_items").where("scope", "=", id).execute();
        const result = await trx.deleteFrom("devices").where("id", "=", id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      }),
    list: async (query = {}) => {
      const limit = pageLimit(query);
      const db = ctx.db();
      let q = db.selectFrom("devices").selectAll();
      for (const condition of await selectionConditions(db, query, ctx.now(), "probe")) q = q.where(condition);
      if (query.cursor !== undefined) q = q.where("id", ">", decodeCursor(query.cursor, ["string"])[0]);
      const rows = await q
        .orderBy("id")
        .limit(limit + 1)
        .execute();
      const page = toPage(rows, limit, (r) => [r.id]);
      return { items: page.items.map(toDevice), nextCursor: page.nextCursor };
    },
    count: async (query = {}) => {
      const db = ctx.db();
      let q = db.selectFrom("devices").select((eb) => eb.fn.countAll<number | string | bigint>().as("n"));
      for (const condition of await selectionConditions(db, query, ctx.now(), "set")) q = q.where(condition);
      const row = await q.executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
