// The simulator's counters: sessions done and aborted, and their durations in a fixed histogram (1 ms buckets
// to 60 s, then one overflow bucket) so that p50/p99 cost the same at ten sessions and at a million.
const BUCKETS = 60_000;

export interface FleetStatsSnapshot {
  readonly sessions: number;
  readonly errors: number;
  readonly notificationsAccepted: number;
  readonly notificationsRejected: number;
  /** Sessions currently running. */
  readonly open: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class FleetStats {
  sessions = 0;
  errors = 0;
  notificationsAccepted = 0;
  notificationsRejected = 0;
  open = 0;
  maxMs = 0;
  readonly #histogram = new Uint32Array(BUCKETS + 1);
  #count = 0;

  started(): void {
    this.open++;
  }

  finished(durationMs: number, ok: boolean): void {
    this.open = Math.max(0, this.open - 1);
    this.sessions++;
    if (!ok) this.errors++;
    const ms = Math.max(0, Math.round(durationMs));
    this.maxMs = Math.max(this.maxMs, ms);
    const bucket = Math.min(ms, BUCKETS);
    this.#histogram[bucket] = (this.#histogram[bucket] ?? 0) + 1;
    this.#count++;
  }

  /**
   * The non-empty buckets as [ms, count] pairs: what a simulator process sends to the process that adds up
   * several (`record` there), so that a p99 over several processes is the p99 of all their sessions.
   */
  buckets(): [number, number][] {
    const out: [number, number][] = [];
    for (let ms = 0; ms <= BUCKETS; ms++) {
      const n = this.#histogram[ms] ?? 0;
      if (n > 0) out.push([ms, n]);
    }
    return out;
  }

  /** Adds `count` sessions of `ms` each that another process counted (see `buckets`). */
  record(ms: number, count: number): void {
    const bucket = Math.min(Math.max(0, Math.round(ms)), BUCKETS);
    this.#histogram[bucket] = (this.#histogram[bucket] ?? 0) + count;
    this.#count += count;
    this.sessions += count;
    this.maxMs = Math.max(this.maxMs, bucket);
  }

  /** The duration below which `q` of the sessions finished (ms), 0 before any. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.ceil(q * this.#count);
    let seen = 0;
    for (let ms = 0; ms <= BUCKETS; ms++) {
      seen += this.#histogram[ms] ?? 0;
      if (seen >= rank) return ms;
    }
    return BUCKETS;
  }

  snapshot(): FleetStatsSnapshot {
    return {
      sessions: this.sessions,
      errors: this.errors,
      notificationsAccepted: this.notificationsAccepted,
      notificationsRejected: this.notificationsRejected,
      open: this.open,
      p50Ms: this.quantile(0.5),
      p99Ms: this.quantile(0.99),
      maxMs: this.maxMs,
    };
  }
}
