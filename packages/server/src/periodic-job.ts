// A background job that runs every `intervalMs` (the DM sweep, retention): one run at a time, the next one armed
// only after the previous one ended (so a slow run never piles up), `runOnce()` joining a run in progress, and
// `stop()` waiting for it. The timer is injected, so tests drive the job without sleeping.
//
// With a `lease`, the job runs once per fleet when several server nodes share a store (docs/operations.md
// "Several nodes"): before each timed run the node takes (or renews) the store lease named for the job; a node
// that does not hold it skips the run and asks again next interval. The lease outlives a few intervals, so the
// holder keeps it from run to run; when the holder dies, another node takes it once it expired; a node that
// stops gives it up at once. `runOnce()` is on demand and takes no lease: every job is safe to run twice.
import type { Timers } from "./notifier/wake-on-queue.js";
import type { LeaseStore } from "./store/types-lease.js";

export interface PeriodicJob<R> {
  /** Arms the timer (idempotent). */
  readonly start: () => void;
  /** Disarms the timer, waits for a run in progress and gives the lease up; `stopping()` is true meanwhile. */
  readonly stop: () => Promise<void>;
  /** One run now (joins the one in progress, if any). */
  readonly runOnce: () => Promise<R>;
  /** True while `stop()` waits: a long run checks it to end early. */
  readonly stopping: () => boolean;
}

/** How a job shares its runs with the other nodes of a fleet. */
export interface JobLease {
  readonly leases: LeaseStore;
  /** This node (config `nodeId`). */
  readonly holder: string;
  /** How long a taken lease lasts; default LEASE_INTERVALS × the job's interval. */
  readonly ttlMs?: number | undefined;
  readonly logger?: JobLeaseLogger | undefined;
}

export interface JobLeaseLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A lease lasts this many intervals: a holder that misses a renewal or two keeps it. */
export const LEASE_INTERVALS = 3;

export function createPeriodicJob<R>(
  timers: Timers,
  intervalMs: number,
  run: () => Promise<R>,
  lease?: { readonly name: string } & JobLease,
): PeriodicJob<R> {
  let handle: unknown;
  let running: Promise<R> | undefined;
  let started = false;
  let stopping = false;
  let holding = false;
  /** The timed run in progress, from taking the lease to arming the next one. */
  let ticking: Promise<unknown> | undefined;

  function runOnce(): Promise<R> {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  }

  /** Whether this node runs the job this time: it holds the lease (or there is none). Never throws. */
  async function mayRun(): Promise<boolean> {
    if (lease === undefined) return true;
    const ttlMs = lease.ttlMs ?? LEASE_INTERVALS * intervalMs;
    let held: boolean;
    try {
      held = await lease.leases.acquire(lease.name, lease.holder, ttlMs);
    } catch (err) {
      lease.logger?.warn({ err, lease: lease.name }, `could not take the ${lease.name} lease; trying again later`);
      held = false;
    }
    if (held !== holding) {
      const what = { lease: lease.name, node: lease.holder };
      lease.logger?.info(what, held ? `this node runs the ${lease.name} job` : `another node runs the ${lease.name} job`);
    }
    holding = held;
    return held;
  }

  function arm(): void {
    handle = timers.setTimeout(() => {
      handle = undefined;
      ticking = mayRun()
        .then((ok) => (ok && started ? runOnce() : undefined))
        .finally(() => {
          ticking = undefined;
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
        await ticking?.catch(() => undefined);
        await running;
        if (lease !== undefined && holding) {
          holding = false;
          await lease.leases.release(lease.name, lease.holder).catch((err: unknown) => {
            lease.logger?.warn({ err, lease: lease.name }, `could not give the ${lease.name} lease up`);
          });
        }
      } finally {
        stopping = false;
      }
    },
    runOnce,
    stopping: () => stopping,
  };
}
