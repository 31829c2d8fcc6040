// SQL store: Data Repository items (HGET sources) and the upload log (HPUT, HPOST, SUB reports).
import { sql, type Selectable } from "kysely";
import { checkIfMatch, checkRepositoryItem, checkUpload } from "../content-rules.js";
import { fromJsonText, makeEtag, pageLimit, SHARED_SCOPE, toJsonText, toPage } from "../rules.js";
import type { RepositoryStore } from "../store.js";
import type { RepositoryItem, RepositoryItemInfo, Upload, UploadInfo } from "../types-content.js";
import type { RepositoryItemsTable, UploadsTable } from "./schema.js";
import { fromBuffer, pageByPair, pageBySeq, toBuffer, type SqlContext } from "./sql-context.js";
import { requireDevice } from "./sql-store-devices.js";

const ITEM_INFO = ["scope", "path", "media_type", "size", "etag", "created_at", "updated_at"] as const;
const UPLOAD_INFO = [
  "seq",
  "id",
  "device_id",
  "path",
  "method",
  "client_uris",
  "media_type",
  "size",
  "received_at",
  "session_id",
  "command_id",
] as const;

type ItemInfoRow = Pick<Selectable<RepositoryItemsTable>, (typeof ITEM_INFO)[number]>;
type UploadInfoRow = Pick<Selectable<UploadsTable>, (typeof UPLOAD_INFO)[number]>;

const scopeOf = (deviceId: string | null) => deviceId ?? SHARED_SCOPE;

function toItemInfo(row: ItemInfoRow): RepositoryItemInfo {
  return {
    path: row.path,
    deviceId: row.scope === SHARED_SCOPE ? null : row.scope,
    mediaType: row.media_type,
    size: row.size,
    etag: row.etag,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toItem(row: Selectable<RepositoryItemsTable>): RepositoryItem {
  return { ...toItemInfo(row), body: fromBuffer(row.body) };
}

function toUploadInfo(row: UploadInfoRow): UploadInfo {
  return {
    id: row.id,
    deviceId: row.device_id,
    path: row.path,
    method: row.method,
    clientUris: row.client_uris === null ? null : (fromJsonText(row.client_uris) as string[]),
    mediaType: row.media_type,
    size: row.size,
    receivedAt: row.received_at,
    sessionId: row.session_id,
    commandId: row.command_id,
  };
}

export function createSqlRepository(ctx: SqlContext): RepositoryStore {
  return {
    put: async (input, options = {}) => {
      const item = checkRepositoryItem(input);
      const scope = scopeOf(item.deviceId);
      return ctx.transaction(async (trx) => {
        if (item.deviceId !== null) {
          await ctx.lockDevice(trx, item.deviceId);
          await requireDevice(trx, item.deviceId);
        }
        await ctx.lock(trx, `repository:${JSON.stringify([scope, item.path])}`);
        const existing = await trx
          .selectFrom("repository_items")
          .select(["etag", "version", "created_at"])
          .where("scope", "=", scope)
          .where("path", "=", item.path)
          .executeTakeFirst();
        checkIfMatch(options.ifMatch, existing?.etag ?? null);
        const now = ctx.now();
        const version = (existing?.version ?? 0) + 1;
        const values = {
          media_type: item.mediaType,
          body: toBuffer(item.body),
          size: item.body.byteLength,
          etag: makeEtag(version, item.body),
          version,
          updated_at: now,
        };
        const row =
          existing === undefined
            ? await trx
                .insertInto("repository_items")
                .values({ scope, path: item.path, created_at: now, ...values })
                .returningAll()
                .executeTakeFirstOrThrow()
            : await trx
                .updateTable("repository_items")
                .set(values)
                .where("scope", "=", scope)
                .where("path", "=", item.path)
                .returningAll()
                .executeTakeFirstOrThrow();
        return toItem(row);
      });
    },
    get: async (path, deviceId) => {
      const row = await ctx
        .db()
        .selectFrom("repository_items")
        .selectAll()
        .where("scope", "=", scopeOf(deviceId))
        .where("path", "=", path)
        .executeTakeFirst();
      return row === undefined ? null : toItem(row);
    },
    delete: async (path, deviceId) => {
      const result = await ctx
        .db()
        .deleteFrom("repository_items")
        .where("scope", "=", scopeOf(deviceId))
        .where("path", "=", path)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("repository_items").select(ITEM_INFO);
      if (query.deviceId !== undefined) q = q.where("scope", "=", scopeOf(query.deviceId));
      if (query.pathPrefix !== undefined && query.pathPrefix !== "") {
        // A plain prefix compare: LIKE would treat % and _ as wildcards and is case-insensitive in SQLite.
        const prefix = query.pathPrefix;
        q = q.where(sql`substr(path, 1, length(cast(${prefix} as text)))`, "=", prefix);
      }
      const rows = await pageByPair(q, ["scope", "path"], ["string", "string"], query, limit).execute();
      const page = toPage(rows, limit, (r) => [r.scope, r.path]);
      return { items: page.items.map(toItemInfo), nextCursor: page.nextCursor };
    },
    recordUpload: async (input) => {
      const u = checkUpload(input);
      const clientUris = u.clientUris === null ? null : toJsonText(u.clientUris, "clientUris");
      return ctx.transaction(async (trx) => {
        await requireDevice(trx, u.deviceId);
        const row = await trx
          .insertInto("uploads")
          .values({
            id: ctx.newId(),
            device_id: u.deviceId,
            path: u.path,
            method: u.method,
            client_uris: clientUris,
            media_type: u.mediaType,
            body: toBuffer(u.body),
            size: u.body.byteLength,
            received_at: ctx.now(),
            session_id: u.sessionId,
            command_id: u.commandId,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { ...toUploadInfo(row), body: fromBuffer(row.body) } satisfies Upload;
      });
    },
    getUpload: async (id) => {
      const row = await ctx.db().selectFrom("uploads").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : { ...toUploadInfo(row), body: fromBuffer(row.body) };
    },
    listUploads: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("uploads").select(UPLOAD_INFO);
      if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
      if (query.path !== undefined) q = q.where("path", "=", query.path);
      const rows = await pageBySeq(q, query, limit).execute();
      const page = toPage(rows, limit, (r) => [r.seq]);
      return { items: page.items.map(toUploadInfo), nextCursor: page.nextCursor };
    },
    usage: async (deviceId) => {
      const db = ctx.db();
      // PostgreSQL answers sum() as numeric and count() as bigint: both may arrive as text.
      const sum = (table: "repository_items" | "uploads") =>
        sql<number | string>`coalesce(sum(${sql.ref(`${table}.size`)}), 0)`;
      const items = await db
        .selectFrom("repository_items")
        .select([sum("repository_items").as("bytes"), db.fn.countAll<number | string>().as("n")])
        .where("scope", "=", deviceId)
        .executeTakeFirstOrThrow();
      const uploads = await db
        .selectFrom("uploads")
        .select([sum("uploads").as("bytes"), db.fn.countAll<number | string>().as("n")])
        .where("device_id", "=", deviceId)
        .executeTakeFirstOrThrow();
      return { bytes: Number(items.bytes) + Number(uploads.bytes), items: Number(items.n) + Number(uploads.n) };
    },
  };
}
