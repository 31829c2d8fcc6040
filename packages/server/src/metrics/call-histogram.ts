// The store-call latency histogram (omadm_store_call_duration_seconds) as a metric of its own for prom-client's
// registry. Every store call of a DM package is observed — about twenty per session — and prom-client's
// Histogram.observe checks and hashes its label object on every call; here a (method, result) series is found
// by two map lookups and its bucket counted in a typed array. What a scrape reads is what prom-client's
// Histogram gives for the same observations: the same values, labels and order (test/metrics-histogram.test.ts
// compares the two).
import type { Metric } from "prom-client";

/** One line of the exposition, as prom-client's metrics give them to its registry. */
export interface HistogramValue {
  readonly value: number;
  readonly metricName: string;
  /** Always empty (no exemplars); present as in prom-client's values. */
  readonly exemplar: null | undefined;
  readonly labels: Readonly<Record<string, string | number>>;
}

/** What prom-client's registry reads from a metric (its own typings give `type` as a numeric enum). */
export interface HistogramSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: "histogram";
  readonly aggregator: "sum";
  readonly values: readonly HistogramValue[];
}

interface Series {
  readonly method: string;
  readonly result: string;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export interface CallHistogramConfig {
  readonly name: string;
  readonly help: string;
  /** Upper bounds in seconds, ascending. */
  readonly buckets: readonly number[];
}

export class CallHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram" as const;
  readonly aggregator = "sum" as const;
  readonly #bounds: readonly number[];
  /** method → [ok series, error series], made at first observation. */
  #byMethod = new Map<string, [Series | undefined, Series | undefined]>();
  /** Series in the order they were first observed (prom-client's order). */
  #order: Series[] = [];

  constructor(config: CallHistogramConfig) {
    this.name = config.name;
    this.help = config.help;
    this.#bounds = [...config.buckets];
  }

  /** One call of `method` took `seconds`; `ok` false when it threw. */
  observe(method: string, ok: boolean, seconds: number): void {
    let pair = this.#byMethod.get(method);
    if (pair === undefined) {
      pair = [undefined, undefined];
      this.#byMethod.set(method, pair);
    }
    if (!Number.isFinite(seconds)) return;
    const slot = ok ? 0 : 1;
    let series = pair[slot];
    if (series === undefined) {
      series = {
        method,
        result: ok ? "ok" : "error",
        counts: new Float64Array(this.#bounds.length + 1),
        sum: 0,
        count: 0,
      };
      pair[slot] = series;
      this.#order.push(series);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    series.counts[i] = (series.counts[i] as number) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** What prom-client's Histogram.get() gives: per series its buckets (cumulative), +Inf, sum and count. */
  get(): Promise<HistogramSnapshot> {
    const values: HistogramValue[] = [];
    const bucketName = `${this.name}_bucket`;
    const sumName = `${this.name}_sum`;
    const countName = `${this.name}_count`;
    for (const s of this.#order) {
      const { method, result } = s;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += s.counts[i] as number;
        values.push({ value: cumulative, metricName: bucketName, exemplar: null, labels: { le, method, result } });
      });
      values.push({ value: s.count, metricName: bucketName, exemplar: null, labels: { le: "+Inf", method, result } });
      values.push({ value: s.sum, metricName: sumName, exemplar: undefined, labels: { method, result } });
      values.push({ value: s.count, metricName: countName, exemplar: undefined, labels: { method, result } });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    this.#byMethod = new Map();
    this.#order = [];
  }

  /** prom-client's Registry takes any object with `name`, `get` and `reset`; its types list only its own classes. */
  asRegistryMetric(): Metric {
    return this as unknown as Metric;
  }
}
