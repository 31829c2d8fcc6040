// What retention (docs/operations.md "Retention") asks of a store: delete old finished records in bounded
// batches, and give the freed space back to the file system where the database keeps it (SQLite).

/** The kinds of record that are pruned, each by the time it finished (docs/operations.md "Retention"). */
export const RetainedKind = {
  /** Closed DM sessions, by `endedAt` (open ones are never pruned). */
  Sessions: "sessions",
  /** Commands in a final state (done, failed, expired, cancelled, unknown), by `completedAt`. */
  Commands: "commands",
  /** Generic Alerts, by `receivedAt`. */
  Alerts: "alerts",
  /** Package#0 records, by `sentAt`. */
  Notifications: "notifications",
  /** Data Repository uploads (HPUT/HPOST bodies), by `receivedAt`. */
  Uploads: "uploads",
  /** Completed or expired SHOW (UI) sessions, by `createdAt`. */
  UiSessions: "uiSessions",
  /** Audit records of operator writes, by `at` (docs/operators.md "Audit"). */
  Audit: "audit",
  /** Web console sign-ins, by the time they ended (idle or absolute; docs/console.md): an ended one is useless. */
  ConsoleSignIns: "consoleSignIns",
} as const;
export type RetainedKind = (typeof RetainedKind)[keyof typeof RetainedKind];

export interface RetentionStore {
  /**
   * Deletes up to `limit` (1..10000) records of `kind` that finished before `before` (epoch ms), oldest first,
   * in one transaction; returns how many. Call again while it returns `limit`.
   */
  prune(kind: RetainedKind, before: number, limit: number): Promise<number>;
  /**
   * Returns up to `maxPages` free database pages to the file system (SQLite `PRAGMA incremental_vacuum`);
   * returns how many remain free afterwards (0 when nothing is left, and always 0 for memory and PostgreSQL,
   * whose autovacuum reuses the space).
   */
  reclaimSpace(maxPages: number): Promise<number>;
}
