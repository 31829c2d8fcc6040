// SQL store, commands: what a DM session does to its device's queue — take the next batch into a Package#2,
// record the Package#3's results, and put back (or end, by delivery policy) what the session leaves unanswered.
// Every change is conditional (`… where state = 'sent' and session_id = ?`) inside the caller's transaction.
import { PostgresAdapter, sql, type Compilable } from "kysely";
import { checkResultTarget, jsonRoundTrip, requireInt, toJsonText, validateResults } from "../rules.js";
import type { CommandStore } from "../store.js";
import { unansweredOutcome } from "../delivery-rules.js";
import { CommandState, DeliveryPolicy, type Command } from "../types.js";
import { correlationColumns, toCommand, transition, type CommandRow } from "./sql-commands-rows.js";
import { SqlDialect } from "./migrations.js";
import { prepared, preparedBy } from "./prepared.js";
import { writeResultsSqlite } from "./sqlite-record-results.js";
import { takeQueuedSqlite } from "./sqlite-take-batch.js";
import { readAnsweredPg, recordSentPg, takeQueuedPg, writeResultsPg } from "./sql-commands-pg-session.js";
import type { Db, SqlContext } from "./sql-context.js";

// A session's `sent` commands. On PostgreSQL the session's commands are read off commands_by_session in a CTE of
// their own and filtered by state only then: with `session_id = $1 and state = 'sent'` in one condition, its
// generic plan walked every command in flight in the fleet (commands_by_state: its statistics saw few) for each
// close. SQLite picks commands_by_session for the one condition (store-indexes.test.ts) and reads it in seq
// order, with no table to materialize and sort. The state is a literal on both: a bound one would be checked
// against commands_expiry's predicate (state = 'queued') and the statement re-planned on every call.
const sentInSession = prepared((db, p: { sessionId: string }): Compilable<CommandRow> => {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const query = sql<CommandRow>`with mine as materialized (select * from commands where session_id = ${p.sessionId})
      select * from mine where state = ${sql.lit(CommandState.Sent)} order by seq`;
    return { compile: () => query.compile(db) };
  }
  return db
    .selectFrom("commands")
    .selectAll()
    .where("session_id", "=", p.sessionId)
    .where("state", "=", sql.lit(CommandState.Sent))
    .orderBy("seq");
});

/**
 * The commands `sent` in the session go back to the queue or end, by their delivery policy
 * (delivery-rules.ts); the caller's transaction makes it atomic with the session's end.
 */
export async function requeueInTx(
  trx: Db,
  sessionId: string,
  now: number,
  /** The session's `sent` commands when the caller read them already, under the device's lock. */
  sent?: readonly CommandRow[],
): Promise<{ requeued: Command[]; unanswered: Command[] }> {
  const rows = sent ?? (await sentInSession.all(trx, { sessionId }));
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

export function createSqlSessionCommands(
  ctx: SqlContext,
): Pick<CommandStore, "takeBatch" | "recordResults" | "requeueSession"> {
  return {
    takeBatch: async (input) => {
      const max = requireInt(input.max, "max", 1);
      const packageNo = requireInt(input.packageNo, "packageNo", 0);
      const first = requireInt(input.firstPosition ?? 0, "firstPosition", 0);
      return ctx.transaction(async (trx) => {
        const take = {
          deviceId: input.deviceId,
          sessionId: input.sessionId,
          max,
          packageNo,
          firstPosition: first,
          now: ctx.now(),
        };
        if (ctx.dialect === SqlDialect.Sqlite) return (await takeQueuedSqlite(trx, take)).map(toCommand);
        return (await takeQueuedPg(ctx, trx, take)).map(toCommand);
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
        if (ctx.dialect === SqlDialect.Postgres) {
          // One statement when every answer's command is in flight here; else read them and decide each (below).
          const now = ctx.now();
          const answers = prepared.map(({ r, result, correlation }) => ({
            id: r.commandId,
            state: r.outcome,
            completedAt: r.outcome === CommandState.Accepted ? null : now,
            statusCode: r.statusCode,
            result,
            correlation: correlation === undefined ? undefined : correlationColumns(correlation),
          }));
          const written = await recordSentPg(ctx, trx, sessionId, now, answers);
          if (written !== undefined) return written.map(toCommand);
        }
        const rows =
          ctx.dialect === SqlDialect.Postgres
            ? await readAnsweredPg(
                ctx,
                trx,
                results.map((r) => r.commandId),
              )
            : await byIds(results.length).all(trx, Object.fromEntries(results.map((r, i) => [`id${i}`, r.commandId])));
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
        const writes = prepared.map(({ r, result, correlation }) => {
          const row = found.get(r.commandId) as CommandRow;
          // A command cancelled while sent stays cancelled; its late answer is recorded (docs/delivery.md).
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
        const written =
          ctx.dialect === SqlDialect.Sqlite
            ? await writeResultsSqlite(trx, sessionId, now, writes, found)
            : await writeResultsPg(ctx, trx, sessionId, now, writes);
        return written.map(toCommand);
      });
    },
    requeueSession: async (sessionId) =>
      ctx.transaction(async (trx) => (await requeueInTx(trx, sessionId, ctx.now())).requeued),
  };
}
