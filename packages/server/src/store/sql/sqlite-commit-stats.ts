// The commit group's counters, in a module of their own: the public `sqliteStoreStatistics` returns them, and
// its declaration must not pull better-sqlite3's types into a consumer's type check (the package ships no
// dependency on @types/better-sqlite3).

/**
 * Counters for benchmarks and tests: statements run (control statements included) and commits; and how often
 * a group found another connection (a second node, a CLI, the checkpoint worker) holding the write lock, and how
 * long in all its members waited for it (milliseconds, the back-off's sleeps included).
 */
export interface CommitGroupStats {
  statements: number;
  commits: number;
  members: number;
  lockWaits: number;
  lockWaitMs: number;
}
