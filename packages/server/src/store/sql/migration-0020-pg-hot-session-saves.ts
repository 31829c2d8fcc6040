// Migration 0020, PostgreSQL only: a DM package's session save becomes a HOT update. PostgreSQL writes a new
// entry into every index of a row whose UPDATE changes an indexed column, or finds no room on the row's page
// ("Heap-Only Tuples" in the PostgreSQL documentation); otherwise the new version stays on the page and no index
// is touched. A save (every package, twice a session) changes state_name, state_data, package_no,
// last_activity_at, version and idle_expires_at, and of those only idle_expires_at is indexed, by sessions_idle
// (status, idle_expires_at). Without that index, and with a fifth of each new page kept free for new versions,
// a save writes no index entry instead of one in each of the table's indexes.
// sessions_idle's readers (the idle sweep, the live count, admission's check of sessions it counts) all ask for
// open sessions, which sessions_by_status (status, created_at, id) reads in one range: O(open sessions), which
// `dm.maxOpenSessions` bounds per node. SQLite keeps the index: its UPDATEs rewrite only the changed indexes.
import { sql, type Kysely, type Migration } from "kysely";

export function hotSessionSavesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`drop index if exists sessions_idle`.execute(db);
      await sql`alter table sessions set (fillfactor = 80)`.execute(db);
    },
  };
}
