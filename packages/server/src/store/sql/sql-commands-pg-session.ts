// The PostgreSQL store's `takeBatch` and `recordResults` in a statement or two each, whatever the batch size
// (before: one statement per command, plus an advisory lock and reads). Both run under the device's row lock
// (sql-context.ts `lockDevice`), taken once per transaction, before anything that locks command rows: the order
// every writer of a device's queue follows (sessions.close, expireIdle), so two nodes never deadlock on it.
//
// takeBatch: one statement checks the session (the device's, open, not idle-expired), expires the device's
// overdue queued commands (never sent: docs/delivery.md, as the memory and SQLite stores), and moves the next
// `max` queued ones to `sent`; when the session is not live it changes nothing. Each row's UPDATE keeps
// `state = 'queued'` in its condition, so a command cancelled meanwhile (cancel takes no device lock) is
// skipped, not sent.
//
// recordResults: one statement writes every answer when all their commands are in flight in the session (the
// usual Package#3); otherwise the commands are read (locking the device) and each answer decided, then written.
import { sql, type Compilable } from "kysely";
import { illegalCommand } from "../rules.js";
import { CommandState } from "../types.js";
import { SessionStatus } from "../types-session.js";
import type { CommandRow } from "./sql-commands-rows.js";
import { HAS_QUEUED_FUNCTION } from "./migration-0021-queue-probe.js";
import { prepared } from "./prepared.js";
import type { ResultWrite } from "./sqlite-record-results.js";
import { requireLiveSession, type TakeInput } from "./sqlite-take-batch.js";
import type { Db, SqlContext } from "./sql-context.js";

type SessionAndTaken = {
  readonly s_id: string;
  readonly s_device_id: string;
  readonly s_status: string;
  readonly s_idle_expires_at: number;
} & { [K in keyof CommandRow]: CommandRow[K] | null };

// The states and the session status are literals, not parameters: a named statement's generic plan then still
// matches the partial indexes and the per-state ranges. `next` is materialized (at most `max` rows) and the rows
// are then updated by their primary key: a plan that rescanned `next` once per queued command of the whole table
// (what PostgreSQL chose without statistics) cost O(the fleet's queue) per package.
const QUEUED = sql.lit(CommandState.Queued);
const takeQueued = prepared((db, p: TakeInput): Compilable<SessionAndTaken> => {
  const query = sql<SessionAndTaken>`with s as (
      select id, device_id, status, idle_expires_at from sessions where id = ${p.sessionId}),
    live as (select 1 from s where s.device_id = ${p.deviceId} and s.status = ${sql.lit(SessionStatus.Open)}
      and s.idle_expires_at > ${p.now}::bigint),
    expired as (update commands set state = ${sql.lit(CommandState.Expired)}, updated_at = ${p.now}::bigint,
      completed_at = ${p.now}::bigint
      where device_id = ${p.deviceId} and state = ${QUEUED} and expires_at <= ${p.now}::bigint
        and exists (select 1 from live)),
    next as materialized (select seq, (row_number() over (order by seq))::int - 1 as i from commands
      where device_id = ${p.deviceId} and state = ${QUEUED}
        and (expires_at is null or expires_at > ${p.now}::bigint) and exists (select 1 from live)
      order by seq limit ${p.max}::int),
    taken as (update commands c set state = ${sql.lit(CommandState.Sent)}, session_id = ${p.sessionId},
      package_no = ${p.packageNo}::int, position = ${p.firstPosition}::int + next.i, sent_at = ${p.now}::bigint,
      attempts = c.attempts + 1, updated_at = ${p.now}::bigint
      from next where c.seq = next.seq and c.state = ${QUEUED}
      returning c.*)
    select s.id as s_id, s.device_id as s_device_id, s.status as s_status, s.idle_expires_at as s_idle_expires_at,
      taken.* from s left join taken on true order by taken.seq`;
  return { compile: () => query.compile(db) };
});

export async function takeQueuedPg(ctx: SqlContext, trx: Db, input: TakeInput): Promise<CommandRow[]> {
  // The Package#3's answers just found the device's queue empty, under its lock (recordSentPg): nothing to take,
  // and no statement. The session is live as far as the take would check: its commands were still in flight
  // in it under the same lock, which every close, supersede and expiry takes before it requeues them; the close
  // that follows an empty take checks the session once more itself.
  if (ctx.knowsQueueEmpty(input.deviceId)) return [];
  await ctx.lockDevice(trx, input.deviceId);
  const rows = await takeQueued.all(trx, input);
  const first = rows[0];
  const session =
    first === undefined
      ? undefined
      : {
          id: first.s_id,
          device_id: first.s_device_id,
          status: first.s_status,
          idle_expires_at: first.s_idle_expires_at,
        };
  // Refused before anything changed: the statement writes only when the session is live.
  requireLiveSession(session, input.sessionId, input.deviceId, input.now);
  return rows.filter((r) => r.id !== null) as CommandRow[];
}

/** A Package#3's answers to commands all still in flight in the session: what each command becomes. */
export interface SentAnswer {
  readonly id: string;
  readonly state: CommandState;
  readonly completedAt: number | null;
  readonly statusCode: number;
  readonly result: string;
  /** The async correlation the answer sets, or undefined to keep the command's own. */
  readonly correlation:
    { readonly async_source_uri: string | null; readonly async_server_uri: string | null } | undefined;
}

/** What both answer statements write per command, as parallel arrays, and the session they belong to. */
interface ResultArrays {
  ids: string[];
  states: string[];
  completed: (number | null)[];
  codes: number[];
  results: string[];
  sources: (string | null)[];
  servers: (string | null)[];
  sessionId: string;
  now: number;
}

interface SentArrays extends ResultArrays {
  corr: boolean[];
  first: string;
  n: number;
}

// The device's row lock first (found through the first command: a Package#3 is one device's), then each answered
// command probed by its unique id (`limit 1` keeps it a probe), kept with its seq when it is in flight in this
// session; the check that all of them are gates the UPDATE as a whole: it writes all or nothing. The UPDATE finds
// its rows by that seq and re-checks each row's state as it writes it (a command cancelled meanwhile is left
// alone), so a shortfall is still possible, as with a separate read. The re-check compares with the state `cur`
// read (sent), not the literal: with `state = 'sent'` PostgreSQL's generic plan walked every command in flight in
// the fleet (commands_by_state; its statistics saw few) and matched each against the answers, O(the fleet's open
// sessions) per Package#3. Now the UPDATE's only constant condition is the session: O(the batch) either way.
const SENT = sql.lit(CommandState.Sent);
/** A written row, and whether its device has any queued command, read once the statement holds the device's lock
 *  with a snapshot of its own (migration-0021-queue-probe.ts: the statement's own began before the lock). */
type SentRow = CommandRow & { readonly queued_left: boolean };
const recordSent = prepared((db, p: SentArrays): Compilable<SentRow> => {
  const query = sql<SentRow>`with d as materialized (select id from devices
      where id = (select device_id from commands where id = ${p.first}) for no key update),
    cur as materialized (select c.cur_seq, c.cur_state, w.* from d
      cross join lateral unnest(${p.ids}::text[], ${p.states}::text[], ${p.completed}::bigint[], ${p.codes}::int[],
        ${p.results}::text[], ${p.corr}::boolean[], ${p.sources}::text[], ${p.servers}::text[])
        as w(id, state, completed_at, status_code, result, corr, src, srv)
      cross join lateral (select seq as cur_seq, state as cur_state, session_id as cur_session from commands
        where commands.id = w.id limit 1) c
      where c.cur_state = ${SENT} and c.cur_session = ${p.sessionId}),
    ok as (select count(*) = ${p.n}::int as ok from cur)
    update commands c set state = w.state, completed_at = w.completed_at, status_code = w.status_code,
      result = w.result, async_source_uri = case when w.corr then w.src else c.async_source_uri end,
      async_server_uri = case when w.corr then w.srv else c.async_server_uri end, updated_at = ${p.now}::bigint
    from cur w
    where c.seq = w.cur_seq and c.state = w.cur_state and c.session_id = ${p.sessionId} and (select ok from ok)
    returning c.*, (select ${sql.raw(HAS_QUEUED_FUNCTION)}(id) from d) as queued_left`;
  return { compile: () => query.compile(db) };
});

/**
 * A Package#3's answers in one statement when every command answered is still `sent` in the session (the usual
 * case): the rows as written, in the answers' order. Undefined when one is not (unknown, elsewhere, cancelled,
 * answered already): nothing was written, and the caller reads them and decides each. A shortfall after the
 * check (a command cancelled meanwhile) poisons the transaction: the others are written, without a savepoint.
 */
export async function recordSentPg(
  ctx: SqlContext,
  trx: Db,
  sessionId: string,
  now: number,
  answers: readonly SentAnswer[],
): Promise<CommandRow[] | undefined> {
  const rows = await recordSent.all(trx, {
    ids: answers.map((a) => a.id),
    states: answers.map((a) => a.state),
    completed: answers.map((a) => a.completedAt),
    codes: answers.map((a) => a.statusCode),
    results: answers.map((a) => a.result),
    corr: answers.map((a) => a.correlation !== undefined),
    sources: answers.map((a) => a.correlation?.async_source_uri ?? null),
    servers: answers.map((a) => a.correlation?.async_server_uri ?? null),
    first: answers[0]?.id ?? "",
    n: answers.length,
    sessionId,
    now,
  });
  const first = rows[0];
  if (first === undefined) return undefined;
  ctx.deviceLocked(first.device_id);
  // An answer never queues its command (done, failed or accepted), so the queue is as the statement found it.
  if (!first.queued_left) ctx.queueSeenEmpty(first.device_id);
  return inItemOrder(ctx, rows, answers, (a) => illegalCommand(a.id, CommandState.Sent, a.state));
}

/**
 * The commands answered, read with their device's row locked (the first one's: a Package#3 is one device's).
 * Each by its unique id, one index probe per answer (`limit 1` keeps the subquery a probe, never a join the
 * planner may turn into a scan): with `id = any(…)` PostgreSQL read every command while it thought the table small.
 */
const answeredLocking = prepared((db, p: { ids: string[]; first: string }): Compilable<CommandRow> => {
  const query = sql<CommandRow>`with d as materialized (select id from devices
      where id = (select device_id from commands where id = ${p.first}) for no key update)
    select c.* from d cross join lateral unnest(${p.ids}::text[]) as w(id)
      cross join lateral (select * from commands where commands.id = w.id limit 1) c`;
  return { compile: () => query.compile(db) };
});

export async function readAnsweredPg(ctx: SqlContext, trx: Db, ids: readonly string[]): Promise<CommandRow[]> {
  const rows = await answeredLocking.all(trx, { ids: [...ids], first: ids[0] ?? "" });
  const device = rows[0]?.device_id;
  if (device !== undefined) ctx.deviceLocked(device);
  return rows;
}

interface WriteArrays extends ResultArrays {
  froms: string[];
}

const writeResults = prepared((db, p: WriteArrays): Compilable<CommandRow> => {
  const query = sql<CommandRow>`update commands c set state = w.state, completed_at = w.completed_at,
      status_code = w.status_code, result = w.result, async_source_uri = w.src, async_server_uri = w.srv,
      updated_at = ${p.now}::bigint
    from unnest(${p.ids}::text[], ${p.froms}::text[], ${p.states}::text[], ${p.completed}::bigint[],
      ${p.codes}::int[], ${p.results}::text[], ${p.sources}::text[], ${p.servers}::text[])
      as w(id, from_state, state, completed_at, status_code, result, src, srv)
    where c.id = w.id and c.state = w.from_state and c.session_id = ${p.sessionId}
    returning c.*`;
  return { compile: () => query.compile(db) };
});

/**
 * Every result of a Package#3 in one UPDATE, each command still in the state it was checked in. Under the
 * device lock a shortfall means another node changed one meanwhile: refused, and since the others are written
 * already, the transaction is poisoned (it rolls back whole; this call runs without a savepoint).
 */
export async function writeResultsPg(
  ctx: SqlContext,
  trx: Db,
  sessionId: string,
  now: number,
  writes: readonly ResultWrite[],
): Promise<CommandRow[]> {
  const rows = await writeResults.all(trx, {
    ids: writes.map((w) => w.id),
    froms: writes.map((w) => w.from),
    states: writes.map((w) => w.state),
    completed: writes.map((w) => w.completedAt),
    codes: writes.map((w) => w.statusCode),
    results: writes.map((w) => w.result),
    sources: writes.map((w) => w.asyncSourceUri),
    servers: writes.map((w) => w.asyncServerUri),
    sessionId,
    now,
  });
  return inItemOrder(ctx, rows, writes, (w) => illegalCommand(w.id, w.from, w.to));
}

/**
 * The written rows in the order of the items asked for; an item without its row (its command was not in the
 * state the statement required) poisons the transaction with `missing(item)`, which is thrown.
 */
function inItemOrder<T extends { readonly id: string }>(
  ctx: SqlContext,
  rows: readonly CommandRow[],
  items: readonly T[],
  missing: (item: T) => Error,
): CommandRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return items.map((item) => {
    const row = byId.get(item.id);
    if (row === undefined) {
      const error = missing(item);
      ctx.poison(error);
      throw error;
    }
    return row;
  });
}
