// What every SQL store module shares: the Kysely handle (refusing calls after close), the injected clock and
// id source, dialect-correct transactions, per-key locking, and small conversions.
import { sql, type Kysely, type SelectQueryBuilder, type Selectable } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { decodeCursor } from "../rules.js";
import { SortOrder, type PageQuery } from "../types.js";
import { SqlDialect } from "./migrations.js";
import type { Database, SessionsTable } from "./schema.js";
import { prepared } from "./prepared.js";

export type Db = Kysely<Database>;

export interface SqlContext {
  readonly dialect: SqlDialect;
  /** The database handle; STORE_CLOSED after close. */
  readonly db: () => Db;
  readonly now: () => number;
  readonly newId: () => string;
  /**
   * Runs `fn` in one transaction: committed before the promise resolves, rolled back if `fn` throws.
   * PostgreSQL: READ COMMITTED plus `lock` for per-device serialization. SQLite: the store's calls are members
   * of the commit group (sqlite-commit-group.ts), which holds the write lock (BEGIN IMMEDIATE) already, so its
   * modules get a context whose `transaction` just runs `fn`.
   */
  readonly transaction: <T>(fn: (trx: Db) => Promise<T>) => Promise<T>;
  /**
   * Serializes transactions on one key across server nodes until the transaction ends: a device id for its
   * queue and sessions, a repository key for read-modify-write of an item (PostgreSQL transaction-scoped
   * advisory lock). SQLite needs nothing: BEGIN IMMEDIATE already serializes every writer.
   */
  readonly lock: (trx: Db, key: string) => Promise<void>;
  /**
   * Serializes transactions on one device across server nodes: its queue, its sessions, its row. PostgreSQL: a
   * row lock on the device (`select … for no key update`), which the device's own UPDATEs take as well, so a
   * transaction that updated the row first holds it already (`deviceLocked`). It does not conflict with the
   * foreign-key checks of inserts (FOR KEY SHARE). A device that does not exist locks nothing: every caller
   * then fails on its missing device. Taken once per transaction; SQLite needs nothing (BEGIN IMMEDIATE).
   */
  readonly lockDevice: (trx: Db, deviceId: string) => Promise<void>;
  /** Says this transaction holds the device's row lock already (it just updated the row): no second lock. */
  readonly deviceLocked: (deviceId: string) => void;
  /** Whether this transaction holds the device's row lock (always false outside `store.transaction`). */
  readonly holdsDevice: (deviceId: string) => boolean;
  /**
   * Says the call running now found the device's queue empty (no `queued` command) under the device's row lock:
   * a later `commands.takeBatch` of that device in this transaction has nothing to take, as long as only calls
   * that cannot queue ran in between (sql-store.ts `KEEPS_QUEUE_EMPTY`). PostgreSQL; outside a transaction, nothing.
   */
  readonly queueSeenEmpty: (deviceId: string) => void;
  /** Whether an earlier call of this transaction saw the device's queue empty, and none since could fill it. */
  readonly knowsQueueEmpty: (deviceId: string) => boolean;
  /**
   * Notes the row of the session this transaction just inserted, as written: a later `sessions.update` of it in
   * this transaction knows the row without reading it back, as long as only calls that cannot change the row ran
   * in between (sql-store.ts `KEEPS_OPENED_SESSION`). PostgreSQL; outside a transaction, nothing.
   */
  readonly sessionOpened: (row: Selectable<SessionsTable>) => void;
  /** The row noted by `sessionOpened` (or by a later update of it) if it is session `id`'s; else undefined. */
  readonly openedSession: (id: string) => Selectable<SessionsTable> | undefined;
  /**
   * Ends the transaction with `error` whatever its callback does next: a call that ran without a savepoint
   * (sql-store.ts) and failed after writing, or whose statement failed (PostgreSQL then refuses every later
   * statement and turns COMMIT into a rollback), cannot be undone alone.
   */
  readonly poison: (error: unknown) => void;
}

export function createSqlContext(
  dialect: SqlDialect,
  db: Db,
  deps: { readonly now: () => number; readonly newId: () => string },
): SqlContext & { markClosed(): void } {
  let closed = false;
  const handle = (): Db => {
    if (closed) throw new ServerError(ServerErrorCode.STORE_CLOSED, "the store is closed");
    return db;
  };
  return {
    dialect,
    db: handle,
    now: deps.now,
    newId: deps.newId,
    markClosed: () => {
      closed = true;
    },
    transaction: async <T>(fn: (trx: Db) => Promise<T>): Promise<T> => {
      const current = handle();
      if (dialect === SqlDialect.Postgres) return current.transaction().execute(fn);
      // SQLite: the commit group already holds the write transaction for the calling member.
      return fn(current);
    },
    lock: async (trx, key) => {
      if (dialect !== SqlDialect.Postgres) return;
      await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
    },
    lockDevice: async (trx, deviceId) => {
      if (dialect === SqlDialect.Postgres) await lockDeviceRow.run(trx, { id: deviceId });
    },
    deviceLocked: () => undefined,
    holdsDevice: () => false,
    queueSeenEmpty: () => undefined,
    knowsQueueEmpty: () => false,
    sessionOpened: () => undefined,
    openedSession: () => undefined,
    poison: () => undefined,
  };
}

const lockDeviceRow = prepared((db, p: { id: string }) =>
  db.selectFrom("devices").select("id").where("id", "=", p.id).forNoKeyUpdate(),
);

/** A unique or primary-key constraint was violated (better-sqlite3 and pg error codes). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  const code = error.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Runs `fn`, turning a unique-constraint violation into `make()`. */
export async function onUniqueViolation<T>(fn: () => Promise<T>, make: () => ServerError): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isUniqueViolation(error)) throw make();
    throw error;
  }
}

/** A foreign key was violated: a row names a device (or other parent) that does not exist. */
export function isForeignKeyViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  return error.code === "23503" || error.code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

/**
 * Runs an INSERT of a device's row, turning a foreign-key violation into `make()`: the database's own check
 * that the device exists, instead of a SELECT before every insert (one statement less on the hot paths).
 */
export async function onForeignKeyViolation<T>(fn: () => Promise<T>, make: () => ServerError): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isForeignKeyViolation(error)) throw make();
    throw error;
  }
}

/** Bytes into a BLOB/BYTEA parameter (both drivers take a Buffer; this one shares memory, no copy). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Bytes out of a row as a plain Uint8Array, so every store returns the same type. */
export function fromBuffer(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Keyset pagination over an auto-increment `seq` column, in either order. Fetches limit + 1 rows. */
export function pageBySeq<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: PageQuery & { readonly order?: SortOrder | undefined },
  limit: number,
): SelectQueryBuilder<DB, TB, O> {
  const desc = page.order === SortOrder.Desc;
  let q = query;
  if (page.cursor !== undefined) {
    const [after] = decodeCursor(page.cursor, ["number"]);
    q = q.where(sql.ref("seq"), desc ? "<" : ">", after);
  }
  return q.orderBy(sql.ref("seq"), desc ? "desc" : "asc").limit(limit + 1);
}

/**
 * Keyset pagination over (a, b), e.g. (created_at, id) or (scope, path), ascending unless `page.order` is desc
 * (an index on (…, a, b) serves both: it is read backwards). Fetches limit + 1 rows.
 */
export function pageByPair<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  columns: readonly [string, string],
  shape: readonly ["number" | "string", "string"],
  page: PageQuery & { readonly order?: SortOrder | undefined },
  limit: number,
): SelectQueryBuilder<DB, TB, O> {
  const [a, b] = columns;
  const desc = page.order === SortOrder.Desc;
  let q = query;
  if (page.cursor !== undefined) {
    const [ka, kb] = decodeCursor(page.cursor, shape);
    // A row value: both SQLite and PostgreSQL seek the (a, b) index to it instead of scanning from the start.
    q = desc
      ? q.where(sql<boolean>`(${sql.ref(a)}, ${sql.ref(b)}) < (${ka}, ${kb})`)
      : q.where(sql<boolean>`(${sql.ref(a)}, ${sql.ref(b)}) > (${ka}, ${kb})`);
  }
  const direction = desc ? "desc" : "asc";
  return q
    .orderBy(sql.ref(a), direction)
    .orderBy(sql.ref(b), direction)
    .limit(limit + 1);
}
