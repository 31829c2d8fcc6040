// Retention (docs/operations.md "Retention"): every `intervalMs`, deletes the records that finished longer ago
// than their kind's maximum age, then gives the freed space back (SQLite). It shares the server with the DM
// endpoint, so it never holds the event loop for long: each store call deletes one bounded batch, the batch is
// halved while a call takes longer than BATCH_TARGET_MS (and grows back, up to `batchSize`, while calls are
// quick), and it yields to the event loop between calls. The timer is injected like the sweeper's; `runOnce()`
// is one pass on demand. A pass never throws: a failing store is logged and tried again next time.
import type { Timers } from "../notifier/wake-on-queue.js";
import { createPeriodicJob, type JobLease } from "../periodic-job.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import { RetainedKind } from "../store/types-retention.js";

/** How long one batch should take at most; well under the 20 ms a DM request may wait behind it. */
export const BATCH_TARGET_MS = 10;
const MIN_BATCH = 10;
/** SQLite pages (4 KiB by default) returned to the file system per call. */
const RECLAIM_PAGES_PER_CALL = 128;
/** A pass stops after this many store calls and goes on at the next interval (a huge backlog drains in steps). */
const MAX_CALLS_PER_PASS = 10_000;

export type RetentionAges = { readonly [K in RetainedKind]: number };

export interface RetentionOptions {
  readonly intervalMs: number;
  /** Most records per batch (1..10000). */
  readonly batchSize: number;
  /** Per kind: records that finished longer ago than this are deleted; 0 keeps them for ever. */
  readonly maxAgeMs: RetentionAges;
}

export interface RetentionReport {
  /** Records deleted, per kind. */
  readonly pruned: { readonly [K in RetainedKind]: number };
  /** Free pages left in the SQLite file after reclaiming (0 elsewhere). */
  readonly freePages: number;
  /** Store calls made, and the longest one in ms (what the event loop may have waited behind). */
  readonly calls: number;
  readonly longestCallMs: number;
}

export interface RetentionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RetentionDeps {
  readonly store: Pick<Store, "retention">;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger?: RetentionLogger | undefined;
  /** Monotonic milliseconds for timing batches; default performance.now. */
  readonly elapsed?: (() => number) | undefined;
  /** Lets other work run between batches; default setImmediate. */
  readonly yieldToLoop?: (() => Promise<void>) | undefined;
  /** Run once per fleet: timed passes only while this node holds the `retention` lease (periodic-job.ts). */
  readonly lease?: JobLease | undefined;
}

/** The store lease timed retention passes run under. */
export const RETENTION_LEASE = "retention";

export interface Retention {
  start(): void;
  /** Stops the timer and waits for a pass in progress. Idempotent. */
  stop(): Promise<void>;
  /** One pass now (joins the one in progress, if any). */
  runOnce(): Promise<RetentionReport>;
}

const defaultYield = () =>
  new Promise<void>((resolve) => {
    setImmediate(resolve);
  });

function emptyPruned(): { [K in RetainedKind]: number } {
  return {
    sessions: 0,
    commands: 0,
    alerts: 0,
    notifications: 0,
    uploads: 0,
    uiSessions: 0,
    audit: 0,
    consoleSignIns: 0,
  };
}

export function createRetention(deps: RetentionDeps, options: RetentionOptions): Retention {
  const elapsed = deps.elapsed ?? (() => performance.now());
  const yieldToLoop = deps.yieldToLoop ?? defaultYield;
  let batch = options.batchSize;

  async function pass(): Promise<RetentionReport> {
    const pruned = emptyPruned();
    let calls = 0;
    let longestCallMs = 0;
    const timed = async <T>(call: () => Promise<T>): Promise<T> => {
      const t0 = elapsed();
      try {
        return await call();
      } finally {
        const took = elapsed() - t0;
        calls++;
        longestCallMs = Math.max(longestCallMs, took);
        // Adapt the batch to how long the store takes: halve when slow, grow back when quick.
        if (took > BATCH_TARGET_MS) batch = Math.max(MIN_BATCH, Math.floor(batch / 2));
        else if (took < BATCH_TARGET_MS / 4) batch = Math.min(options.batchSize, batch * 2);
        await yieldToLoop();
      }
    };
    const more = () => !job.stopping() && calls < MAX_CALLS_PER_PASS;
    let freePages = 0;
    try {
      const now = deps.clock.now();
      for (const kind of Object.values(RetainedKind)) {
        const age = options.maxAgeMs[kind];
        if (age <= 0 || now - age <= 0) continue;
        for (;;) {
          const limit = batch;
          const n = await timed(() => deps.store.retention.prune(kind, now - age, limit));
          pruned[kind] += n;
          if (n < limit || !more()) break;
        }
      }
      // Until nothing is free, or a call frees nothing (pages another process holds, a mode not in effect).
      let previous = Number.POSITIVE_INFINITY;
      for (;;) {
        freePages = await timed(() => deps.store.retention.reclaimSpace(RECLAIM_PAGES_PER_CALL));
        if (freePages === 0 || freePages >= previous || !more()) break;
        previous = freePages;
      }
    } catch (err) {
      deps.logger?.warn({ err }, "retention failed; retrying next time");
    }
    const report = { pruned, freePages, calls, longestCallMs };
    if (Object.values(pruned).some((n) => n > 0)) deps.logger?.info({ ...report }, "retention pruned old records");
    return report;
  }

  const lease = deps.lease === undefined ? undefined : { name: RETENTION_LEASE, ...deps.lease };
  const job = createPeriodicJob(deps.timers, options.intervalMs, pass, lease);
  return { start: job.start, stop: job.stop, runOnce: job.runOnce };
}
