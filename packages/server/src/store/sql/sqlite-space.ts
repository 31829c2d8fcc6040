// SQLite space: a store opened in auto_vacuum=INCREMENTAL mode can give the pages retention frees back to the
// file system (`PRAGMA incremental_vacuum`, sql-retention.ts). The mode can only be chosen before the first
// table exists; a store created without it (every store made before retention existed) is converted once,
// when it is opened, by a full VACUUM that rewrites the file: it needs free disk space about the size of the
// store and holds the store for as long as it takes (docs/operations.md "Retention").
import type BetterSqlite3 from "better-sqlite3";

/** SQLite's auto_vacuum values (https://sqlite.org/pragma.html#pragma_auto_vacuum). */
const AUTO_VACUUM_INCREMENTAL = 2;

/**
 * Puts the database in incremental auto-vacuum mode; true when the file had to be rewritten. Call it before
 * anything writes the file (journal_mode = WAL writes its header): on a new, empty file the mode then applies
 * without a rewrite.
 */
export function ensureIncrementalVacuum(db: BetterSqlite3.Database): boolean {
  if (db.pragma("auto_vacuum", { simple: true }) === AUTO_VACUUM_INCREMENTAL) return false;
  db.pragma("auto_vacuum = INCREMENTAL");
  if (db.pragma("auto_vacuum", { simple: true }) === AUTO_VACUUM_INCREMENTAL) return false;
  db.exec("VACUUM");
  return true;
}
