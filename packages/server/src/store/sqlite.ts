// The default store: SQLite (better-sqlite3 under Kysely) in one file, `omadm.sqlite`, in the data directory.
// Opening creates the directory and the file and brings the schema up to date.
//
// One serving process should open a data directory once. Other processes (an admin CLI) may use the file at
// the same time: SQLite serializes writers and each waits up to busyTimeoutMs. Two stores on one file in the
// *same* process must not run transactions at once: better-sqlite3 waits for a lock synchronously, on the one
// JS thread, so the holder can never finish — the waiter fails with STORE_UNAVAILABLE after the timeout.
import { ensurePrivateDir, ensurePrivateFile } from "./private-files.js";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from "kysely";
import { ServerError, ServerErrorCode } from "../errors.js";
import { idSource, requireOneOf } from "./rules.js";
import { migrateToLatest, SqlDialect } from "./sql/migrations.js";
import type { Database } from "./sql/schema.js";
import { createSqlContext } from "./sql/sql-context.js";
import { createSqlStore } from "./sql/sql-store.js";
import { StoreKind, type Store } from "./store.js";
import type { StoreDeps } from "./types.js";

export const SQLITE_FILE_NAME = "omadm.sqlite";

export const SqliteSynchronous = { Full: "FULL", Normal: "NORMAL" } as const;
export type SqliteSynchronous = (typeof SqliteSynchronous)[keyof typeof SqliteSynchronous];

export interface SqliteStoreOptions {
  /** Created if missing. The database is `<dataDir>/omadm.sqlite` (plus its -wal and -shm files). */
  readonly dataDir: string;
  /**
   * Default FULL. In WAL mode, FULL syncs the WAL on every commit, so a transaction that has committed —
   * a queued command the API has acknowledged, a result the device was told we have — survives a power loss
   * or OS crash, not only a process crash. NORMAL syncs only at checkpoints: faster, still never corrupt,
   * but the last commits can vanish on power loss, which breaks "nothing is lost". Keep FULL in production.
   */
  readonly synchronous?: SqliteSynchronous | undefined;
  /** How long a writer waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number | undefined;
}

/** better-sqlite3 prepares a statement per call under Kysely; caching them saves parsing on the hot paths. */
function withStatementCache(db: BetterSqlite3.Database, max = 512): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare: (sqlText) => {
      let stmt = cache.get(sqlText);
      if (stmt === undefined) {
        stmt = db.prepare(sqlText);
        if (cache.size >= max) cache.clear();
        cache.set(sqlText, stmt);
      }
      return stmt;
    },
  };
}

export async function openSqliteStore(deps: StoreDeps, options: SqliteStoreOptions): Promise<Store> {
  const synchronous = requireOneOf(options.synchronous ?? "FULL", Object.values(SqliteSynchronous), "synchronous");
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const file = join(options.dataDir, SQLITE_FILE_NAME);
  let raw: BetterSqlite3.Database;
  try {
    ensurePrivateDir(options.dataDir);
    ensurePrivateFile(file);
    raw = new BetterSqlite3(file, { timeout: busyTimeoutMs });
    raw.pragma("journal_mode = WAL");
    raw.pragma(`synchronous = ${synchronous}`);
    raw.pragma("foreign_keys = ON");
    raw.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  } catch (cause) {
    throw new ServerError(ServerErrorCode.STORE_UNAVAILABLE, `cannot open the SQLite store at ${file}`, { cause });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  try {
    await migrateToLatest(db as Kysely<unknown>, SqlDialect.Sqlite);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const ctx = createSqlContext(SqlDialect.Sqlite, db, { now: () => deps.clock.now(), newId: idSource(deps) });
  return createSqlStore(StoreKind.Sqlite, ctx, () => db.destroy());
}
