// The SQLite store's `commands.takeBatch` after the session check: the batch in two statements, whatever its
// size — read the next queued commands, then move all of them to `sent` with one UPDATE (one statement per
// command before). SQLite runs every writer under the commit group's write lock (BEGIN IMMEDIATE), so nothing
// changes between the two; the UPDATE's own condition (still queued) and the row count check it anyway.
//
// Expiry follows the memory store: a queued command past its expiry that would have been taken is expired
// instead (with every other overdue command of the device, in one statement), never sent. Overdue commands
// behind a full batch wait for the sweeper or the next batch; they are never sent either.
import { sql } from "kysely";
import { illegalCommand } from "../rules.js";
import { CommandState } from "../types.js";
import type { CommandsTable } from "./schema.js";
import type { Selectable } from "kysely";
import { prepared, preparedBy } from "./prepared.js";
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

const nextQueued = prepared((db, p: { deviceId: string; max: number }) =>
  db
    .selectFrom("commands")
    .selectAll()
    .where("device_id", "=", p.deviceId)
    .where("state", "=", CommandState.Queued)
    .orderBy("seq")
    .limit(p.max),
);

const expireQueuedOfDevice = prepared((db, p: { deviceId: string; now: number }) =>
  db
    .updateTable("commands")
    .set({ state: CommandState.Expired, updated_at: p.now, completed_at: p.now })
    .where("device_id", "=", p.deviceId)
    .where("state", "=", CommandState.Queued)
    .where("expires_at", "<=", p.now),
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
    return db
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
      .where("state", "=", CommandState.Queued)
      .returningAll();
  },
);

function overdue(row: CommandRow, now: number): boolean {
  return row.expires_at !== null && row.expires_at <= now;
}

/** Takes up to `max` queued commands of the device into the session; rows in queue order. */
export async function takeQueuedSqlite(trx: Db, input: TakeInput): Promise<CommandRow[]> {
  let rows = await nextQueued.all(trx, { deviceId: input.deviceId, max: input.max });
  if (rows.some((r) => overdue(r, input.now))) {
    await expireQueuedOfDevice.run(trx, { deviceId: input.deviceId, now: input.now });
    rows = await nextQueued.all(trx, { deviceId: input.deviceId, max: input.max });
  }
  if (rows.length === 0) return [];
  const params: Record<string, unknown> = {
    sessionId: input.sessionId,
    packageNo: input.packageNo,
    now: input.now,
  };
  rows.forEach((r, i) => {
    params[`id${i}`] = r.id;
    params[`pos${i}`] = input.firstPosition + i;
  });
  const updated = await markSent(rows.length).all(trx, params);
  if (updated.length !== rows.length) {
    const moved = rows.find((r) => !updated.some((u) => u.id === r.id)) ?? rows[0];
    throw illegalCommand(moved?.id ?? "", CommandState.Queued, CommandState.Sent);
  }
  return updated.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
}
