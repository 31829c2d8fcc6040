// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL
// past 1,000 pages: it copies them into the database file and syncs both files (https://sqlite.org/wal.html#ckpt),
// milliseconds on the event loop, with every DM request behind it. Here a worker thread, with its own connection
// to the file, runs PASSIVE checkpoints instead — at most one every `intervalMs`, after a commit asked for one —
// and the store's connection keeps an automatic checkpoint only as a backstop, at a far larger WAL.
// - PASSIVE never waits for the writer or readers: it copies what no reader still needs, and the writer goes on
//   appending meanwhile. Past RESTART_FRAMES the worker also tries RESTART, which takes the write lock for a
//   moment when it is free so that the next write starts the WAL over; the store waits for it as for any other
//   connection's lock, asynchronously. Both connections are in the same process; SQLite's file locks coordinate
//   them as they would two processes.
// - The durability rule is unchanged: a checkpoint syncs the WAL before it copies and the database file after,
//   and SQLite starts the WAL over only after such a checkpoint; commits are acknowledged after the store's own
//   fsync of the WAL (sqlite-wal-sync.ts), as before.
// - If the worker fails, the store's connection checkpoints automatically again, as SQLite does by default.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** The WAL size (pages) at which the store's own connection checkpoints anyway, should the worker fall behind. */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 16_384;
/**
 * The WAL length (frames) past which the worker also tries a RESTART checkpoint. SQLite starts the WAL over only
 * when a write begins with every frame copied; under steady load the store's next group has always added some
 * by then, so after PASSIVE checkpoints alone the WAL would only grow (to the backstop). A RESTART holds the
 * write lock while it copies the last frames and syncs the database file, and every DM request of the group
 * that waits for it waits too: at 4,096 frames `npm run bench:server`'s groups waited about 15 ms each (their
 * back-off included), nine times in 15 s; twice the length halves how often, and 32 MiB of WAL stays far below
 * the backstop.
 */
const RESTART_FRAMES = 8192;
/** SQLite's default automatic checkpoint, restored if the worker fails. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

// CommonJS, run by the worker as it is (eval): no TypeScript, no module resolution from an unknown directory.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
db.pragma("synchronous = FULL");
parentPort.postMessage("ready");
parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const done = db.pragma("wal_checkpoint(PASSIVE)")[0];
    // A long WAL: try to have the next write start it over (RESTART gives up at once, PASSIVE-like, when the
    // store holds the write lock; it succeeds between two of its groups).
    if (done.log >= workerData.restartFrames) db.pragma("wal_checkpoint(RESTART)");
    parentPort.postMessage(null);
  } catch (error) {
    // Busy (another checkpoint runs, e.g. a second store on the file): the next request tries again.
    parentPort.postMessage(String((error && error.code) || error));
  }
});
`;

const READY = "ready";

export interface Checkpointer {
  /** A commit has added to the WAL: checkpoint soon (at most one checkpoint per interval). */
  afterCommit(): void;
  /** Stops the worker, after the checkpoint it runs, if any. */
  close(): Promise<void>;
}

export function startCheckpointer(
  file: string,
  options: {
    readonly intervalMs: number;
    readonly onFailure: () => void;
    /** After each checkpoint: null, or why it did not run (e.g. SQLITE_BUSY). */
    readonly onCheckpoint?: ((error: string | null) => void) | undefined;
  },
): Checkpointer {
  // Started at the first commit: a store that only reads (a short CLI command) never waits for a thread.
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  let running = false;
  let closing = false;
  let wanted = false;
  let failed = false;
  let lastStart = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  const fail = () => {
    if (failed) return;
    failed = true;
    clearTimeout(timer);
    options.onFailure();
  };
  const spawn = (): Worker => {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, restartFrames: RESTART_FRAMES } });
    // Referenced while it starts and while a checkpoint runs (so its outcome, or its failure, is always heard);
    // an idle worker does not keep the process alive.
    w.on("message", (error: string | null) => {
      running = running && error === READY;
      if (!running && !closing) w.unref();
      if (error === READY) return;
      options.onCheckpoint?.(error);
      start();
    });
    w.on("error", fail);
    exited = new Promise<void>((resolve) => {
      w.once("exit", () => {
        resolve();
      });
    });
    void exited.then(fail);
    return w;
  };
  const start = () => {
    timer = undefined;
    if (failed || running || !wanted) return;
    const wait = lastStart + options.intervalMs - performance.now();
    if (wait > 0) {
      timer = setTimeout(start, wait);
      timer.unref();
      return;
    }
    wanted = false;
    running = true;
    lastStart = performance.now();
    worker ??= spawn();
    worker.ref();
    worker.postMessage("checkpoint");
  };
  return {
    afterCommit() {
      wanted = true;
      if (!running && timer === undefined) start();
    },
    async close() {
      clearTimeout(timer);
      failed = true; // no fallback on the way out
      closing = true;
      if (worker === null) return;
      worker.ref(); // the exit is awaited: it must keep the process alive until then
      worker.postMessage("close");
      await exited;
    },
  };
}

/** Hands checkpoints to a worker: `raw` keeps only the backstop (restored to SQLite's default if it fails). */
export function checkpointOffTheLoop(
  raw: { pragma(source: string): unknown },
  file: string,
  options: {
    readonly intervalMs?: number | undefined;
    readonly onCheckpoint?: ((error: string | null) => void) | undefined;
    /** After the default has been restored. */
    readonly onFailure?: (() => void) | undefined;
  } = {},
): Checkpointer {
  raw.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  return startCheckpointer(file, {
    intervalMs: options.intervalMs ?? 200,
    onCheckpoint: options.onCheckpoint,
    onFailure: () => {
      try {
        raw.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
      } catch {
        // The connection is closed already.
      }
      options.onFailure?.();
    },
  });
}
