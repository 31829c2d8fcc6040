// The store-call histogram (metrics/call-histogram.ts) renders exactly what prom-client's own Histogram renders
// for the same observations: same lines, labels, order and values, in text and in JSON, and after a reset.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Histogram, Registry } from "prom-client";
import { CallHistogram } from "../src/metrics/call-histogram.js";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const NAME = "omadm_store_call_duration_seconds";
const HELP = "Duration of store calls, by method and result";

function pair() {
  const reference = new Registry();
  const promHistogram = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ["method", "result"],
    buckets: BUCKETS,
    registers: [reference],
  });
  const ours = new Registry();
  const call = new CallHistogram({ name: NAME, help: HELP, buckets: BUCKETS });
  ours.registerMetric(call.asRegistryMetric());
  const observe = (method: string, ok: boolean, seconds: number) => {
    promHistogram.observe({ method, result: ok ? "ok" : "error" }, seconds);
    call.observe(method, ok, seconds);
  };
  const reset = () => {
    promHistogram.reset();
    call.reset();
  };
  return { reference, ours, observe, reset };
}

test("renders what prom-client's Histogram renders for the same observations", async () => {
  const h = pair();
  // On the bounds, between them, above the last, zero; methods interleaved, an error series in between.
  const values = [0, 0.0005, 0.0007, 0.001, 0.003, 0.0999, 0.1, 2.5, 2.6, 40];
  values.forEach((v, i) => {
    h.observe(i % 2 === 0 ? "commands.takeBatch" : "sessions.update", true, v);
    if (i % 3 === 0) h.observe("commands.takeBatch", false, v / 2);
  });
  h.observe("transaction", true, 0.004);
  const text = await h.ours.metrics();
  assert.equal(text, await h.reference.metrics());
  assert.match(
    text,
    /omadm_store_call_duration_seconds_bucket\{le="0.001",method="commands.takeBatch",result="ok"\} 2/,
  );
  assert.deepEqual(await h.ours.getMetricsAsJSON(), await h.reference.getMetricsAsJSON());
});

test("a reset empties it as it empties prom-client's", async () => {
  const h = pair();
  h.observe("devices.recordContact", true, 0.002);
  h.reset();
  assert.equal(await h.ours.metrics(), await h.reference.metrics());
  h.observe("alerts.record", false, 0.02);
  assert.equal(await h.ours.metrics(), await h.reference.metrics());
});
