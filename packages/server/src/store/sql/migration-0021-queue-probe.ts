// Migration 0021 (PostgreSQL only): `omadm_has_queued(device)`, whether a device has a command in `queued`,
// read with a snapshot of its own. A Package#3's answers statement (sql-commands-pg-session.ts `recordSent`)
// calls it once it holds the device's row lock, to learn whether the next batch can be empty without a statement
// of its own. A subquery in that statement could not say: under READ COMMITTED a statement reads with the
// snapshot taken when it began, and when it then waited for the lock (another transaction queuing a command for
// the device held it), that snapshot misses what the other transaction committed. A VOLATILE function takes a
// fresh snapshot for each query it runs (PostgreSQL documentation, "Function Volatility Categories"), so it sees
// everything committed before the lock was granted; PL/pgSQL, because a SQL function may be inlined into the
// caller's query and read with its snapshot. Idempotent: CREATE OR REPLACE.
import { sql, type Kysely, type Migration } from "kysely";

export const HAS_QUEUED_FUNCTION = "omadm_has_queued";

export function queueProbeMigration(postgres: boolean): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (!postgres) return;
      // The literal state matches the queue index's entries; COLLATE "C" is the column's own (migrations.ts keys).
      await sql
        .raw(
          `create or replace function ${HAS_QUEUED_FUNCTION}(p_device text) returns boolean
            language plpgsql volatile as $$
            begin
              return exists (select 1 from commands where device_id = p_device collate "C" and state = 'queued');
            end $$`,
        )
        .execute(db);
    },
  };
}
