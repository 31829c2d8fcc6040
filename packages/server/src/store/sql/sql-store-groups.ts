// SQL store: saved device groups (docs/filters.md "Groups"). A static group's members are rows of group_members
// (foreign keys to the group and the device, both cascading); a dynamic group stores its canonical filter text.
import type { Selectable } from "kysely";
import { applyGroupPatch, checkGroupId, checkMemberIds, checkNewGroup, groupExists } from "../group-rules.js";
import { groupNotFound, requireStatic } from "../group-rules.js";
import { decodeCursor, deviceNotFound, pageLimit, toPage } from "../rules.js";
import type { GroupStore } from "../store.js";
import type { DeviceGroup, GroupKind } from "../types-selection.js";
import type { Db, SqlContext } from "./sql-context.js";
import type { DeviceGroupsTable } from "./schema.js";

function toGroup(row: Selectable<DeviceGroupsTable>): DeviceGroup {
  return {
    id: row.id,
    kind: row.kind as GroupKind,
    description: row.description,
    filter: row.filter,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function readGroup(db: Db, id: string): Promise<DeviceGroup | null> {
  const row = await db.selectFrom("device_groups").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? null : toGroup(row);
}

async function requireGroup(db: Db, id: string): Promise<DeviceGroup> {
  const group = await readGroup(db, id);
  if (group === null) throw groupNotFound(id);
  return group;
}

/** Ids per statement: well under SQLite's bound-parameter limit. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The lock key of a group's member list (PostgreSQL advisory lock; a device id cannot collide: it has no prefix). */
const lockKey = (id: string) => `group:${id}`;

export function createSqlGroups(ctx: SqlContext): GroupStore {
  const touch = (db: Db, id: string) =>
    db.updateTable("device_groups").set({ updated_at: ctx.now() }).where("id", "=", id).execute();
  return {
    create: async (input) => {
      const checked = checkNewGroup(input);
      return ctx.transaction(async (trx) => {
        await ctx.lock(trx, lockKey(checked.id));
        if ((await readGroup(trx, checked.id)) !== null) throw groupExists(checked.id);
        const now = ctx.now();
        await trx
          .insertInto("device_groups")
          .values({ ...checked, created_at: now, updated_at: now })
          .execute();
        return requireGroup(trx, checked.id);
      });
    },
    get: async (id) => readGroup(ctx.db(), id),
    update: async (id, patch) =>
      ctx.transaction(async (trx) => {
        await ctx.lock(trx, lockKey(id));
        const next = applyGroupPatch(await requireGroup(trx, id), patch, ctx.now());
        await trx
          .updateTable("device_groups")
          .set({ description: next.description, filter: next.filter, updated_at: next.updatedAt })
          .where("id", "=", id)
          .execute();
        return next;
      }),
    delete: async (id) => {
      const result = await ctx.db().deleteFrom("device_groups").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("device_groups").selectAll();
      if (query.cursor !== undefined) q = q.where("id", ">", decodeCursor(query.cursor, ["string"])[0]);
      const rows = await q
        .orderBy("id")
        .limit(limit + 1)
        .execute();
      const page = toPage(rows, limit, (r) => [r.id]);
      return { items: page.items.map(toGroup), nextCursor: page.nextCursor };
    },
    addMembers: async (id, deviceIds) => {
      const ids = checkMemberIds(deviceIds);
      checkGroupId(id);
      return ctx.transaction(async (trx) => {
        await ctx.lock(trx, lockKey(id));
        requireStatic(await requireGroup(trx, id));
        let changed = 0;
        for (const part of chunks(ids)) {
          const known = new Set(
            (await trx.selectFrom("devices").select("id").where("id", "in", part).execute()).map((r) => r.id),
          );
          const missing = part.find((d) => !known.has(d));
          if (missing !== undefined) throw deviceNotFound(missing);
          const result = await trx
            .insertInto("group_members")
            .values(part.map((device_id) => ({ group_id: id, device_id })))
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          changed += Number(result.numInsertedOrUpdatedRows ?? 0n);
        }
        await touch(trx, id);
        return { changed };
      });
    },
    removeMembers: async (id, deviceIds) => {
      const ids = checkMemberIds(deviceIds);
      checkGroupId(id);
      return ctx.transaction(async (trx) => {
        await ctx.lock(trx, lockKey(id));
        requireStatic(await requireGroup(trx, id));
        let changed = 0;
        for (const part of chunks(ids)) {
          const result = await trx
            .deleteFrom("group_members")
            .where("group_id", "=", id)
            .where("device_id", "in", part)
            .executeTakeFirst();
          changed += Number(result.numDeletedRows);
        }
        await touch(trx, id);
        return { changed };
      });
    },
  };
}
