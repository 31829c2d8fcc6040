// SQL store: the durable per-device command queue. Every change is a conditional UPDATE (`… where state =
// 'sent' and session_id = ?`) inside a transaction, so a race with another server node can only make a change
// fail cleanly (and roll back), never apply to a command that moved on.
import type { Selectable, Updateable } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { checkCompletion, checkNewCommand, commandsEqual } from "../queue-rules.js";
import {
  deviceNotFound,
  checkCancellable,
  checkResultTarget,
  commandNotFound,
  fromJsonText,
  illegalCommand,
  invalid,
} from "../rules.js";
import { jsonRoundTrip, pageLimit, requireInt, sweepLimit, toJsonText, toPage, validateResults } from "../rules.js";
import type { CommandStore } from "../store.js";
import { unansweredOutcome } from "../delivery-rules.js";
import {
  CommandState,
  DeliveryPolicy,
  SortOrder,
  type AsyncCorrelation,
  type Command,
  type CommandResult,
} from "../types.js";
import type { CommandsTable } from "./schema.js";
import type { Insertable } from "kysely";

type CommandsTableInsert = Insertable<CommandsTable>;
import { SqlDialect } from "./migrations.js";
import { prepared, preparedBy } from "./prepared.js";
import { writeResultsSqlite } from "./sqlite-record-results.js";
import { requireLiveSession, takeQueuedSqlite } from "./sqlite-take-batch.js";
import { onForeignKeyViolation, pageBySeq, type Db, type SqlContext } from "./sql-context.js";

type CommandRow = Selectable<CommandsTable>;

export function toCommand(row: CommandRow): Command {
  const p2 = fromJsonText(row.p2) as string[];
  const correlation: AsyncCorrelation | null =
    row.async_source_uri === null
      ? null
      : row.async_server_uri === null
        ? { sourceUri: row.async_source_uri }
        : { sourceUri: row.async_source_uri, serverUri: row.async_server_uri };
  return {
    id: row.id,
    deviceId: row.device_id,
    name: row.name,
    params: p2.slice(1),
    idempotencyKey: row.idempotency_key,
    state: row.state as CommandState,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    sentAt: row.sent_at,
    completedAt: row.completed_at,
    attempts: row.attempts,
    sessionId: row.session_id,
    packageNo: row.package_no,
    position: row.position,
    statusCode: row.status_code,
    result: row.result === null ? null : (fromJsonText(row.result) as unknown as CommandResult),
    correlation,
    delivery: row.delivery as DeliveryPolicy,
    maxDeliveries: row.max_deliveries,
    reason: row.reason,
  };
}

function correlationColumns(c: AsyncCorrelation | null) {
  return { async_source_uri: c?.sourceUri ?? null, async_server_uri: c?.serverUri ?? null };
}

const sentInSession = prepared((db, p: { sessionId: string }) =>
  db
    .selectFrom("commands")
    .selectAll()
    .where("session_id", "=", p.sessionId)
    .where("state", "=", CommandState.Sent)
    .orderBy("seq"),
);

/**
 * The commands `sent` in the session go back to the queue or end, by their delivery policy
 * (delivery-rules.ts); the caller's transaction makes it atomic with the session's end.
 */
export async function requeueInTx(
  trx: Db,
  sessionId: string,
  now: number,
): Promise<{ requeued: Command[]; unanswered: Command[] }> {
  const rows = await sentInSession.all(trx, { sessionId });
  const requeued: Command[] = [];
  const unanswered: Command[] = [];
  for (const row of rows) {
    const outcome = unansweredOutcome({
      delivery: row.delivery as DeliveryPolicy,
      attempts: row.attempts,
      maxDeliveries: row.max_deliveries,
    });
    if (outcome.state === CommandState.Queued) {
      const set = { state: outcome.state, session_id: null, package_no: null, position: null, updated_at: now };
      requeued.push(await transition(trx, row, [CommandState.Sent], set, outcome.state, sessionId));
    } else {
      // Ended: session, package and position stay, to say where it went out last.
      const set = { state: outcome.state, reason: outcome.reason, updated_at: now, completed_at: now };
      unanswered.push(await transition(trx, row, [CommandState.Sent], set, outcome.state, sessionId));
    }
  }
  return { requeued, unanswered };
}

interface TransitionShape {
  readonly set: Updateable<CommandsTable>;
  readonly from: readonly CommandState[];
  readonly inSession: boolean;
}
type TransitionParams = Record<string, unknown>;

const transitionQuery = preparedBy(
  (shape: TransitionShape) => `${Object.keys(shape.set).join()}|${shape.from.join()}|${shape.inSession}`,
  (shape: TransitionShape) => (db: Db, p: TransitionParams) => {
    const set = Object.fromEntries(Object.keys(shape.set).map((k) => [k, p[`set_${k}`]]));
    let q = db
      .updateTable("commands")
      .set(set)
      .where("id", "=", p.id as string)
      .where("state", "in", shape.from);
    if (shape.inSession) q = q.where("session_id", "=", p.sessionId as string);
    return q.returningAll();
  },
);

/** Applies `set` only if the command is still in `from` (and, when given, in that session); else refuses. */
async function transition(
  trx: Db,
  row: CommandRow,
  from: readonly CommandState[],
  set: Updateable<CommandsTable>,
  to: CommandState,
  sessionId?: string,
): Promise<Command> {
  const params: TransitionParams = { id: row.id, sessionId };
  for (const [k, v] of Object.entries(set)) params[`set_${k}`] = v;
  const query = transitionQuery({ set, from, inSession: sessionId !== undefined });
  const updated = await query.first(trx, params);
  if (updated === undefined) throw illegalCommand(row.id, row.state as CommandState, to);
  return toCommand(updated);
}

const byIdQuery = prepared((db, p: { id: string }) => db.selectFrom("commands").selectAll().where("id", "=", p.id));
const byKeyQuery = prepared((db, p: { deviceId: string; key: string }) =>
  db.selectFrom("commands").selectAll().where("device_id", "=", p.deviceId).where("idempotency_key", "=", p.key),
);
const INSERT_COLUMNS = [
  "id",
  "device_id",
  "name",
  "p2",
  "idempotency_key",
  "state",
  "created_at",
  "updated_at",
  "expires_at",
  "attempts",
  "delivery",
  "max_deliveries",
  "async_source_uri",
  "async_server_uri",
] as const;
const insertQuery = prepared((db, p: CommandsTableInsert) =>
  db
    .insertInto("commands")
    .values(Object.fromEntries(INSERT_COLUMNS.map((c) => [c, p[c]])) as CommandsTableInsert)
    .returningAll(),
);
const liveSessionQuery = prepared((db, p: { id: string }) =>
  db.selectFrom("sessions").select(["id", "device_id", "status", "idle_expires_at"]).where("id", "=", p.id),
);
const expireQueuedOfDevice = prepared((db, p: { deviceId: string; now: number }) =>
  db
    .updateTable("commands")
    .set({ state: CommandState.Expired, updated_at: p.now, completed_at: p.now })
    .where("device_id", "=", p.deviceId)
    .where("state", "=", CommandState.Queued)
    .where("expires_at", "<=", p.now),
);
const nextQueued = prepared((db, p: { deviceId: string; max: number }) =>
  db
    .selectFrom("commands")
    .selectAll()
    .where("device_id", "=", p.deviceId)
    .where("state", "=", CommandState.Queued)
    .orderBy("seq")
    .limit(p.max),
);
const byIds = preparedBy(
  (n: number) => String(n),
  (n: number) => (db: Db, p: Record<string, string>) =>
    db
      .selectFrom("commands")
      .selectAll()
      .where(
        "id",
        "in",
        Array.from({ length: n }, (_, i) => p[`id${i}`] as string),
      ),
);

export function createSqlCommands(ctx: SqlContext): CommandStore {
  const byId = (db: Db, id: string) => byIdQuery.first(db, { id });
  const byKey = (db: Db, deviceId: string, key: string) => byKeyQuery.first(db, { deviceId, key });

  return {
    enqueue: async (input) => {
      const c = checkNewCommand(input);
      const p2 = toJsonText([c.name, ...c.params], "params");
      return ctx.transaction(async (trx) => {
        await ctx.lock(trx, c.deviceId);
        if (c.idempotencyKey !== null) {
          const existing = await byKey(trx, c.deviceId, c.idempotencyKey);
          if (existing !== undefined) {
            const command = toCommand(existing);
            if (!commandsEqual(command, c)) {
              throw new ServerError(
                ServerErrorCode.IDEMPOTENCY_CONFLICT,
                `idempotency key ${c.idempotencyKey} was used for a different command`,
              );
            }
            return { command, created: false };
          }
        }
        const now = ctx.now();
        const row = await onForeignKeyViolation(
          () =>
            insertQuery.first(trx, {
              id: ctx.newId(),
              device_id: c.deviceId,
              name: c.name,
              p2,
              idempotency_key: c.idempotencyKey,
              state: CommandState.Queued,
              created_at: now,
              updated_at: now,
              expires_at: c.expiresAt,
              attempts: 0,
              delivery: c.delivery,
              max_deliveries: c.maxDeliveries,
              ...correlationColumns(c.correlation),
            }),
          () => deviceNotFound(c.deviceId),
        );
        if (row === undefined) throw new Error("INSERT … RETURNING gave no row");
        return { command: toCommand(row), created: true };
      });
    },
    get: async (id) => {
      const row = await byId(ctx.db(), id);
      return row === undefined ? null : toCommand(row);
    },
    findByIdempotencyKey: async (deviceId, key) => {
      const row = await byKey(ctx.db(), deviceId, key);
      return row === undefined ? null : toCommand(row);
    },
    takeBatch: async (input) => {
      const max = requireInt(input.max, "max", 1);
      const packageNo = requireInt(input.packageNo, "packageNo", 0);
      const first = requireInt(input.firstPosition ?? 0, "firstPosition", 0);
      return ctx.transaction(async (trx) => {
        if (ctx.dialect === SqlDialect.Sqlite) {
          const take = { ...input, max, packageNo, firstPosition: first, now: ctx.now() };
          return (await takeQueuedSqlite(trx, take)).map(toCommand);
        }
        await ctx.lock(trx, input.deviceId);
        const session = await liveSessionQuery.first(trx, { id: input.sessionId });
        const now = ctx.now();
        requireLiveSession(session, input.sessionId, input.deviceId, now);
        await expireQueuedOfDevice.run(trx, { deviceId: input.deviceId, now });
        const rows = await nextQueued.all(trx, { deviceId: input.deviceId, max });
        const taken: Command[] = [];
        for (const [i, row] of rows.entries()) {
          const set = {
            state: CommandState.Sent,
            session_id: session.id,
            package_no: packageNo,
            position: first + i,
            sent_at: now,
            attempts: row.attempts + 1,
            updated_at: now,
          };
          taken.push(await transition(trx, row, [CommandState.Queued], set, CommandState.Sent));
        }
        return taken;
      });
    },
    recordResults: async (sessionId, results) => {
      validateResults(results);
      const prepared = results.map((r) => ({
        r,
        result: toJsonText(
          { uris: [...(r.uris ?? [])], data: r.data === undefined ? null : jsonRoundTrip(r.data, "data") },
          "data",
        ),
        correlation: r.correlation,
      }));
      if (results.length === 0) return [];
      return ctx.transaction(async (trx) => {
        const ids = Object.fromEntries(results.map((r, i) => [`id${i}`, r.commandId]));
        const rows = await byIds(results.length).all(trx, ids);
        const found = new Map(rows.map((row) => [row.id, row]));
        for (const { r } of prepared) {
          const row = found.get(r.commandId);
          checkResultTarget(
            r,
            row === undefined
              ? undefined
              : { state: row.state as CommandState, sessionId: row.session_id, statusCode: row.status_code },
            sessionId,
          );
        }
        const now = ctx.now();
        if (ctx.dialect === SqlDialect.Sqlite) {
          const writes = prepared.map(({ r, result, correlation }) => {
            const row = found.get(r.commandId) as CommandRow;
            const cancelled = row.state === CommandState.Cancelled;
            const c = correlation === undefined ? null : correlationColumns(correlation);
            return {
              id: row.id,
              from: row.state as CommandState,
              state: cancelled ? CommandState.Cancelled : r.outcome,
              to: r.outcome,
              completedAt: cancelled ? row.completed_at : r.outcome === CommandState.Accepted ? null : now,
              statusCode: r.statusCode,
              result,
              asyncSourceUri: c === null ? row.async_source_uri : c.async_source_uri,
              asyncServerUri: c === null ? row.async_server_uri : c.async_server_uri,
            };
          });
          return (await writeResultsSqlite(trx, sessionId, now, writes)).map(toCommand);
        }
        const out: Command[] = [];
        for (const { r, result, correlation } of prepared) {
          const row = found.get(r.commandId) as CommandRow;
          // A command cancelled while sent stays cancelled; its late answer is recorded (docs/delivery.md).
          const cancelled = row.state === CommandState.Cancelled;
          const set = {
            ...(cancelled ? {} : { state: r.outcome, completed_at: r.outcome === CommandState.Accepted ? null : now }),
            status_code: r.statusCode,
            result,
            updated_at: now,
            ...(correlation === undefined ? {} : correlationColumns(correlation)),
          };
          const from = cancelled ? [CommandState.Cancelled] : [CommandState.Sent];
          out.push(await transition(trx, row, from, set, r.outcome, sessionId));
        }
        return out;
      });
    },
    completeAccepted: async (selector, completion) => {
      const data = checkCompletion(completion);
      return ctx.transaction(async (trx) => {
        let row: CommandRow | undefined;
        if ("commandId" in selector) {
          row = await byId(trx, selector.commandId);
          if (row === undefined) throw commandNotFound(selector.commandId);
          if (row.state !== CommandState.Accepted)
            throw illegalCommand(row.id, row.state as CommandState, completion.outcome);
        } else {
          row = await trx
            .selectFrom("commands")
            .selectAll()
            .where("device_id", "=", selector.deviceId)
            .where("state", "=", CommandState.Accepted)
            .where("async_source_uri", "=", selector.sourceUri)
            .orderBy("seq")
            .limit(1)
            .executeTakeFirst();
          if (row === undefined) return null;
        }
        if (completion.alertId !== undefined) {
          const updated = await trx
            .updateTable("alerts")
            .set({ matched_command_id: row.id })
            .where("id", "=", completion.alertId)
            .where("device_id", "=", row.device_id)
            .executeTakeFirst();
          if (updated.numUpdatedRows === 0n) {
            throw invalid(`alert ${completion.alertId} is not an alert of device ${row.device_id}`);
          }
        }
        const previous = row.result === null ? null : (fromJsonText(row.result) as unknown as CommandResult);
        const result = { uris: previous?.uris ?? [], data: data ?? previous?.data ?? null };
        const now = ctx.now();
        const set = {
          state: completion.outcome,
          status_code: completion.statusCode,
          result: toJsonText(result, "data"),
          completed_at: now,
          updated_at: now,
        };
        return transition(trx, row, [CommandState.Accepted], set, completion.outcome);
      });
    },
    requeueSession: async (sessionId) =>
      ctx.transaction(async (trx) => (await requeueInTx(trx, sessionId, ctx.now())).requeued),
    expireDue: async (options = {}) => {
      const limit = sweepLimit(options);
      const now = ctx.now();
      const update = ctx
        .db()
        .updateTable("commands")
        .set({ state: CommandState.Expired, updated_at: now, completed_at: now });
      let q = update.where("state", "=", CommandState.Queued).where("expires_at", "<=", now);
      if (Number.isFinite(limit)) {
        // One bounded batch: the keys off the (state, expires_at) index, then each row by its key. (Repeating the
        // range outside the subquery would make SQLite walk every due row to test it against the list.)
        q = update.where("seq", "in", (eb) =>
          eb
            .selectFrom("commands")
            .select("seq")
            .where("state", "=", CommandState.Queued)
            .where("expires_at", "<=", now)
            .orderBy("expires_at")
            .limit(limit),
        );
      }
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    cancel: async (id) =>
      ctx.transaction(async (trx) => {
        const row = await byId(trx, id);
        if (row === undefined) throw commandNotFound(id);
        checkCancellable(id, row.state as CommandState);
        const now = ctx.now();
        const set = { state: CommandState.Cancelled, updated_at: now, completed_at: now };
        const from = [CommandState.Queued, CommandState.Sent, CommandState.Accepted];
        return transition(trx, row, from, set, CommandState.Cancelled);
      }),
    list: async (query = {}) => {
      const limit = pageLimit(query);
      const base = () => {
        let q = ctx.db().selectFrom("commands").selectAll();
        if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
        if (query.sessionId !== undefined) q = q.where("session_id", "=", query.sessionId);
        return q;
      };
      let rows: CommandRow[];
      if (query.state === undefined) {
        rows = await pageBySeq(base(), query, limit).execute();
      } else {
        // One index range per state, merged here: `state in (…) order by seq` would read every row of those
        // states and sort them, while each `state = ? … order by seq limit n` reads n rows of its index.
        const states = [...new Set(([] as string[]).concat(query.state))];
        if (states.length === 0) return { items: [], nextCursor: null };
        const parts = await Promise.all(
          states.map((state) => pageBySeq(base().where("state", "=", state), query, limit).execute()),
        );
        const desc = query.order === SortOrder.Desc;
        rows = parts
          .flat()
          .sort((a, b) => (desc ? b.seq - a.seq : a.seq - b.seq))
          .slice(0, limit + 1);
      }
      const page = toPage(rows, limit, (r) => [r.seq]);
      return { items: page.items.map(toCommand), nextCursor: page.nextCursor };
    },
  };
}
