// SQL store, sessions: the conditional UPDATEs of a session's row — a package's save, a close, or a last
// package's save and close at once — each one prepared statement per shape, giving back the row as written;
// and when one changes nothing, the reason.
// PostgreSQL gets it from RETURNING (one round trip). SQLite runs the UPDATE alone and reads the row by its key
// after it: SQLite builds RETURNING's rows in an ephemeral table, which costs a session UPDATE about four times
// the UPDATE itself, and twice the UPDATE and the point read together (measured with better-sqlite3). The
// commit group's write lock keeps the row as written between the two.
import { sql, type Selectable } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { checkSessionPatch, sessionLive } from "../queue-rules.js";
import { fromJsonText, sessionNotFound, toJsonText } from "../rules.js";
import { SessionStatus, type CloseSessionResult, type Session, type SessionPatch } from "../types-session.js";
import { requeueInTx } from "./sql-commands-session.js";
import { SqlDialect } from "./migrations.js";
import { prepared, preparedBy } from "./prepared.js";
import type { SessionsTable } from "./schema.js";
import type { Db } from "./sql-context.js";

export type SessionRow = Selectable<SessionsTable>;

/** What one session UPDATE sets and checks (one prepared statement per shape). */
export interface SessionWrite {
  /** The patch's columns (state_name, …), each value a parameter of the same name. */
  readonly columns: readonly string[];
  /** A patch: the session must be live (idle expiry ahead); activity and idle expiry are refreshed. */
  readonly touch: boolean;
  /** With `touch`: a new idle timeout (parameter idle_expires_at), else the expiry follows the kept timeout. */
  readonly newTimeout: boolean;
  /** Only at version `expectedVersion`. */
  readonly versioned: boolean;
  /** Close it too: status `status`, ended_at `now`. */
  readonly close: boolean;
  /** Close only if idle since `idleBefore` (the idle sweep). */
  readonly idleOnly: boolean;
}

/** The parameters of a SessionWrite: the patch's columns by name, and these. */
export interface SessionWriteParams extends Record<string, unknown> {
  readonly id: string;
  readonly now: number;
  readonly status?: SessionStatus | undefined;
  readonly expectedVersion?: number | undefined;
  readonly idleBefore?: number | undefined;
  readonly idle_expires_at?: number | undefined;
}

const shapeKey = (w: SessionWrite, returning: boolean) =>
  `${w.columns.join()}|${w.touch}|${w.newTimeout}|${w.versioned}|${w.close}|${w.idleOnly}|${returning}`;

type WriteShape = { readonly write: SessionWrite; readonly returning: boolean };

function buildWrite({ write, returning }: WriteShape) {
  return (db: Db, p: Record<string, unknown>) => {
    let q = db
      .updateTable("sessions")
      .set((eb) => ({
        ...Object.fromEntries(write.columns.map((c) => [c, p[c]])),
        ...(write.touch && {
          last_activity_at: p.now as number,
          idle_expires_at: write.newTimeout
            ? (p.idle_expires_at as number)
            : eb("idle_timeout_ms", "+", p.now as number),
        }),
        ...(write.close && { status: p.status as SessionStatus, ended_at: p.now as number }),
        // One step per change made: a save and a close at once count as the two they replace.
        version: eb("version", "+", sql.lit((write.touch ? 1 : 0) + (write.close ? 1 : 0))),
      }))
      .where("id", "=", p.id as string)
      .where("status", "=", sql.lit(SessionStatus.Open));
    if (write.touch) q = q.where("idle_expires_at", ">", p.now as number);
    if (write.idleOnly) q = q.where("idle_expires_at", "<=", p.idleBefore as number);
    if (write.versioned) q = q.where("version", "=", p.expectedVersion as number);
    return returning ? q.returningAll() : q;
  };
}

const writeQuery = preparedBy((s: WriteShape) => shapeKey(s.write, s.returning), buildWrite);
/** PostgreSQL: the same UPDATE, without RETURNING, sent with the transaction's next statement (writeDeferred). */
const deferredWriteQuery = preparedBy((s: WriteShape) => shapeKey(s.write, s.returning), buildWrite, {
  deferred: true,
});

const byId = prepared((db, p: { id: string }) => db.selectFrom("sessions").selectAll().where("id", "=", p.id));

export async function readSession(db: Db, id: string): Promise<SessionRow | undefined> {
  return byId.first(db, { id });
}

/** Runs the write; the row as written, or undefined when its conditions held for no row. */
export async function writeSession(
  trx: Db,
  dialect: SqlDialect,
  write: SessionWrite,
  params: SessionWriteParams,
): Promise<SessionRow | undefined> {
  if (dialect === SqlDialect.Postgres) {
    return (await writeQuery({ write, returning: true }).first(trx, params)) as SessionRow | undefined;
  }
  const changed = await writeQuery({ write, returning: false }).run(trx, params);
  return changed === 0 ? undefined : readSession(trx, params.id);
}

/**
 * The row a save (`touch`, no close) makes of `row`, worked out here as the UPDATE would: undefined where it
 * would change nothing (the session closed, idle-expired or at another version) or where it could fail (a new
 * CONT token or cookie, which must be unique).
 */
export function savedLocally(row: SessionRow, write: SessionWrite, params: SessionWriteParams): SessionRow | undefined {
  if (!write.touch || write.close || write.idleOnly) return undefined;
  if (write.columns.includes("cont_token") || write.columns.includes("cookie")) return undefined;
  if (row.status !== SessionStatus.Open || !(row.idle_expires_at > params.now)) return undefined;
  if (write.versioned && row.version !== params.expectedVersion) return undefined;
  const saved: Record<string, unknown> = { ...row };
  for (const c of write.columns) saved[c] = params[c];
  saved["last_activity_at"] = params.now;
  saved["idle_expires_at"] = write.newTimeout
    ? params.idle_expires_at
    : (saved["idle_timeout_ms"] as number) + params.now;
  saved["version"] = row.version + 1;
  return saved as SessionRow;
}

/**
 * PostgreSQL, a save whose outcome is known (`savedLocally`, on a row this transaction holds under its device's
 * lock): the UPDATE is deferred to the transaction's next statement, the COMMIT at the latest
 * (postgres-deferred.ts), one round trip less.
 */
export async function writeDeferred(trx: Db, write: SessionWrite, params: SessionWriteParams): Promise<void> {
  await deferredWriteQuery({ write, returning: false }).run(trx, params);
}

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    deviceId: row.device_id,
    status: row.status as SessionStatus,
    stateName: row.state_name,
    stateData: fromJsonText(row.state_data),
    packageNo: row.package_no,
    contToken: row.cont_token,
    cookie: row.cookie,
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
    idleTimeoutMs: row.idle_timeout_ms,
    idleExpiresAt: row.idle_expires_at,
    endedAt: row.ended_at,
    version: row.version,
  };
}

const notOpen = (row: SessionRow) =>
  new ServerError(ServerErrorCode.SESSION_NOT_OPEN, `session ${row.id} is ${row.status} or idle-expired`);

/**
 * Closes an open session (if still open; with `final`, live and changed first) and requeues its in-flight
 * commands; undefined if its conditions did not hold.
 */
export async function closeInTx(
  trx: Db,
  dialect: SqlDialect,
  id: string,
  status: SessionStatus,
  now: number,
  extra: {
    readonly idleBefore?: number | undefined;
    readonly final?: PatchWrite | undefined;
    readonly expectedVersion?: number | undefined;
  } = {},
): Promise<CloseSessionResult | undefined> {
  const row = await writeSession(
    trx,
    dialect,
    {
      columns: extra.final?.columns ?? [],
      touch: extra.final !== undefined,
      newTimeout: extra.final?.newTimeout ?? false,
      versioned: extra.expectedVersion !== undefined,
      close: true,
      idleOnly: extra.idleBefore !== undefined,
    },
    {
      id,
      now,
      status,
      idleBefore: extra.idleBefore,
      expectedVersion: extra.expectedVersion,
      ...(extra.final && patchParams(extra.final, now)),
    },
  );
  if (row === undefined) return undefined;
  return { session: toSession(row), ...(await requeueInTx(trx, id, now)) };
}

/** A checked patch as the columns an UPDATE sets and their values (idle_expires_at for a new timeout). */
export interface PatchWrite {
  readonly columns: readonly string[];
  readonly newTimeout: boolean;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Checks a patch (before any transaction) and turns it into the columns an UPDATE sets. */
export function patchWrite(patch: SessionPatch): PatchWrite {
  const p = checkSessionPatch(patch, toJsonText);
  const values: Record<string, unknown> = {};
  const columns: string[] = [];
  const put = (column: string, value: unknown) => {
    if (value === undefined) return;
    columns.push(column);
    values[column] = value;
  };
  put("state_name", p.stateName);
  put("state_data", p.stateData);
  put("package_no", p.packageNo);
  put("cont_token", p.contToken);
  put("cookie", p.cookie);
  put("idle_timeout_ms", p.idleTimeoutMs);
  return { columns, newTimeout: p.idleTimeoutMs !== undefined, values };
}

/** The UPDATE parameters of a patch written at `now` (a new idle timeout counts from now). */
export function patchParams(w: PatchWrite, now: number): Record<string, unknown> {
  return w.newTimeout ? { idle_expires_at: now + (w.values.idle_timeout_ms as number), ...w.values } : w.values;
}

/**
 * Why a conditional write changed nothing: the session is missing, closed (or, for a patch, idle-expired), or at
 * another version.
 */
export async function refusal(db: Db, id: string, now: number, patch: boolean): Promise<ServerError> {
  const row = await readSession(db, id);
  if (row === undefined) return sessionNotFound(id);
  if (patch && !sessionLive({ status: row.status as SessionStatus, idleExpiresAt: row.idle_expires_at }, now)) {
    return notOpen(row);
  }
  if (row.status !== SessionStatus.Open) {
    return new ServerError(ServerErrorCode.SESSION_NOT_OPEN, `session ${id} is already ${row.status}`);
  }
  return new ServerError(ServerErrorCode.SESSION_CONFLICT, `session ${id} changed (version ${row.version})`);
}
