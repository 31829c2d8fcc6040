// SQL store: DM sessions. Opening, closing and expiring a session requeue its in-flight commands in the same
// transaction, under the device lock, so a command is never both in flight and lost.
import { sql, type Insertable } from "kysely";
import { checkCloseReason, checkNewSession } from "../queue-rules.js";
import { deviceNotFound, invalid, pageLimit, requireText, sweepLimit, toJsonText, toPage } from "../rules.js";
import type { SessionStore } from "../store.js";
import { SessionStatus, type CloseSessionResult } from "../types-session.js";
import type { DeviceState } from "../types.js";
import type { SessionsTable } from "./schema.js";
import { SqlDialect } from "./migrations.js";
import { prepared } from "./prepared.js";
import { onForeignKeyViolation, onUniqueViolation, pageByPair, type SqlContext } from "./sql-context.js";
import { closePg } from "./sql-store-sessions-pg.js";
import {
  closeInTx,
  patchParams,
  patchWrite,
  readSession,
  refusal,
  toSession,
  savedLocally,
  writeDeferred,
  writeSession,
  type SessionRow,
} from "./sql-session-writes.js";

const keyInUse = () => invalid("cookie or CONT token already belongs to another session");

const byCookie = prepared((db, p: { v: string }) => db.selectFrom("sessions").selectAll().where("cookie", "=", p.v));
const byContToken = prepared((db, p: { v: string }) =>
  db.selectFrom("sessions").selectAll().where("cont_token", "=", p.v),
);
// 'open' as a literal, not a parameter: only then may the planner read the partial unique index
// sessions_one_open (one row), instead of every session the device ever had.
const openOfDevice = prepared((db, p: { deviceId: string }) =>
  db
    .selectFrom("sessions")
    .selectAll()
    .where("device_id", "=", p.deviceId)
    .where("status", "=", sql.lit(SessionStatus.Open)),
);
/**
 * `sessions.findWithDevice`: the session by one of its keys with its device's state, in one statement (a
 * Package#3's lookup and device check; on PostgreSQL one round trip instead of two). A left join: a device deleted
 * meanwhile gives a null state, not a missing session.
 */
type KeyColumn = "cont_token" | "cookie" | "open_of";
const withDeviceBy = (column: KeyColumn) =>
  prepared((db, p: { v: string }) => {
    const q = db
      .selectFrom("sessions")
      .leftJoin("devices", "devices.id", "sessions.device_id")
      .selectAll("sessions")
      .select("devices.state as device_state");
    return column === "open_of"
      ? q.where("sessions.device_id", "=", p.v).where("sessions.status", "=", sql.lit(SessionStatus.Open))
      : q.where(`sessions.${column}`, "=", p.v);
  });
const withDeviceStatements = {
  cont_token: withDeviceBy("cont_token"),
  cookie: withDeviceBy("cookie"),
  open_of: withDeviceBy("open_of"),
};
const INSERT_COLUMNS = [
  "id",
  "device_id",
  "status",
  "state_name",
  "state_data",
  "package_no",
  "cont_token",
  "cookie",
  "created_at",
  "last_activity_at",
  "idle_timeout_ms",
  "idle_expires_at",
  "version",
] as const;
const insertSession = prepared((db, p: Insertable<SessionsTable>) =>
  db
    .insertInto("sessions")
    .values(Object.fromEntries(INSERT_COLUMNS.map((c) => [c, p[c]])) as Insertable<SessionsTable>)
    .returningAll(),
);
/** SQLite: the same INSERT without RETURNING (every column is known before it; `ended_at` starts null). */
/** Device ids per `liveAmong` query: well under SQLite's bound-parameter limit. */
const LIVE_AMONG_CHUNK = 500;

const insertSessionRow = prepared((db, p: Insertable<SessionsTable>) =>
  db
    .insertInto("sessions")
    .values(Object.fromEntries(INSERT_COLUMNS.map((c) => [c, p[c]])) as Insertable<SessionsTable>),
);
/** PostgreSQL: the INSERT unless the device has an open session (the partial unique index sessions_one_open). */
const insertUnlessOpen = prepared((db, p: Insertable<SessionsTable>) =>
  db
    .insertInto("sessions")
    .values(Object.fromEntries(INSERT_COLUMNS.map((c) => [c, p[c]])) as Insertable<SessionsTable>)
    .onConflict((oc) => oc.column("device_id").where("status", "=", sql.lit(SessionStatus.Open)).doNothing())
    .returningAll(),
);
export function createSqlSessions(ctx: SqlContext): SessionStore {
  const findOne = async (column: "cookie" | "cont_token", value: string) => {
    const row = await (column === "cookie" ? byCookie : byContToken).first(ctx.db(), { v: value });
    return row === undefined ? null : toSession(row);
  };
  return {
    open: async (input) => {
      const s = checkNewSession(input, toJsonText);
      const id = input.id === undefined ? ctx.newId() : requireText(input.id, "session id");
      return ctx.transaction(async (trx) => {
        await ctx.lockDevice(trx, s.deviceId);
        // A generated id is new by construction; only a caller's own id needs the check.
        if (input.id !== undefined && (await readSession(trx, id)) !== undefined) throw invalid(`session ${id} exists`);
        const now = ctx.now();
        const values: Insertable<SessionsTable> = {
          id,
          device_id: s.deviceId,
          status: SessionStatus.Open,
          state_name: s.stateName,
          state_data: s.stateData,
          package_no: s.packageNo,
          cont_token: s.contToken,
          cookie: s.cookie,
          created_at: now,
          last_activity_at: now,
          idle_timeout_ms: s.idleTimeoutMs,
          idle_expires_at: now + s.idleTimeoutMs,
          version: 1,
          // Not an INSERT column (INSERT_COLUMNS): here so that SQLite's row as written is this object.
          ended_at: null,
        };
        const guarded = <T>(write: () => Promise<T>) =>
          onUniqueViolation(() => onForeignKeyViolation(write, () => deviceNotFound(s.deviceId)), keyInUse);
        const insert = (query: typeof insertSession) => guarded(() => query.first(trx, values));
        if (ctx.dialect === SqlDialect.Postgres) {
          // The usual case, the device has no open session: one statement. Else nothing is inserted, and the
          // open one is superseded first, below (the device's lock keeps another node from opening one between).
          const row = await insert(insertUnlessOpen);
          if (row !== undefined) {
            ctx.sessionOpened(row);
            return { session: toSession(row), superseded: null, requeued: [], unanswered: [] };
          }
        }
        const previous = await openOfDevice.first(trx, { deviceId: s.deviceId });
        const superseded =
          previous === undefined
            ? undefined
            : await closeInTx(trx, ctx.dialect, previous.id, SessionStatus.Superseded, now);
        let row: SessionRow | undefined;
        if (ctx.dialect === SqlDialect.Sqlite) {
          const inserted = await guarded(() => insertSessionRow.run(trx, values));
          if (inserted !== 1) throw new Error(`the INSERT of session ${id} changed ${inserted} rows`);
          row = values as SessionRow;
        } else row = await insert(insertSession);
        if (row === undefined) throw new Error("INSERT … RETURNING gave no row");
        return {
          session: toSession(row),
          superseded: superseded?.session ?? null,
          requeued: superseded?.requeued ?? [],
          unanswered: superseded?.unanswered ?? [],
        };
      });
    },
    get: async (id) => {
      const row = await readSession(ctx.db(), id);
      return row === undefined ? null : toSession(row);
    },
    findByCookie: (cookie) => findOne("cookie", cookie),
    findByContToken: (token) => findOne("cont_token", token),
    findOpen: async (deviceId) => {
      const row = await openOfDevice.first(ctx.db(), { deviceId });
      return row === undefined ? null : toSession(row);
    },
    findWithDevice: async (key) => {
      const [column, v]: [KeyColumn, string] =
        "contToken" in key
          ? ["cont_token", key.contToken]
          : "cookie" in key
            ? ["cookie", key.cookie]
            : ["open_of", key.openOf];
      const row = await withDeviceStatements[column].first(ctx.db(), { v });
      if (row === undefined) return null;
      const { device_state, ...session } = row;
      return { session: toSession(session), deviceState: device_state as DeviceState | null };
    },
    update: async (id, patch, options = {}) => {
      const w = patchWrite(patch);
      return ctx.transaction(async (trx) => {
        const now = ctx.now();
        // The hot path (every DM package saves its state) is one conditional UPDATE: live, and at the expected
        // version when one is given. Only when it changes nothing is the row read, to say why.
        const write = {
          columns: w.columns,
          touch: true,
          newTimeout: w.newTimeout,
          versioned: options.expectedVersion !== undefined,
          close: false,
          idleOnly: false,
        };
        const params = { id, now, expectedVersion: options.expectedVersion, ...patchParams(w, now) };
        // The session this transaction opened (PostgreSQL): its row is known, so is the save's outcome.
        const opened = ctx.openedSession(id);
        const saved = opened === undefined ? undefined : savedLocally(opened, write, params);
        if (saved !== undefined) {
          await writeDeferred(trx, write, params);
          ctx.sessionOpened(saved);
          return toSession(saved);
        }
        const updated = await onUniqueViolation(() => writeSession(trx, ctx.dialect, write, params), keyInUse);
        if (updated !== undefined) return toSession(updated);
        throw await refusal(trx, id, now, true);
      });
    },
    close: async (id, reason, options = {}) => {
      checkCloseReason(reason);
      const final = options.final === undefined ? undefined : patchWrite(options.final);
      return ctx.transaction(async (trx) => {
        const now = ctx.now();
        if (ctx.dialect === SqlDialect.Postgres) {
          // One statement saves (if asked), takes the device's lock the way every writer of its queue does, and
          // closes (sql-store-sessions-pg.ts).
          const extra = { final, expectedVersion: options.expectedVersion };
          const closed = await onUniqueViolation(() => closePg(ctx, trx, id, reason, now, extra), keyInUse);
          if (closed !== undefined) return closed;
          throw await refusal(trx, id, now, final !== undefined);
        }
        // SQLite's writers are serialized already: one UPDATE saves (if asked) and closes; the session is read
        // again only to say why nothing changed.
        const extra = { final, expectedVersion: options.expectedVersion };
        const closed = await onUniqueViolation(() => closeInTx(trx, ctx.dialect, id, reason, now, extra), keyInUse);
        if (closed !== undefined) return closed;
        throw await refusal(trx, id, now, final !== undefined);
      });
    },
    countLive: async () => {
      const row = await ctx
        .db()
        .selectFrom("sessions")
        .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
        .where("status", "=", sql.lit(SessionStatus.Open))
        .where("idle_expires_at", ">", ctx.now())
        .executeTakeFirstOrThrow();
      // PostgreSQL's count is a bigint (a string through pg); SQLite's a number.
      return Number(row.n);
    },
    liveAmong: async (deviceIds) => {
      const live: string[] = [];
      const now = ctx.now();
      for (let i = 0; i < deviceIds.length; i += LIVE_AMONG_CHUNK) {
        const rows = await ctx
          .db()
          .selectFrom("sessions")
          .select("device_id")
          .where("status", "=", sql.lit(SessionStatus.Open))
          .where("device_id", "in", deviceIds.slice(i, i + LIVE_AMONG_CHUNK))
          .where("idle_expires_at", ">", now)
          .execute();
        for (const r of rows) live.push(r.device_id);
      }
      return live;
    },
    expireIdle: async (options = {}) => {
      const limit = sweepLimit(options);
      const now = ctx.now();
      // SQLite reads sessions_open_idle (literal 'open': the index's predicate), a batch O(limit); PostgreSQL,
      // which has no index on idle_expires_at (a session save stays a HOT update), the open sessions off
      // sessions_by_status, O(open sessions).
      let q = ctx
        .db()
        .selectFrom("sessions")
        .select(["id", "device_id"])
        .where("status", "=", sql.lit(SessionStatus.Open))
        .where("idle_expires_at", "<=", now)
        .orderBy("idle_expires_at");
      if (Number.isFinite(limit)) q = q.limit(limit);
      const due = await q.execute();
      const results: CloseSessionResult[] = [];
      for (const s of due) {
        // One transaction per session; the condition re-checks, since another node may have touched it.
        const closed = await ctx.transaction(async (trx) => {
          await ctx.lockDevice(trx, s.device_id);
          return closeInTx(trx, ctx.dialect, s.id, SessionStatus.Expired, now, { idleBefore: now });
        });
        if (closed !== undefined) results.push(closed);
      }
      return results;
    },
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("sessions").selectAll();
      if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
      if (query.status !== undefined) q = q.where("status", "=", query.status);
      const rows = await pageByPair(q, ["created_at", "id"], ["number", "string"], query, limit).execute();
      const page = toPage(rows, limit, (r) => [r.created_at, r.id]);
      return { items: page.items.map(toSession), nextCursor: page.nextCursor };
    },
  };
}
