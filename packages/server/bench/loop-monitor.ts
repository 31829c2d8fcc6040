// Where a target's session tail comes from (`npm run bench:server`): inside the measured window the target
// process watches its own event loop — how late a 1 ms timer fires (perf_hooks.monitorEventLoopDelay; a late
// timer is a request that waited behind something synchronous: a statement, a JSON parse, a GC pause) — and
// every garbage collection V8 reports (PerformanceObserver 'gc'), so the bench can tell a loop held by the
// server's own work from one held by the collector.
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import type { GcFigures, LoopFigures } from "./target-ipc.js";

/** The sampling timer's period: the smallest delay the histogram can tell from none. */
const RESOLUTION_MS = 1;

/** Stretches the loop was held longer than this are counted (a session's whole p99 budget is 50 ms). */
export const LONG_DELAY_MS = 10;

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

export interface LoopMonitor {
  /** Stops watching and returns what the window saw. */
  stop(): { readonly loop: LoopFigures; readonly gc: GcFigures };
}

interface GcTally {
  count: number;
  totalMs: number;
  maxMs: number;
  readonly byKind: Record<string, { count: number; totalMs: number }>;
}

export function startLoopMonitor(): LoopMonitor {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const gc: GcTally = { count: 0, totalMs: 0, maxMs: 0, byKind: {} };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) addGc(gc, entry);
  });
  observer.observe({ entryTypes: ["gc"] });
  delay.enable();
  return {
    stop() {
      delay.disable();
      for (const entry of observer.takeRecords()) addGc(gc, entry);
      observer.disconnect();
      // The histogram counts the timer's own period as delay: take it off, so an idle loop reads 0.
      const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
      return {
        loop: {
          p50Ms: ms(delay.percentile(50)),
          p99Ms: ms(delay.percentile(99)),
          maxMs: ms(delay.max),
          samples: delay.count,
          longDelays: countAbove(delay.percentiles, delay.count, (LONG_DELAY_MS + RESOLUTION_MS) * 1e6),
        },
        gc,
      };
    },
  };
}

function addGc(gc: GcTally, entry: PerformanceEntry): void {
  const detail = (entry as PerformanceEntry & { readonly detail?: { readonly kind?: number } }).detail;
  const kind = GC_KINDS[detail?.kind ?? -1] ?? "other";
  gc.count++;
  gc.totalMs += entry.duration;
  gc.maxMs = Math.max(gc.maxMs, entry.duration);
  const k = (gc.byKind[kind] ??= { count: 0, totalMs: 0 });
  k.count++;
  k.totalMs += entry.duration;
}

/**
 * About how many samples were above `ns`: the histogram keeps percentile → value pairs, so the share above is
 * 100 − the largest percentile whose value is still at most `ns`.
 */
function countAbove(percentiles: ReadonlyMap<number, number>, count: number, ns: number): number {
  let below = 0;
  for (const [percentile, value] of [...percentiles].sort((a, b) => a[0] - b[0])) {
    if (value <= ns) below = percentile;
  }
  return Math.round(((100 - below) / 100) * count);
}
