// SQL store: firmware image metadata (docs/firmware.md), one row per image in firmware_images.
import type { Selectable } from "kysely";
import { checkNewFirmware, firmwareExists } from "../firmware-rules.js";
import { decodeCursor, pageLimit, toPage } from "../rules.js";
import type { FirmwareImage, FirmwareStore } from "../types-firmware.js";
import type { SqlContext } from "./sql-context.js";
import type { FirmwareImagesTable } from "./schema.js";

function toImage(row: Selectable<FirmwareImagesTable>): FirmwareImage {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    manufacturer: row.manufacturer,
    model: row.model,
    sha256: row.sha256,
    size: row.size,
    createdAt: row.created_at,
  };
}

export function createSqlFirmware(ctx: SqlContext): FirmwareStore {
  const read = async (id: string) => {
    const row = await ctx.db().selectFrom("firmware_images").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? null : toImage(row);
  };
  return {
    create: async (input) => {
      const checked = checkNewFirmware(input);
      const now = ctx.now();
      const inserted = await ctx
        .db()
        .insertInto("firmware_images")
        .values({ ...checked, created_at: now })
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw firmwareExists(checked.id);
      return { ...checked, createdAt: now };
    },
    get: read,
    delete: async (id) => {
      const r = await ctx.db().deleteFrom("firmware_images").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("firmware_images").selectAll();
      if (query.cursor !== undefined) q = q.where("id", ">", decodeCursor(query.cursor, ["string"])[0]);
      const rows = await q
        .orderBy("id")
        .limit(limit + 1)
        .execute();
      const page = toPage(rows, limit, (r) => [r.id]);
      return { items: page.items.map(toImage), nextCursor: page.nextCursor };
    },
  };
}
