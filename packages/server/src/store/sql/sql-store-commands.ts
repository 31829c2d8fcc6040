// SQL store: the durable per-device command queue. Every change is a conditional UPDATE (`… where state =
// 'sent' and session_id = ?`) inside a transaction, so a race with another server node can only make a change
// fail cleanly (and roll back), never apply to a command that moved on.
// Composed from one module per concern: queueing (sql-commands-enqueue.ts), the session's batch and results
// (sql-commands-session.ts), the shared row code (sql-commands-rows.ts); reads, lists and operator changes here.
import { sql } from "kysely";
import { checkCompletion } from "../queue-rules.js";
import { checkCancellable, commandNotFound, fromJsonText, illegalCommand, invalid } from "../rules.js";
import { pageLimit, sweepLimit, toJsonText, toPage } from "../rules.js";
import type { CommandStore } from "../store.js";
import { CommandState, SortOrder, type CommandResult } from "../types.js";
import { byIdQuery, byKeyQuery, toCommand, transition, type CommandRow } from "./sql-commands-rows.js";
import { createSqlEnqueue } from "./sql-commands-enqueue.js";
import { createSqlSessionCommands } from "./sql-commands-session.js";
import { pageBySeq, type Db, type SqlContext } from "./sql-context.js";

export function createSqlCommands(ctx: SqlContext): CommandStore {
  const byId = (db: Db, id: string) => byIdQuery.first(db, { id });
  const byKey = (db: Db, deviceId: string, key: string) => byKeyQuery.first(db, { deviceId, key });

  return {
    ...createSqlEnqueue(ctx),
    ...createSqlSessionCommands(ctx),
    get: async (id) => {
      const row = await byId(ctx.db(), id);
      return row === undefined ? null : toCommand(row);
    },
    findByIdempotencyKey: async (deviceId, key) => {
      const row = await byKey(ctx.db(), deviceId, key);
      return row === undefined ? null : toCommand(row);
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
            .where("state", "=", sql.lit(CommandState.Accepted))
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
    expireDue: async (options = {}) => {
      const limit = sweepLimit(options);
      const now = ctx.now();
      const update = ctx
        .db()
        .updateTable("commands")
        .set({ state: CommandState.Expired, updated_at: now, completed_at: now });
      // Literal 'queued': commands_expiry's predicate (a bound value would be re-planned on every call).
      const queued = sql.lit(CommandState.Queued);
      let q = update.where("state", "=", queued).where("expires_at", "<=", now);
      if (Number.isFinite(limit)) {
        // One bounded batch: the keys off the commands_expiry index, then each row by its key. (Repeating the
        // range outside the subquery would make SQLite walk every due row to test it against the list.)
        q = update.where("seq", "in", (eb) =>
          eb
            .selectFrom("commands")
            .select("seq")
            .where("state", "=", queued)
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
