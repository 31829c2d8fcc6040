// Group commit for the SQLite store: every store call is a *member* of one shared write transaction, run one at a
// time on the one connection, and the transaction commits once per event-loop turn (one fsync under FULL for
// all the packages, enqueues and alerts that arrived together). Invariants (ARCHITECTURE.md, "Group commit"):
// - A member that may write runs only while this connection holds the write lock (BEGIN IMMEDIATE), taken with
//   busy_timeout 0 and retried asynchronously with back-off, so another process (a second server node, a CLI)
//   holding the lock never blocks the event loop. A holder that says when it lets go (the checkpoint worker,
//   through `lockMayBeFree`) is retried at once then, not at the back-off's next try.
// - A member's first write statement opens a savepoint; a member that throws is rolled back to it alone and the
//   others of the group go on. Members that write nothing (reads) open none.
// - A member's result is handed out only after the COMMIT that holds its writes has returned, i.e. is on disk;
//   if the COMMIT fails, every member of the group fails. A read never joins a group: it runs between groups,
//   on committed data only, and answers at once.
// - With `sync` (a FULL store: sqlite-wal-sync.ts), "on disk" is after the fsync that follows the COMMIT, made
//   off the event loop; a read is answered once every commit it may have seen is on disk. The next group runs
//   meanwhile.
// - A member that stalls (makes no statement) while others wait behind it for `stallMs` is a misuse — the
//   usual cause is calling the store, not the `tx`, inside `store.transaction(fn)` — and the waiting calls fail
//   with TRANSACTION_MISUSE instead of waiting forever.
import type BetterSqlite3 from "better-sqlite3";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { transactionMisuse } from "../transaction-support.js";
import type { CommitGroupStats } from "./sqlite-commit-stats.js";
import type { StatementTimes } from "./sqlite-statement-times.js";
import { DurableCommits, type SyncFn } from "./sqlite-wal-sync.js";

/**
 * Read: runs between groups, on committed data. Write: may write anything; its first write opens its savepoint.
 * OneWrite: makes at most one write statement (e.g. an enqueue's INSERT), so it needs no savepoint — a failed
 * statement undoes itself. Should it throw after that statement changed rows (a bug, not a refusal: refusals
 * check before they write), it cannot be undone alone and the whole group fails instead; a second write
 * statement throws.
 */
export const MemberKind = { Read: "read", Write: "write", OneWrite: "one-write" } as const;
export type MemberKind = (typeof MemberKind)[keyof typeof MemberKind];

export interface CommitGroupOptions {
  /** How long a member waits for another connection's write lock before failing (STORE_UNAVAILABLE). */
  readonly busyTimeoutMs: number;
  /** How long a member may run without a statement while others wait behind it (default 250 ms). */
  readonly stallMs?: number | undefined;
  /** Makes the commits so far durable, off the event loop; absent, a COMMIT's return is durable enough. */
  readonly sync?: SyncFn | undefined;
  /** Called after each COMMIT that succeeded (the WAL grew: sqlite-checkpointer.ts). */
  readonly afterCommit?: (() => void) | undefined;
  /** Times BEGIN, COMMIT and the savepoints too while it is on (benchmarks). */
  readonly times?: StatementTimes | undefined;
}

interface Job {
  readonly kind: MemberKind;
  readonly work: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Member {
  readonly kind: MemberKind;
  savepoint: boolean;
  /** OneWrite: its write statement has run. */
  wrote: boolean;
}

interface Waiting {
  readonly job: Job;
  readonly value: unknown;
}

const MAX_BACKOFF_MS = 20;

function isBusy(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "string" &&
    error.code.startsWith("SQLITE_BUSY")
  );
}

export class CommitGroup {
  readonly stats: CommitGroupStats = { statements: 0, commits: 0, members: 0, lockWaits: 0, lockWaitMs: 0 };
  /** Write statements run so far: a member or tx call that threw after this moved has changed something. */
  writes = 0;
  readonly #raw: BetterSqlite3.Database;
  readonly #busyTimeoutMs: number;
  readonly #stallMs: number;
  readonly #queue: Job[] = [];
  /** Reads that arrived while a group was open: they run after its commit. */
  #deferred: Job[] = [];
  readonly #control: Record<"begin" | "commit" | "rollback" | "savepoint" | "rollbackTo" | "release", () => void>;
  #waiting: Waiting[] = [];
  #pumping = false;
  #inTransaction = false;
  #commitScheduled = false;
  #member: Member | null = null;
  #stallTimer: NodeJS.Timeout | undefined;
  #idle: Array<() => void> = [];
  /** Ends the back-off's current sleep early (the BEGIN that found the lock taken tries again). */
  #lockWaiter: (() => void) | null = null;
  readonly #durable: DurableCommits | null;
  readonly #afterCommit: (() => void) | undefined;

  constructor(raw: BetterSqlite3.Database, options: CommitGroupOptions) {
    this.#raw = raw;
    this.#busyTimeoutMs = options.busyTimeoutMs;
    this.#stallMs = options.stallMs ?? 250;
    this.#afterCommit = options.afterCommit;
    this.#durable =
      options.sync === undefined
        ? null
        : new DurableCommits(options.sync, () => {
            if (this.#inTransaction && !this.#pumping) this.#scheduleCommit();
            else this.#notifyIdle();
          });
    const times = options.times;
    const control = (text: string) => {
      const stmt = raw.prepare(text);
      const run = () => stmt.run();
      return () => {
        this.stats.statements++;
        if (times?.on === true) times.time(text, run);
        else run();
      };
    };
    this.#control = {
      begin: control("begin immediate"),
      commit: control("commit"),
      rollback: control("rollback"),
      savepoint: control("savepoint omadm_member"),
      rollbackTo: control("rollback to savepoint omadm_member"),
      release: control("release savepoint omadm_member"),
    };
  }

  /** Runs `work` as one member; resolves after the commit holding its writes (a read outside a group: at once). */
  run<T>(kind: MemberKind, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const broken = this.#durable?.broken;
      if (broken) {
        reject(broken);
        return;
      }
      this.#queue.push({ kind, work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#pumping) this.#watchStall();
      else void this.#pump();
    });
  }

  /**
   * Called by the connection before each statement it runs: counts it, and before a member's first write
   * opens the member's savepoint. A write outside any member (migrations at open) runs as it is.
   */
  beforeStatement(readonly: boolean): void {
    this.stats.statements++;
    if (readonly) return;
    const member = this.#member;
    if (member === null || member.savepoint) return;
    if (!this.#inTransaction) throw new Error("a store call classified as a read tried to write");
    if (member.kind === MemberKind.OneWrite) {
      if (member.wrote) throw new Error("a store call classified as one write made a second write statement");
      member.wrote = true;
      return;
    }
    this.#control.savepoint();
    member.savepoint = true;
  }

  /** Called after a write statement succeeded, with whether it changed a row (a failed statement undoes itself). */
  afterWrite(changed: boolean): void {
    if (changed) this.writes++;
  }

  /**
   * Another connection of this process that may have held the write lock has let it go (the checkpoint worker
   * after a checkpoint): a BEGIN waiting in back-off tries again now.
   */
  lockMayBeFree(): void {
    const wake = this.#lockWaiter;
    this.#lockWaiter = null;
    wake?.();
  }

  /** Resolves after `ms`, or sooner at `lockMayBeFree`. */
  #backOff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#lockWaiter === done) this.#lockWaiter = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#lockWaiter = done;
    });
  }

  /** Resolves once nothing is queued, running or waiting for its commit. */
  idle(): Promise<void> {
    if (!this.#pumping && this.#queue.length === 0 && !this.#inTransaction && this.#durable?.busy !== true) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) {
        if (job.kind === MemberKind.Read && this.#inTransaction) {
          this.#deferred.push(job);
          continue;
        }
        if (job.kind !== MemberKind.Read && !this.#inTransaction) {
          const failure = await this.#begin();
          if (failure !== null) {
            job.reject(failure);
            continue;
          }
        }
        await this.#runMember(job);
      }
    } finally {
      this.#pumping = false;
      clearTimeout(this.#stallTimer);
      this.#stallTimer = undefined;
    }
    if (this.#inTransaction) this.#scheduleCommit();
    else this.#notifyIdle();
  }

  /** BEGIN IMMEDIATE with busy_timeout 0, retried with back-off: another process's lock never blocks the loop. */
  async #begin(): Promise<ServerError | null> {
    const started = performance.now();
    const deadline = started + this.#busyTimeoutMs;
    let delay = 1;
    let waited = false;
    for (;;) {
      try {
        this.#control.begin();
        this.#inTransaction = true;
        if (waited) this.#lockWaited(started);
        return null;
      } catch (error) {
        if (!isBusy(error)) {
          return new ServerError(ServerErrorCode.STORE_UNAVAILABLE, "the store cannot start a transaction", {
            cause: error,
          });
        }
        if (performance.now() >= deadline) {
          this.#lockWaited(started);
          return new ServerError(
            ServerErrorCode.STORE_UNAVAILABLE,
            `the store is locked by another process (waited ${this.#busyTimeoutMs} ms)`,
            { cause: error },
          );
        }
      }
      waited = true;
      await this.#backOff(delay);
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
  }

  #lockWaited(since: number): void {
    this.stats.lockWaits++;
    this.stats.lockWaitMs += performance.now() - since;
  }

  async #runMember(job: Job): Promise<void> {
    const member: Member = { kind: job.kind, savepoint: false, wrote: false };
    const writes = this.writes;
    this.#member = member;
    this.stats.members++;
    try {
      const value = await job.work();
      if (member.savepoint) this.#control.release();
      if (this.#inTransaction) this.#waiting.push({ job, value });
      else if (this.#durable === null) job.resolve(value);
      else {
        this.#durable.afterLastCommit(() => {
          job.resolve(value);
        }, job.reject);
      }
    } catch (error) {
      // A OneWrite member whose statement changed rows: only the group's rollback undoes it.
      if (member.kind === MemberKind.OneWrite && this.writes !== writes) this.#failGroup(error);
      if (member.savepoint) {
        try {
          this.#control.rollbackTo();
          this.#control.release();
        } catch (undo) {
          // The transaction itself is gone (e.g. the disk failed): the whole group fails.
          this.#failGroup(undo);
        }
      }
      job.reject(error);
    } finally {
      this.#member = null;
    }
  }

  #scheduleCommit(): void {
    if (this.#commitScheduled) return;
    this.#commitScheduled = true;
    setImmediate(() => {
      this.#commitScheduled = false;
      // Members still running (or waiting for the lock) commit when the pump drains; while an fsync runs, the
      // group stays open and commits when it is done (sqlite-wal-sync.ts).
      if (this.#pumping || !this.#inTransaction || this.#durable?.syncing === true) return;
      const waiting = this.#waiting;
      this.#waiting = [];
      try {
        this.#control.commit();
        this.stats.commits++;
      } catch (error) {
        this.#waiting = waiting;
        this.#failGroup(error);
        this.#afterGroup();
        return;
      }
      this.#inTransaction = false;
      this.#afterCommit?.();
      if (this.#durable === null) for (const w of waiting) w.job.resolve(w.value);
      else {
        this.#durable.whenDurable(
          this.#durable.committed(),
          () => {
            for (const w of waiting) w.job.resolve(w.value);
          },
          (error) => {
            for (const w of waiting) w.job.reject(error);
          },
        );
      }
      this.#afterGroup();
    });
  }

  /** The group is over: the reads that waited for it run first, then whatever queued meanwhile. */
  #afterGroup(): void {
    this.#queue.unshift(...this.#deferred);
    this.#deferred = [];
    if (this.#queue.length > 0) void this.#pump();
    else this.#notifyIdle();
  }

  #failGroup(cause: unknown): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    if (this.#raw.inTransaction) {
      try {
        this.#control.rollback();
      } catch {
        // Nothing more to undo: SQLite has already rolled the transaction back.
      }
    }
    this.#inTransaction = false;
    const error = new ServerError(ServerErrorCode.STORE_UNAVAILABLE, "the store could not commit", { cause });
    for (const w of waiting) w.job.reject(error);
  }

  #notifyIdle(): void {
    if (this.#pumping || this.#inTransaction || this.#queue.length + this.#deferred.length > 0) return;
    if (this.#durable?.busy === true) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /** A job is queued behind a running member: if that member makes no statement for stallMs, it waits on
   *  something that waits on it (the store called inside its own transaction): fail the calls behind it. */
  #watchStall(): void {
    if (this.#stallTimer !== undefined || this.#member === null) return;
    const member = this.#member;
    const statements = this.stats.statements;
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      if (this.#member !== member || this.stats.statements !== statements) {
        if (this.#queue.length > 0) this.#watchStall();
        return;
      }
      const stuck = this.#queue.splice(0);
      for (const job of stuck) {
        job.reject(
          transactionMisuse(
            "this store call waited behind a transaction callback that made no store call for " +
              `${this.#stallMs} ms: inside store.transaction(fn), use the tx passed to fn, not the store`,
          ),
        );
      }
    }, this.#stallMs);
  }
}
