// Migration 0020: the DM session path writes fewer index entries. An UPDATE rewrites the entry of every index
// holding a column it sets (a delete and an insert in that b-tree), and each b-tree page it dirties is written to
// the WAL at the next commit; a session moves each of its commands twice and its own row three times.
// - sessions_idle (status, idle_expires_at) becomes sessions_open_idle, the same where status = 'open'. Its
//   readers (the idle sweep `expireIdle`, the fleet gauge `countLive`) ask for open sessions only, with the
//   literal 'open' (a bound value would make SQLite re-plan the statement on every call to check the predicate).
//   The status column stays in it: without it SQLite's planner prefers sessions_by_status's equality and sorts
//   every open session by expiry for each sweep batch.
//   Closing a session now deletes its entry instead of moving it among the ended ones, and the index holds the
//   open sessions only: a few pages, whatever the history.
// - commands_by_session (session_id, state, seq) becomes (session_id, seq): recording a result or requeueing no
//   longer moves the entry (the state changes, the session stays). Its readers filter a session's commands by
//   state (`sentInSession`, the session close's requeue; `commands.list` with sessionId and state): a session's
//   commands are the batches of its packages, so reading all of them costs O(session), not O(table).
// - commands_expiry (state, expires_at) where expires_at is not null becomes the same where state = 'queued' and
//   expires_at is not null: its one reader, the expiry sweep `expireDue`, asks for queued commands only (literal
//   'queued'). A command leaves it when sent; its later moves do not touch it.
// - SQLite only: commands_queue (device_id, state, seq) holds the commands not done — a delivered command
//   leaves it, so it stays a few pages per device instead of the device's whole history, and the result that
//   ends a command deletes one entry instead of moving it. Its readers name their state as a literal (the next
//   batch and a device's overdue commands: queued; an asynchronous completion: accepted; a device's commands
//   in a state other than done, listed); a device's done commands are listed off commands_by_device, filtered,
//   which reads about one row per row listed since done is what most of a device's commands become.
//   PostgreSQL keeps the full index: its named statements bind the state, and a generic plan could not prove a
//   bound state inside the predicate.
// - PostgreSQL only: no index on idle_expires_at at all, and a fifth of each new page of sessions left free.
//   PostgreSQL writes a new entry into every index of a row whose UPDATE changes an indexed column, or finds no
//   room on the row's page ("Heap-Only Tuples" in the PostgreSQL documentation); otherwise the new version stays
//   on the page and no index is touched. A save (every package) changes state_name, state_data, package_no,
//   last_activity_at, version and idle_expires_at; with no index on any of them it is a HOT update. The idle
//   sweep and the live count read the open sessions off sessions_by_status (status, created_at, id): O(open
//   sessions), which `dm.maxOpenSessions` bounds per node. SQLite keeps sessions_open_idle: its UPDATE rewrites
//   only the indexes of the columns it sets.
// Run after 0019 (which made the middle two partial); idempotent like every migration: each index is dropped if
// present and created again.
import { sql, type Kysely, type Migration } from "kysely";

const OPEN_IDLE = ["sessions_open_idle", "sessions (status, idle_expires_at) where status = 'open'"] as const;

const REPLACED: readonly (readonly [name: string, definition: string])[] = [
  ["commands_by_session", "commands (session_id, seq) where session_id is not null"],
  ["commands_expiry", "commands (state, expires_at) where state = 'queued' and expires_at is not null"],
];

/**
 * Every command state but done (as of this migration: a state added later is simply not in the index), as the
 * OR of equalities SQLite's planner matches a literal `state = '…'` against.
 */
const NOT_DONE = ["queued", "sent", "accepted", "failed", "expired", "cancelled", "unknown"]
  .map((s) => `state = '${s}'`)
  .join(" or ");

export function leanSessionIndexesMigration(postgres: boolean): Migration {
  const replaced = postgres
    ? REPLACED
    : [OPEN_IDLE, ...REPLACED, ["commands_queue", `commands (device_id, state, seq) where ${NOT_DONE}`] as const];
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("sessions_idle").ifExists().execute();
      for (const [name, definition] of replaced) {
        await db.schema.dropIndex(name).ifExists().execute();
        await sql.raw(`create index if not exists ${name} on ${definition}`).execute(db);
      }
      if (postgres) {
        await db.schema.dropIndex(OPEN_IDLE[0]).ifExists().execute();
        await sql`alter table sessions set (fillfactor = 80)`.execute(db);
      }
    },
  };
}
