// The default store: SQLite (better-sqlite3 under Kysely) in one file, `omadm.sqlite`, in the data directory.
// Opening creates the directory and the file and brings the schema up to date.
//
// Every call runs in a commit group (sql/sqlite-commit-group.ts): the writes of calls arriving together share
// one commit, and each call resolves only once that commit is on disk. Other processes (a CLI, a second server
// node) may use the file at the same time: SQLite serializes writers, and a store waits for another's write lock
// asynchronously, up to busyTimeoutMs, so two stores on one file work in one process too.
import { ensurePrivateDir, ensurePrivateFile } from "./private-files.js";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from "kysely";
import { ServerError, ServerErrorCode } from "../errors.js";
import { idSource, requireOneOf } from "./rules.js";
import { migrateToLatest, SqlDialect } from "./sql/migrations.js";
import type { Database } from "./sql/schema.js";
import { createSqlContext } from "./sql/sql-context.js";
import { runDirectly } from "./sql/prepared.js";
import { checkpointOffTheLoop, type Checkpointer } from "./sql/sqlite-checkpointer.js";
import { CommitGroup } from "./sql/sqlite-commit-group.js";
import type { CommitGroupStats } from "./sql/sqlite-commit-stats.js";
import { StatementTimes } from "./sql/sqlite-statement-times.js";
import { createSqliteGroupStore } from "./sql/sqlite-group-store.js";
import { walSync } from "./sql/sqlite-wal-sync.js";
import { ensureIncrementalVacuum } from "./sql/sqlite-space.js";
import type { Store } from "./store.js";
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
   * (FULL's fsync of the WAL is made by the store itself, off the event loop, before any answer: sql/sqlite-wal-sync.ts.)
   */
  readonly synchronous?: SqliteSynchronous | undefined;
  /** How long a writer waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number | undefined;
}

/**
 * better-sqlite3 under Kysely, with two additions: statements are prepared once per SQL text (parsing saved on
 * the hot paths), and each statement tells the commit group before it runs (counting, the member's savepoint).
 * While `times` is on, each call into better-sqlite3 is timed too (a statement is wrapped one way or the other
 * when prepared; switching drops the ones prepared so far).
 */
function groupedDatabase(
  db: BetterSqlite3.Database,
  group: CommitGroup,
  times: StatementTimes,
  max = 512,
): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  times.onSwitch(() => {
    cache.clear();
  });
  const wrap = (stmt: BetterSqlite3.Statement): SqliteStatement => {
    const readonly = stmt.readonly;
    const toRow = stmt.reader ? rowMaker(stmt) : null;
    return {
      reader: stmt.reader,
      all: (parameters) => {
        group.beforeStatement(readonly);
        const raw = stmt.all(parameters) as unknown[][];
        if (!readonly) group.afterWrite(raw.length > 0);
        return toRow === null ? raw : raw.map(toRow);
      },
      run: (parameters) => {
        group.beforeStatement(readonly);
        const result = stmt.run(parameters);
        if (!readonly) group.afterWrite(result.changes > 0);
        return result;
      },
      iterate: (parameters) => {
        group.beforeStatement(readonly);
        const rows = stmt.iterate(parameters) as IterableIterator<unknown[]>;
        return toRow === null ? rows : mapRows(rows, toRow);
      },
    };
  };
  const timed = (sqlText: string, stmt: BetterSqlite3.Statement): SqliteStatement => {
    const plain = wrap(stmt);
    return {
      reader: plain.reader,
      all: (parameters) => times.time(sqlText, () => plain.all(parameters)),
      run: (parameters) => times.time(sqlText, () => plain.run(parameters)),
      iterate: (parameters) => timedRows(times, sqlText, plain.iterate(parameters)),
    };
  };
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare: (sqlText) => {
      let stmt = cache.get(sqlText);
      if (stmt === undefined) {
        const raw = db.prepare(sqlText);
        stmt = times.on ? timed(sqlText, raw) : wrap(raw);
        if (cache.size >= max) cache.clear();
        cache.set(sqlText, stmt);
      }
      return stmt;
    },
  };
}

/**
 * A reading statement's rows as plain objects built here from better-sqlite3's arrays (`raw` mode), all of one
 * shape per statement. better-sqlite3's own row objects are built key by key in C++ and come out in V8's
 * dictionary mode past a dozen columns: slower to make (7.7 against 4.9 µs for a command's 23 columns, measured
 * on Node 20) and far slower to read or spread (a spread of one, 6 µs). Keys in column order; of two columns
 * with one name the last wins, as better-sqlite3's objects have it.
 */
function rowMaker(stmt: BetterSqlite3.Statement): (values: readonly unknown[]) => Record<string, unknown> {
  stmt.raw(true);
  const names = stmt.columns().map((c) => c.name);
  return (values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
    return row;
  };
}

function* mapRows<R>(rows: IterableIterator<unknown[]>, toRow: (values: readonly unknown[]) => R): IterableIterator<R> {
  for (const values of rows) yield toRow(values);
}

/** An iterating statement's time is spent row by row: each step is timed. */
function* timedRows<R>(times: StatementTimes, sqlText: string, rows: IterableIterator<R>): IterableIterator<R> {
  for (;;) {
    const step = times.time(sqlText, () => rows.next());
    if (step.done === true) return;
    yield step.value;
  }
}

const statistics = new WeakMap<Store, { readonly stats: CommitGroupStats; readonly times: StatementTimes }>();

/** Statements and commits a SQLite store has run so far (benchmarks); null for another store. */
export function sqliteStoreStatistics(store: Store): Readonly<CommitGroupStats> | null {
  return statistics.get(store)?.stats ?? null;
}

/** A SQLite store's statement timer (benchmarks: `bench:server --statements`), off until switched on; null for
 *  another store. */
export function sqliteStatementTimes(store: Store): StatementTimes | null {
  return statistics.get(store)?.times ?? null;
}

export async function openSqliteStore(deps: StoreDeps, options: SqliteStoreOptions): Promise<Store> {
  const synchronous = requireOneOf(options.synchronous ?? "FULL", Object.values(SqliteSynchronous), "synchronous");
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const file = join(options.dataDir, SQLITE_FILE_NAME);
  let raw: BetterSqlite3.Database;
  let wal: boolean;
  try {
    ensurePrivateDir(options.dataDir);
    ensurePrivateFile(file);
    raw = new BetterSqlite3(file, { timeout: busyTimeoutMs });
    ensureIncrementalVacuum(raw); // first: before WAL mode writes the file's header
    wal = raw.pragma("journal_mode = WAL", { simple: true }) === "wal";
    raw.pragma(`synchronous = ${synchronous}`);
    raw.pragma("foreign_keys = ON");
    // 64 MiB of page cache (the default is 2 MiB): at a million devices the indexes the session path and the
    // sweeps touch no longer fit the default, and every miss is a read and a page decode on the event loop.
    raw.pragma("cache_size = -65536");
    raw.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  } catch (cause) {
    throw new ServerError(ServerErrorCode.STORE_UNAVAILABLE, `cannot open the SQLite store at ${file}`, { cause });
  }
  // FULL in WAL mode: the commit group fsyncs the WAL itself, off the event loop, once SQLite runs at NORMAL
  // (below, after the migrations, which keep SQLite's own FULL). Without WAL (a file system that refuses it)
  // SQLite keeps FULL.
  const syncer = synchronous === SqliteSynchronous.Full && wal ? walSync(`${file}-wal`) : null;
  let checkpointer: Checkpointer | null = null;
  const times = new StatementTimes();
  const group = new CommitGroup(raw, {
    busyTimeoutMs,
    sync: syncer?.sync,
    afterCommit: () => checkpointer?.afterCommit(),
    times,
  });
  const database = groupedDatabase(raw, group, times);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  runDirectly(db, (sqlText, parameters) => {
    const stmt = database.prepare(sqlText);
    if (stmt.reader) return { rows: stmt.all(parameters) };
    const { changes } = stmt.run(parameters);
    return { rows: [], numAffectedRows: BigInt(changes) };
  });
  try {
    await migrateToLatest(db as Kysely<unknown>, SqlDialect.Sqlite);
    // From here on the commit group waits for other processes' locks, asynchronously (sqlite-commit-group.ts).
    raw.pragma("busy_timeout = 0");
    if (syncer !== null) raw.pragma("synchronous = NORMAL");
    // A RESTART checkpoint holds the write lock for a moment: a group waiting for it goes on as soon as it ends.
    if (wal)
      checkpointer = checkpointOffTheLoop(raw, file, {
        onCheckpoint: () => {
          group.lockMayBeFree();
        },
      });
  } catch (error) {
    syncer?.close();
    await db.destroy();
    throw error;
  }
  const ctx = createSqlContext(SqlDialect.Sqlite, db, { now: () => deps.clock.now(), newId: idSource(deps) });
  const store = createSqliteGroupStore(ctx, group, async () => {
    await checkpointer?.close();
    await db.destroy();
    syncer?.close();
  });
  statistics.set(store, { stats: group.stats, times });
  return store;
}
