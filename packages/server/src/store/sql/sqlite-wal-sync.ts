// Durability for the SQLite store off the event loop. Under `synchronous = FULL` in WAL mode, SQLite's
// only extra work over NORMAL is one fsync of the WAL file inside every COMMIT (https://sqlite.org/pragma.html#pragma_synchronous),
// and that fsync (milliseconds on a real disk) blocks the event loop. So a FULL store runs SQLite at NORMAL and
// makes the same fsync itself, on libuv's thread pool, after each group's COMMIT: the group's members are answered
// only when an fsync that began after their COMMIT has completed. The guarantee is FULL's — nothing acknowledged
// before it is on disk — while the next group runs on the event loop during the fsync.
// - The WAL is append-only between checkpoints, so one fsync makes every earlier commit durable. While an fsync
//   runs the commit group keeps its transaction open (members go on joining it) and commits when the fsync is
//   done: one COMMIT and one fsync for all that arrived meanwhile.
// - A read that ran after a commit whose fsync is still pending may have seen its data: it is answered after
//   that fsync too, so nothing not yet on disk is shown either.
// - If an fsync fails, the written pages may be dropped by the kernel and a later fsync may succeed without
//   them: the store is broken from then on (every call fails STORE_UNAVAILABLE); a restart recovers what is on
//   disk.
import { close, fsync, openSync } from "node:fs";
import { ServerError, ServerErrorCode } from "../../errors.js";

/** Makes everything written so far durable; calls `done` with the error if it could not. */
export type SyncFn = (done: (error: Error | null) => void) => void;

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Tracks commits and fsyncs: which commits are on disk, and who waits for which. */
export class DurableCommits {
  readonly #sync: SyncFn;
  #committed = 0;
  #durable = 0;
  #syncing = false;
  #waiters: Waiter[] = [];
  #broken: ServerError | null = null;
  readonly #onSynced: () => void;

  /** `onSynced`: called after each fsync, once its waiters are answered. */
  constructor(sync: SyncFn, onSynced: () => void) {
    this.#sync = sync;
    this.#onSynced = onSynced;
  }

  /** An fsync is running: a COMMIT now would only wait for the next one. */
  get syncing(): boolean {
    return this.#syncing;
  }

  /** Set once an fsync failed: every later call must fail with it. */
  get broken(): ServerError | null {
    return this.#broken;
  }

  /** An fsync runs or a waiter waits. */
  get busy(): boolean {
    return this.#syncing || this.#waiters.length > 0;
  }

  /** A COMMIT has returned: what it wrote is on disk once `whenDurable` with the returned number resolves. */
  committed(): number {
    return ++this.#committed;
  }

  /** Runs `resolve` once every commit so far is on disk (at once if it is), `reject` if that fails. */
  afterLastCommit(resolve: () => void, reject: (error: unknown) => void): void {
    this.whenDurable(this.#committed, resolve, reject);
  }

  whenDurable(seq: number, resolve: () => void, reject: (error: unknown) => void): void {
    if (this.#broken !== null) reject(this.#broken);
    else if (seq <= this.#durable) resolve();
    else {
      this.#waiters.push({ seq, resolve, reject });
      this.#start();
    }
  }

  #start(): void {
    if (this.#syncing || this.#waiters.length === 0) return;
    this.#syncing = true;
    const target = this.#committed;
    this.#sync((error) => {
      this.#syncing = false;
      if (error !== null) {
        this.#broken = new ServerError(
          ServerErrorCode.STORE_UNAVAILABLE,
          "the store could not sync its writes to disk",
          {
            cause: error,
          },
        );
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const w of waiters) w.reject(this.#broken);
      } else {
        this.#durable = target;
        const done = this.#waiters.filter((w) => w.seq <= target);
        this.#waiters = this.#waiters.filter((w) => w.seq > target);
        for (const w of done) w.resolve();
        this.#start();
      }
      this.#onSynced();
    });
  }
}

/** fsync of the WAL file `walPath` on the thread pool; the file is opened at the first sync (SQLite creates it). */
export function walSync(walPath: string): { sync: SyncFn; close(): void } {
  let fd: number | null = null;
  return {
    sync(done) {
      try {
        // r+: Windows flushes only a handle opened for writing. The WAL keeps its inode while this store's
        // connection is open (SQLite deletes it only when the last connection closes).
        fd ??= openSync(walPath, "r+");
      } catch (error) {
        done(error as Error);
        return;
      }
      fsync(fd, (error) => {
        done(error);
      });
    },
    close() {
      if (fd !== null) close(fd, () => undefined);
      fd = null;
    },
  };
}
