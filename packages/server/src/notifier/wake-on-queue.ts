// "Wake on queue": when configured, the command service tells this helper each time it queues a command, and
// the device is sent one Package#0 for a burst of commands instead of one per command (`notifier.wakeOnQueue`:
// when configured, queueing a command triggers the notifier).
//
// Coalescing is a fixed window, not a sliding debounce: the first command starts the timer and every command
// queued for the same device before it fires joins that wake. A steady stream of commands therefore still
// wakes the device every `debounceMs`, never postpones it forever. The device fetches the whole queue in its
// session anyway (Package#2 batching), so one notification per window is enough.
//
// With a `lease` the window is fleet-wide (docs/operations.md "Several nodes"): a node opens a device's window
// only when it takes the store lease `wake:<device>`, and gives it up once the wake went out; a node that finds
// the lease taken leaves the wake to its holder, whose session will fetch this node's command too.

import type { NotificationRecord } from "../store/types-session.js";
import type { LeaseStore } from "../store/types-lease.js";
import type { Notifier, NotifierEventLogger } from "./notifier.js";
import { stderrNotifierLogger } from "./transports/notification-sender.js";
import { errorMessage } from "@omadm/protocol";

/** The timer functions the helper uses, injected so tests can fire them by hand. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export type WakeOutcome =
  { readonly ok: true; readonly record: NotificationRecord } | { readonly ok: false; readonly error: unknown };

export interface WakeOnQueueOptions {
  /** How long to gather queued commands for one device before its notification goes out (≥ 0 ms). */
  readonly debounceMs: number;
  /** `reason` passed to `wake` (default "command queued"). */
  readonly reason?: string;
  readonly timers?: Timers;
  /** Failures are logged here (they never reject anywhere: nobody awaits a queued command's wake). */
  readonly logger?: NotifierEventLogger;
  /** Called after each wake settles, e.g. for metrics or tests. */
  readonly onWake?: (deviceId: string, outcome: WakeOutcome) => void;
  /** One window per device across the server nodes sharing `leases` (this node is `holder`). */
  readonly lease?: { readonly leases: LeaseStore; readonly holder: string } | undefined;
}

/** A device's wake lease outlives its window by this much: the time its Package#0 may take to go out. */
export const WAKE_LEASE_MARGIN_MS = 30_000;

/** The lease of a device's wake window. */
export function wakeLeaseName(deviceId: string): string {
  return `wake:${deviceId}`;
}

/** In `pending` while this node asks for the device's lease. */
const TAKING = Symbol("taking the wake lease");

export interface WakeOnQueue {
  /** A command was queued for the device: schedule its wake unless one is already pending. Never throws. */
  commandQueued(deviceId: string): void;
  /** Devices with a wake scheduled but not yet started. */
  pendingDevices(): readonly string[];
  /** Starts every pending wake now and resolves when they and any wakes in flight have settled. */
  flush(): Promise<void>;
  /** Cancels pending wakes, waits for those in flight; later `commandQueued` calls are ignored. Idempotent. */
  close(): Promise<void>;
}

export function createWakeOnQueue(notifier: Pick<Notifier, "wake">, options: WakeOnQueueOptions): WakeOnQueue {
  const { debounceMs } = options;
  if (!Number.isFinite(debounceMs) || debounceMs < 0) {
    throw new RangeError(`debounceMs must be a finite number ≥ 0, got ${debounceMs}`);
  }
  const timers = options.timers ?? systemTimers;
  const logger = options.logger ?? stderrNotifierLogger;
  const reason = options.reason ?? "command queued";
  const pending = new Map<string, unknown>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  const { lease } = options;

  function track(work: Promise<void>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  function schedule(deviceId: string): void {
    pending.set(
      deviceId,
      timers.setTimeout(() => {
        fire(deviceId);
      }, debounceMs),
    );
  }

  function release(deviceId: string): Promise<void> {
    if (lease === undefined) return Promise.resolve();
    return lease.leases.release(wakeLeaseName(deviceId), lease.holder).catch((error: unknown) => {
      logger.warn({ deviceId, error: errorMessage(error) }, "wake on queue: could not give the wake lease up");
    });
  }

  /** Opens the device's window if this node takes its lease; a failing store opens it anyway (better two wakes than none). */
  function takeLease(deviceId: string, leases: NonNullable<typeof lease>): void {
    pending.set(deviceId, TAKING);
    const ttl = Math.ceil(debounceMs) + WAKE_LEASE_MARGIN_MS;
    const taken = leases.leases.acquire(wakeLeaseName(deviceId), leases.holder, ttl).catch((error: unknown) => {
      logger.warn({ deviceId, error: errorMessage(error) }, "wake on queue: could not take the wake lease");
      return true;
    });
    track(
      taken.then(async (held) => {
        if (pending.get(deviceId) !== TAKING) {
          // Closed (or flushed) meanwhile.
          if (held) await release(deviceId);
          return;
        }
        pending.delete(deviceId);
        if (held && !closed) schedule(deviceId);
      }),
    );
  }

  function fire(deviceId: string): void {
    pending.delete(deviceId);
    const run = notifier.wake(deviceId, { reason }).then(
      (record): WakeOutcome => ({ ok: true, record }),
      (error: unknown): WakeOutcome => ({ ok: false, error }),
    );
    const settled = run.then(async (outcome) => {
      await release(deviceId);
      if (!outcome.ok) {
        const error = outcome.error;
        logger.warn({ deviceId, reason, error: errorMessage(error) }, "wake on queue: notification not sent");
      }
      try {
        options.onWake?.(deviceId, outcome);
      } catch (error) {
        logger.warn({ deviceId, error }, "wake on queue: onWake callback threw");
      }
    });
    track(settled);
  }

  async function settleInFlight(): Promise<void> {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  }

  return {
    commandQueued(deviceId) {
      if (closed || pending.has(deviceId)) return;
      if (lease === undefined) schedule(deviceId);
      else takeLease(deviceId, lease);
    },
    pendingDevices: () => [...pending.keys()],
    async flush() {
      // Lease requests first, so every window that will open is open.
      await settleInFlight();
      for (const [deviceId, handle] of [...pending]) {
        timers.clearTimeout(handle);
        fire(deviceId);
      }
      await settleInFlight();
    },
    async close() {
      closed = true;
      for (const handle of pending.values()) if (handle !== TAKING) timers.clearTimeout(handle);
      pending.clear();
      await settleInFlight();
    },
  };
}
