// A background job that runs every `intervalMs` (the DM sweep, retention): one run at a time, the next one armed
// only after the previous one ended (so a slow run never piles up), `runOnce()` joining a run in progress, and
// `stop()` waiting for it. The timer is injected, so tests drive the job without sleeping.
import type { Timers } from "./notifier/wake-on-queue.js";

export interface PeriodicJob<R> {
  /** Arms the timer (idempotent). */
  readonly start: () => void;
  /** Disarms the timer and waits for a run in progress; `stopping()` is true meanwhile. */
  readonly stop: () => Promise<void>;
  /** One run now (joins the one in progress, if any). */
  readonly runOnce: () => Promise<R>;
  /** True while `stop()` waits: a long run checks it to end early. */
  readonly stopping: () => boolean;
}

export function createPeriodicJob<R>(timers: Timers, intervalMs: number, run: () => Promise<R>): PeriodicJob<R> {
  let handle: unknown;
  let running: Promise<R> | undefined;
  let started = false;
  let stopping = false;

  function runOnce(): Promise<R> {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  }

  function arm(): void {
    handle = timers.setTimeout(() => {
      handle = undefined;
      void runOnce().finally(() => {
        if (started) arm();
      });
    }, intervalMs);
  }

  return {
    start: () => {
      if (started) return;
      started = true;
      stopping = false;
      arm();
    },
    stop: async () => {
      started = false;
      stopping = true;
      if (handle !== undefined) timers.clearTimeout(handle);
      handle = undefined;
      try {
        await running;
      } finally {
        stopping = false;
      }
    },
    runOnce,
    stopping: () => stopping,
  };
}
