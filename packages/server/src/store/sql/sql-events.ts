// The SQL event log (SQLite and PostgreSQL) over the server_events table of migration 0007.
//
// Gap-free resume needs ids to become visible in id order. SQLite serializes writers (BEGIN IMMEDIATE), so that
// holds by itself. PostgreSQL hands out identity values before commit, so two nodes appending at once could
// commit id 8 before id 7 and a reader between the two commits would skip 7 for good: every append therefore
// takes one advisory lock for its transaction, which makes appends commit one after another, in id order.
import { sql, type Generated, type Kysely, type Selectable } from "kysely";
import type { EventLog, NewServerEvent, ServerEvent } from "../../events/event-types.js";
import type { JsonValue } from "../types.js";
import { checkEventQuery, checkNewEvents } from "../event-rules.js";
import { chunksOf, ROWS_PER_STATEMENT } from "./chunks.js";
import { SqlDialect } from "./migrations.js";
import { preparedRows } from "./prepared.js";
import type { Db, SqlContext } from "./sql-context.js";
import { sqlGuard } from "./sql-errors.js";
import { EVENTS_TABLE } from "./migration-0007-events.js";

interface EventsTable {
  id: Generated<number>;
  kind: string;
  device_id: string | null;
  session_id: string | null;
  command_id: string | null;
  data: string;
  at: number;
}
type EventsDb = Kysely<{ [EVENTS_TABLE]: EventsTable }>;
type Row = Selectable<EventsTable>;

const APPEND_LOCK = "omadm:server_events";

export function createSqlEventLog(ctx: SqlContext): EventLog {
  const db = (): EventsDb => ctx.db() as unknown as EventsDb;
  const guard = <T>(method: string, args: readonly unknown[], call: () => Promise<T>): Promise<T> =>
    sqlGuard(call, method, args) as Promise<T>;
  return {
    append: (events) =>
      guard("append", [events], async () => {
        checkNewEvents(events);
        if (events.length === 0) return [];
        if (ctx.dialect === SqlDialect.Postgres && events.length <= ROWS_PER_STATEMENT) {
          return withIds(events, await appendLockedPg(ctx.db(), events));
        }
        return ctx.transaction(async (trx) => {
          if (ctx.dialect === SqlDialect.Postgres) await ctx.lock(trx, APPEND_LOCK);
          return appendRows(trx, events);
        });
      }),
    after: (query) =>
      guard("after", [query], async () => {
        checkEventQuery(query);
        let q = db().selectFrom(EVENTS_TABLE).selectAll().where("id", ">", query.afterId);
        if (query.kinds !== undefined && query.kinds.length > 0) q = q.where("kind", "in", [...query.kinds]);
        if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
        const rows = await q.orderBy("id").limit(query.limit).execute();
        return rows.map(fromRow);
      }),
    lastId: () => guard("lastId", [], () => lastId(db())),
    prune: (keep, limit) =>
      guard("prune", [keep, limit], async () => {
        // Ids are handed out one by one and never reused, so the newest `keep` events are the ones above
        // lastId − keep: no walk over the kept rows to find the boundary (an OFFSET over `events.retain` rows
        // read the whole window each time). On SQLite ids have no gaps (a rolled-back append gives its ids
        // back); on PostgreSQL an id an append used and rolled back counts as one of the `keep`.
        const kept = Math.max(1, Math.trunc(keep));
        const last = await lastId(db());
        const below = last - kept + 1;
        if (below <= 1) return 0;
        const oldest = db()
          .selectFrom(EVENTS_TABLE)
          .select("id")
          .where("id", "<", below)
          .orderBy("id")
          .limit(Math.max(1, Math.trunc(limit)));
        const result = await db().deleteFrom(EVENTS_TABLE).where("id", "in", oldest).executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}

async function lastId(db: EventsDb): Promise<number> {
  const row = await db
    .selectFrom(EVENTS_TABLE)
    .select((eb) => eb.fn.max("id").as("last"))
    .executeTakeFirst();
  return row?.last ?? 0;
}

const COLUMNS = ["kind", "device_id", "session_id", "command_id", "data", "at"] as const;
const insertReturningIds = preparedRows<Omit<Row, "id">, { id: number }>(COLUMNS, (db, rows) =>
  (db as unknown as EventsDb).insertInto(EVENTS_TABLE).values(rows).returning("id"),
);

/**
 * PostgreSQL, what fits one INSERT in one statement (a round trip instead of BEGIN, lock, INSERT, COMMIT): the
 * append lock is taken in the statement, before any row gets its id (a cross join is a nested loop, and each
 * row's identity value is computed as the join hands it on, after the lock's one row), and held until the
 * statement's transaction, or the caller's, commits. The rows keep VALUES order, so their ids increase in it.
 */
async function appendLockedPg(db: Db, events: readonly NewServerEvent[]): Promise<number[]> {
  const rows = events.map((e) => {
    const r = toRow(e);
    return sql`(${r.kind}, ${r.device_id}, ${r.session_id}, ${r.command_id}, ${r.data}, ${r.at}::bigint)`;
  });
  const inserted = await sql<{ id: number }>`with l as materialized (
      select pg_advisory_xact_lock(hashtext(${APPEND_LOCK})))
    insert into ${sql.table(EVENTS_TABLE)} (kind, device_id, session_id, command_id, data, at)
    select v.* from l cross join (values ${sql.join(rows)}) as v(kind, device_id, session_id, command_id, data, at)
    returning id`.execute(db);
  return inserted.rows.map((r) => r.id).sort((a, b) => a - b);
}

/** The events with the ids their rows got, in order. */
function withIds(events: readonly NewServerEvent[], ids: readonly number[]): ServerEvent[] {
  return events.map((e, i) => ({
    id: ids[i] ?? 0,
    kind: e.kind,
    deviceId: e.deviceId,
    sessionId: e.sessionId,
    commandId: e.commandId,
    data: e.data,
    at: e.at,
  }));
}

/**
 * Only the new ids come back (no row read back, no JSON parsed again). One writer (SQLite's write lock, or the
 * PostgreSQL append lock) inserts the rows of a multi-row INSERT in VALUES order with increasing ids, so the
 * sorted ids belong to the events in order.
 */
async function appendRows(trx: Db, events: readonly NewServerEvent[]): Promise<ServerEvent[]> {
  const out: ServerEvent[] = [];
  for (const chunk of chunksOf(events)) {
    const ids = (await insertReturningIds(trx, chunk.map(toRow))).map((r) => r.id).sort((a, b) => a - b);
    out.push(...withIds(chunk, ids));
  }
  return out;
}

function toRow(e: NewServerEvent): Omit<Row, "id"> {
  return {
    kind: e.kind,
    device_id: e.deviceId,
    session_id: e.sessionId,
    command_id: e.commandId,
    data: JSON.stringify(e.data),
    at: e.at,
  };
}

function fromRow(r: Row): ServerEvent {
  return {
    id: r.id,
    kind: r.kind,
    deviceId: r.device_id,
    sessionId: r.session_id,
    commandId: r.command_id,
    data: JSON.parse(r.data) as JsonValue,
    at: r.at,
  };
}
