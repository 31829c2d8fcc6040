// The SQLite store's `commands.takeBatch` in three statements, whatever the batch size: one SELECT reads the
// session (to check it is the device's live session), one the next queued commands, one UPDATE moves all of them
// to `sent` (before: one for expiry too, and one per command). SQLite runs every writer under the commit
// group's write lock (BEGIN IMMEDIATE), so nothing changes between them; the UPDATE's own condition (still
// queued) and the row count check it anyway. (Reading the session and the queue in one SELECT, a LEFT JOIN on a
// LIMITed subquery, saves a statement but costs twice the two: SQLite materializes the subquery each time.)
//
// Expiry follows the memory store: a queued command past its expiry that would have been taken is expired
// instead (with every other overdue command of the device, in one statement), never sent. Overdue commands
// behind a full batch wait for the sweeper or the next batch; they are never sent either.
import { sql } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { sessionLive } from "../queue-rules.js";
import { illegalCommand, sessionNotFound } from "../rules.js";
import { CommandState } from "../types.js";
import { SessionStatus } from "../types-session.js";
import type { CommandsTable } from "./schema.js";
import type { Selectable } from "kysely";
import { prepared, preparedBy } from "./prepared.js";
import { byIdQuery } from "./sql-commands-rows.js";
import type { Db } from "./sql-context.js";

type CommandRow = Selectable<CommandsTable>;

export interface TakeInput {
  readonly deviceId: string;
  readonly sessionId: string;
  readonly max: number;
  readonly packageNo: number;
  readonly firstPosition: number;
  readonly now: number;
}

const sessionForTake = prepared((db, p: { sessionId: string }) =>
  db.selectFrom("sessions").select(["id", "device_id", "status", "idle_expires_at"]).where("id", "=", p.sessionId),
);

/** SESSION_NOT_FOUND / SESSION_NOT_OPEN unless the session is the device's live session. */
export function requireLiveSession(
  session:
    | { readonly id: string; readonly device_id: string; readonly status: string; readonly idle_expires_at: number }
    | undefined,
  sessionId: string,
  deviceId: string,
  now: number,
): asserts session {
  if (session === undefined) throw sessionNotFound(sessionId);
  const live = sessionLive({ status: session.status as SessionStatus, idleExpiresAt: session.idle_expires_at }, now);
  if (session.device_id !== deviceId || !live) {
    throw new ServerError(ServerErrorCode.SESSION_NOT_OPEN, `session ${session.id} is not the device's live session`);
  }
}

/**
 * 'queued' as a literal wherever a state is compared: commands_expiry is partial on it, and SQLite checks a
 * partial index's predicate against the bound value, re-planning the statement on every later call.
 */
const QUEUED = sql.lit(CommandState.Queued);

// The batch size is a literal, one statement per size: SQLite reads a bound LIMIT's value while planning, so it
// re-prepares the statement whenever that parameter is bound again — measured, 5x the cost of the query itself.
const nextQueued = preparedBy(
  (max: number) => String(max),
  (max: number) => (db: Db, p: { deviceId: string }) =>
    db
      .selectFrom("commands")
      .selectAll()
      .where("device_id", "=", p.deviceId)
      .where("state", "=", QUEUED)
      .orderBy("seq")
      .limit(sql.lit(max)),
);

const expireQueuedOfDevice = prepared((db, p: { deviceId: string; now: number }) =>
  db
    .updateTable("commands")
    .set({ state: CommandState.Expired, updated_at: p.now, completed_at: p.now })
    .where("device_id", "=", p.deviceId)
    .where("state", "=", QUEUED)
    // `+expires_at`: else SQLite reads commands_expiry, every overdue queued command of every device.
    .where(sql<boolean>`+"expires_at" <= ${p.now}`),
);

/** `n` commands to `sent`: parameters id0…, pos0… (their positions), sessionId, packageNo, now. */
const markSent = preparedBy(
  (n: number) => String(n),
  (n: number) => (db: Db, p: Record<string, unknown>) => {
    const ids = Array.from({ length: n }, (_, i) => p[`id${i}`] as string);
    const position = sql<number>`case "id" ${sql.join(
      ids.map((id, i) => sql`when ${id} then ${p[`pos${i}`]}`),
      sql` `,
    )} end`;
    return (
      db
        .updateTable("commands")
        .set((eb) => ({
          state: CommandState.Sent,
          session_id: p.sessionId as string,
          package_no: p.packageNo as number,
          position,
          sent_at: p.now as number,
          attempts: eb("attempts", "+", 1),
          updated_at: p.now as number,
        }))
        .where("id", "in", ids)
        // `+state`: SQLite would otherwise walk commands_by_state over every queued command of every device.
        .where(sql<boolean>`+"state" = ${QUEUED}`)
      // No RETURNING: every new value is known here (the rows were read under the same write lock), the row
      // count checks it, and SQLite builds RETURNING's rows in an ephemeral table (more than the UPDATE costs).
    );
  },
);

function overdue(row: CommandRow, now: number): boolean {
  return row.expires_at !== null && row.expires_at <= now;
}

/** Checks the session, then takes up to `max` queued commands of the device into it; rows in queue order. */
export async function takeQueuedSqlite(trx: Db, input: TakeInput): Promise<CommandRow[]> {
  const { deviceId, sessionId, max, now } = input;
  requireLiveSession(await sessionForTake.first(trx, { sessionId }), sessionId, deviceId, now);
  let rows = await nextQueued(max).all(trx, { deviceId });
  if (rows.some((r) => overdue(r, now))) {
    await expireQueuedOfDevice.run(trx, { deviceId, now });
    rows = await nextQueued(max).all(trx, { deviceId });
  }
  if (rows.length === 0) return [];
  const params: Record<string, unknown> = { sessionId, packageNo: input.packageNo, now };
  rows.forEach((r, i) => {
    params[`id${i}`] = r.id;
    params[`pos${i}`] = input.firstPosition + i;
  });
  const updated = await markSent(rows.length).run(trx, params);
  if (updated !== rows.length) {
    // Cannot happen under the write lock; if it does, the statement's changes are undone with the member.
    const states = await Promise.all(rows.map((r) => byIdQuery.first(trx, { id: r.id })));
    const moved = rows.find((r, i) => states[i]?.session_id !== sessionId) ?? rows[0];
    throw illegalCommand(moved?.id ?? "", CommandState.Queued, CommandState.Sent);
  }
  // What the UPDATE wrote, in queue order (= position order).
  return rows.map((r, i) => ({
    ...r,
    state: CommandState.Sent,
    session_id: sessionId,
    package_no: input.packageNo,
    position: input.firstPosition + i,
    sent_at: now,
    attempts: r.attempts + 1,
    updated_at: now,
  }));
}
