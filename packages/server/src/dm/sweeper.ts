// The background sweep: closes DM sessions past their idle timeout (docs/protocol.md §1.5 — their in-flight
// commands follow their delivery policy, docs/delivery.md), expires queued commands past their expiry, and UI
// sessions past theirs. The timer is injected (the notifier's `Timers`), so tests drive it without sleeping;
// `runOnce()` is the same sweep on demand. A sweep never throws: a failing store is logged and tried again next time.
//
// Each task runs in bounded batches (SWEEP_BATCH), yielding to the event loop between them: the SQLite store
// runs on the event loop, so one unbounded UPDATE over 200,000 expired commands would stall every DM request
// for over a second. A batch reads its rows off an index and stays well under 20 ms (`npm run bench:lists`).
import type { Timers } from "../notifier/wake-on-queue.js";
import { createPeriodicJob, type JobLease } from "../periodic-job.js";
import type { Store } from "../store/store.js";

export interface SweepReport {
  /** Sessions closed as `expired`. */
  readonly expiredSessions: number;
  /** Commands those sessions had in flight, now queued again. */
  readonly requeuedCommands: number;
  /** Commands those sessions had in flight that may not go out again: now `failed` or `unknown` (docs/delivery.md). */
  readonly unansweredCommands: number;
  /** Queued commands past their expiry, now `expired`. */
  readonly expiredCommands: number;
  readonly expiredUiSessions: number;
}

export interface SweeperLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Sweeper {
  /** Starts the periodic sweep (idempotent). */
  start(): void;
  /** Stops it and waits for a sweep in progress. Idempotent. */
  stop(): Promise<void>;
  /** One sweep now (joins the one in progress, if any). */
  runOnce(): Promise<SweepReport>;
}

export interface SweeperDeps {
  readonly store: Pick<Store, "sessions" | "commands" | "uiSessions">;
  readonly timers: Timers;
  readonly logger?: SweeperLogger | undefined;
  /** Run once per fleet: the timed sweeps of this node only while it holds the `sweep` lease (periodic-job.ts). */
  readonly lease?: JobLease | undefined;
}

/** The store lease the timed sweep runs under. */
export const SWEEP_LEASE = "sweep";

/**
 * Records changed per store call: sessions close with their requeue (several statements each); an expired
 * command rewrites its row and four index entries at scattered places of a large table, so at a million rows
 * 200 of them held the loop 9-18 ms on SQLite (20-45 ms while their COMMIT also ran SQLite's checkpoint), too
 * close to the 20 ms a background job may take; 50 hold it about 4 ms.
 */
export const SWEEP_BATCH = { sessions: 50, commands: 50, uiSessions: 200 } as const;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Calls `batch` until it returns fewer than `limit`, yielding between calls; the total. */
async function inBatches(limit: number, batch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch(limit);
    total += n;
    if (n < limit) return total;
    await nextTurn();
  }
}

const EMPTY: SweepReport = {
  expiredSessions: 0,
  requeuedCommands: 0,
  unansweredCommands: 0,
  expiredCommands: 0,
  expiredUiSessions: 0,
};

export function createSweeper(deps: SweeperDeps, options: { readonly intervalMs: number }): Sweeper {
  async function sweep(): Promise<SweepReport> {
    const report = { ...EMPTY };
    // Each task on its own: one failing does not stop the others.
    await task("idle DM sessions", async () => {
      await inBatches(SWEEP_BATCH.sessions, async (limit) => {
        const closed = await deps.store.sessions.expireIdle({ limit });
        report.expiredSessions += closed.length;
        report.requeuedCommands += closed.reduce((n, c) => n + c.requeued.length, 0);
        report.unansweredCommands += closed.reduce((n, c) => n + c.unanswered.length, 0);
        return closed.length;
      });
    });
    await task("expired commands", async () => {
      report.expiredCommands = await inBatches(SWEEP_BATCH.commands, (limit) =>
        deps.store.commands.expireDue({ limit }),
      );
    });
    await task("expired UI sessions", async () => {
      report.expiredUiSessions = await inBatches(SWEEP_BATCH.uiSessions, (limit) =>
        deps.store.uiSessions.expireDue({ limit }),
      );
    });
    if (report.expiredSessions + report.expiredCommands + report.expiredUiSessions > 0) {
      deps.logger?.info({ ...report }, "sweep expired sessions and commands");
    }
    return report;
  }

  async function task(name: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      deps.logger?.warn({ err }, `sweep of ${name} failed; retrying next time`);
    }
  }

  const lease = deps.lease === undefined ? undefined : { name: SWEEP_LEASE, ...deps.lease };
  const job = createPeriodicJob(deps.timers, options.intervalMs, sweep, lease);
  return { start: job.start, stop: job.stop, runOnce: job.runOnce };
}
