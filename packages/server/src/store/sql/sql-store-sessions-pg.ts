// The PostgreSQL store's `sessions.close` in one statement: it locks the device's row (found through the session:
// the device lock every writer of its queue takes first), saves the session's last changes if given (a DM
// session's final state, at the version the caller read: as `sessions.update`, live and unchanged since), closes
// it if open, and reads what it has in flight. One round trip where a save and then a close took two.
//
// The in-flight read is only used when this transaction held the device's lock before the statement (the DM
// path: recordResults took it); else the statement's snapshot may predate the lock, and the in-flight commands
// are read again under it. That read names the session and `sent` as such (not through the CTE, not as a
// parameter), so that PostgreSQL reads them off commands_by_session instead of every sent command of the fleet.
import { sql, type Compilable, type RawBuilder } from "kysely";
import { SessionStatus, type CloseSessionResult } from "../types-session.js";
import { CommandState } from "../types.js";
import type { CommandRow } from "./sql-commands-rows.js";
import { requeueInTx } from "./sql-commands-session.js";
import { preparedBy } from "./prepared.js";
import type { Db, SqlContext } from "./sql-context.js";
import { patchParams, toSession, type PatchWrite, type SessionRow } from "./sql-session-writes.js";

/** What one close statement sets and checks (one prepared statement per shape). */
interface CloseShape {
  /** The final patch's columns, each value a parameter of the same name; none without a final patch. */
  readonly columns: readonly string[];
  /** A final patch: the session must be live (idle expiry ahead), and its activity is refreshed. */
  readonly touch: boolean;
  /** With `touch`: a new idle timeout (parameter idle_expires_at). */
  readonly newTimeout: boolean;
  /** Only at version `expectedVersion`. */
  readonly versioned: boolean;
}

type Params = Record<string, unknown>;
type Closed = SessionRow & { sent: CommandRow[] };

const closeQuery = preparedBy(
  (s: CloseShape) => `${s.columns.join()}|${s.touch}|${s.newTimeout}|${s.versioned}`,
  (s: CloseShape) =>
    (db: Db, p: Params): Compilable<Closed> => {
      const sets: RawBuilder<unknown>[] = s.columns.map((c) => sql`${sql.ref(c)} = ${p[c]}`);
      if (s.touch) {
        sets.push(sql`last_activity_at = ${p.now}::bigint`);
        sets.push(
          s.newTimeout
            ? sql`idle_expires_at = ${p.idle_expires_at}::bigint`
            : sql`idle_expires_at = idle_timeout_ms + ${p.now}::bigint`,
        );
      }
      // One step per change made: a save and a close at once count as the two they replace (as on SQLite).
      sets.push(
        sql`status = ${p.status}, ended_at = ${p.now}::bigint, version = version + ${sql.lit(s.touch ? 2 : 1)}`,
      );
      const live = s.touch ? sql` and idle_expires_at > ${p.now}::bigint` : sql``;
      const atVersion = s.versioned ? sql` and version = ${p.expectedVersion}::int` : sql``;
      // The session's commands are read off commands_by_session in a CTE of their own and only then filtered
      // by state: with `session_id = … and state = 'sent'` in one condition, PostgreSQL's generic plan walked
      // every command in flight in the fleet (commands_by_state; its statistics saw few) for each close.
      const query = sql<Closed>`with target as materialized (
          select s.id from sessions s join devices d on d.id = s.device_id where s.id = ${p.id}
            for no key update of d),
        closed as (update sessions set ${sql.join(sets)}
          where id = (select id from target) and status = ${SessionStatus.Open}${live}${atVersion} returning *),
        mine as materialized (select * from commands where session_id = ${p.id})
        select closed.*, (select coalesce(json_agg(c order by c.seq), '[]'::json) from mine c
          where c.state = ${sql.lit(CommandState.Sent)}) as sent
        from closed`;
      return { compile: () => query.compile(db) };
    },
);

/**
 * Closes session `id` with `status` if it is open (and, with `final`, live; with `expectedVersion`, at that
 * version), saving `final` in the same UPDATE, and requeues its in-flight commands; undefined if its conditions
 * did not hold.
 */
export async function closePg(
  ctx: SqlContext,
  trx: Db,
  id: string,
  status: SessionStatus,
  now: number,
  extra: { readonly final?: PatchWrite | undefined; readonly expectedVersion?: number | undefined } = {},
): Promise<CloseSessionResult | undefined> {
  const { final, expectedVersion } = extra;
  const shape: CloseShape = {
    columns: final?.columns ?? [],
    touch: final !== undefined,
    newTimeout: final?.newTimeout ?? false,
    versioned: expectedVersion !== undefined,
  };
  const params = { ...(final && patchParams(final, now)), id, status, now, expectedVersion };
  const row = await closeQuery(shape).first(trx, params);
  if (row === undefined) return undefined;
  const { sent, ...session } = row;
  const fresh = ctx.holdsDevice(session.device_id);
  ctx.deviceLocked(session.device_id);
  return { session: toSession(session), ...(await requeueInTx(trx, id, now, fresh ? sent : undefined)) };
}
