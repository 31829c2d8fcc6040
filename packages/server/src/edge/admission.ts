// Admission control (docs/operations.md "Limits"): under load the server refuses new work early and cheaply, with
// 503 and a Retry-After, instead of answering everything late. Two gauges:
//   - open DM sessions (`dm.maxOpenSessions`): a Package#1 that would open one more session than the limit is
//     refused; Package#3s of admitted sessions are always served, so admitted sessions finish;
//   - event-loop delay (`http.maxEventLoopDelayMs`): while the loop lags behind, new Package#1s and every other
//     request except a Package#3 are refused.
// Both are node-local on purpose: the limit protects this process. Clock and randomness are injected.
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface RetryAfter {
  /** Seconds to put in Retry-After: the base delay plus up to as much again of jitter, so that refused devices
   *  do not all come back in the same second. */
  retryAfterSeconds(): number;
}

export interface LoadShedder extends RetryAfter {
  /** True while the event loop lags more than the limit (re-measured at most every `sampleMs`). */
  overloaded(): boolean;
  /** Stops measuring. */
  close(): void;
}

export interface AdmissionDeps {
  readonly now: () => number;
  /** A number in [0, 1) (jitter). */
  readonly random: () => number;
}

export function retryAfter(baseSeconds: number, random: () => number): RetryAfter {
  return { retryAfterSeconds: () => baseSeconds + Math.floor(random() * (baseSeconds + 1)) };
}

/**
 * Sheds load while the mean event-loop delay over the last sample exceeds `maxDelayMs` (0: never). The histogram
 * is read on demand, not by a timer, so an idle server does no work.
 */
export function createLoadShedder(
  deps: AdmissionDeps,
  options: { readonly maxDelayMs: number; readonly retryAfterSeconds: number; readonly sampleMs?: number },
): LoadShedder {
  const sampleMs = options.sampleMs ?? 500;
  const after = retryAfter(options.retryAfterSeconds, deps.random);
  let histogram: IntervalHistogram | null = null;
  let closed = options.maxDelayMs <= 0;
  let sampledAt = deps.now();
  let shedding = false;
  return {
    overloaded() {
      if (closed) return false;
      const now = deps.now();
      if (histogram === null) {
        // Measured from the first request on, so that a server that is built but never started measures nothing.
        histogram = monitorEventLoopDelay({ resolution: 10 });
        histogram.enable();
        sampledAt = now;
        return false;
      }
      if (now - sampledAt >= sampleMs) {
        // The histogram is in nanoseconds; its minimum is the resolution, not a delay.
        const meanMs = histogram.count === 0 ? 0 : histogram.mean / 1e6;
        shedding = meanMs > options.maxDelayMs;
        histogram.reset();
        sampledAt = now;
      }
      return shedding;
    },
    retryAfterSeconds: () => after.retryAfterSeconds(),
    close() {
      histogram?.disable();
      histogram = null;
      closed = true;
    },
  };
}

export interface SessionAdmission extends RetryAfter {
  /** May this device open a session now? A device that holds a session may always open its next one. */
  admit(deviceId: string): boolean;
  /** The device's session is open (until `idleMs` without traffic). */
  opened(deviceId: string): void;
  /** The device's session ended. */
  closed(deviceId: string): void;
  /** Sessions counted now. */
  size(): number;
}

/** How a node learns which of the sessions it counts are still open, where several nodes share one store. */
export interface SessionReconcile {
  /** Of these devices, those whose session is still open in the store (`sessions.liveAmong`). */
  readonly stillOpen: (deviceIds: readonly string[]) => Promise<readonly string[]>;
  /** A failed check: logged; the sessions stay counted until their idle time-out. */
  readonly onError: (error: unknown) => void;
  /** A session this node has not heard of for this long is checked; at most one check runs per interval. */
  readonly afterMs: number;
}

/**
 * Counts open DM sessions by device (a device has at most one, docs/protocol.md §1.4). A session that goes quiet
 * for `idleMs` (the DM idle time-out) stops counting, as the sweeper will close it.
 *
 * With several nodes on one store (`reconcile`), a session this node admitted may go on and end on another node:
 * its device sent the next package over another connection, which the balancer gave to the other node. This node
 * never sees the end, and would count the session for the whole idle time-out (10 minutes by default) — at a
 * hundred sessions a second, enough to fill `dm.maxOpenSessions` with finished sessions and refuse every device.
 * So a session this node has not heard of for `afterMs` is checked against the store (one query for all of them,
 * at most one per `afterMs`, started from `admit`), and no longer counted once the store has it closed.
 */
export function createSessionAdmission(
  deps: AdmissionDeps,
  options: {
    readonly maxOpenSessions: number;
    readonly idleMs: number;
    readonly retryAfterSeconds: number;
    readonly reconcile?: SessionReconcile | undefined;
  },
): SessionAdmission {
  // Device → idle expiry; kept in expiry order (re-inserted on every package), so the least recently heard of
  // sessions come first.
  const open = new Map<string, number>();
  const after = retryAfter(options.retryAfterSeconds, deps.random);
  const { reconcile } = options;
  let checking = false;
  let checkedAt = -Infinity;
  const prune = () => {
    const now = deps.now();
    for (const [id, until] of open) if (until <= now) open.delete(id);
  };
  const check = (r: SessionReconcile, now: number): void => {
    // Heard of no later than this: `until` = last package + idleMs.
    const quietSince = now - r.afterMs + options.idleMs;
    const asked = new Map<string, number>();
    for (const [id, until] of open) {
      if (until > quietSince) break;
      asked.set(id, until);
    }
    if (asked.size === 0) return;
    checking = true;
    checkedAt = now;
    r.stillOpen([...asked.keys()])
      .then((live) => {
        const stillOpen = new Set(live);
        // Not counted once closed in the store, unless this node heard of the device again meanwhile.
        for (const [id, until] of asked) if (!stillOpen.has(id) && open.get(id) === until) open.delete(id);
      })
      .catch(r.onError)
      .finally(() => {
        checking = false;
      });
  };
  return {
    admit(deviceId) {
      if (reconcile !== undefined && !checking && open.size > 0) {
        const now = deps.now();
        if (now - checkedAt >= reconcile.afterMs) check(reconcile, now);
      }
      if (open.has(deviceId) || open.size < options.maxOpenSessions) return true;
      prune();
      return open.size < options.maxOpenSessions;
    },
    opened(deviceId) {
      // Re-inserted so that the map stays in expiry order.
      open.delete(deviceId);
      open.set(deviceId, deps.now() + options.idleMs);
    },
    closed(deviceId) {
      open.delete(deviceId);
    },
    size: () => open.size,
    retryAfterSeconds: () => after.retryAfterSeconds(),
  };
}
