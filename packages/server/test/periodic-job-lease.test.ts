// A periodic job with a lease runs on one node of a fleet at a time (periodic-job.ts): the holder keeps the
// lease from run to run, a node that stops hands it over at once, and a node that dies hands it over when the
// lease expires. Two jobs share one memory store (two nodes), each with timers the test fires by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPeriodicJob, LEASE_INTERVALS, type JobLeaseLogger } from "../src/periodic-job.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Timers } from "../src/notifier/wake-on-queue.js";
import type { LeaseStore } from "../src/store/types-lease.js";
import { TestClock } from "./store-contract-support.js";

const INTERVAL = 1000;

/** Timers fired by hand; `tick()` fires the armed one and resolves when the next one is armed. */
function manualTimers() {
  let armed: (() => void) | undefined;
  let onArm: (() => void) | undefined;
  const timers: Timers = {
    setTimeout(fn) {
      armed = fn;
      onArm?.();
      return 1;
    },
    clearTimeout() {
      armed = undefined;
    },
  };
  return {
    timers,
    tick: async (): Promise<void> => {
      const fn = armed;
      assert.ok(fn !== undefined, "a timer is armed");
      armed = undefined;
      const next = new Promise<void>((resolve) => {
        onArm = resolve;
      });
      fn();
      await next;
    },
  };
}

function logLines(): JobLeaseLogger & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (_o, msg) => lines.push(msg), warn: (_o, msg) => lines.push(`warn: ${msg}`) };
}

function node(leases: LeaseStore, holder: string) {
  const timers = manualTimers();
  const logger = logLines();
  let runs = 0;
  const job = createPeriodicJob(
    timers.timers,
    INTERVAL,
    () => {
      runs++;
      return Promise.resolve(runs);
    },
    { name: "sweep", leases, holder, logger },
  );
  job.start();
  return { job, tick: timers.tick, logger, runs: () => runs };
}

test("two nodes: the first to take the lease runs every time; stopping hands it over at once", async () => {
  const clock = new TestClock();
  const store = createMemoryStore({ clock });
  const a = node(store.leases, "node-a");
  const b = node(store.leases, "node-b");
  for (let i = 0; i < 3; i++) {
    await a.tick();
    await b.tick();
    clock.advance(INTERVAL);
  }
  assert.deepEqual([a.runs(), b.runs()], [3, 0]);
  assert.deepEqual(a.logger.lines, ["this node runs the sweep job"]);
  assert.deepEqual(b.logger.lines, [], "never held it: nothing to say");

  await a.job.stop();
  await b.tick();
  assert.equal(b.runs(), 1, "a stopped node gave the lease up");
  assert.equal(await store.leases.acquire("sweep", "node-a", 1), false, "node-b holds it now");
  await b.job.stop();
});

test("a node that dies keeps the lease until it expires; then another node runs the job", async () => {
  const clock = new TestClock();
  const store = createMemoryStore({ clock });
  const a = node(store.leases, "node-a");
  const b = node(store.leases, "node-b");
  await a.tick();
  // node-a dies: its timer never fires again and it never releases.
  clock.advance(LEASE_INTERVALS * INTERVAL - 1);
  await b.tick();
  assert.equal(b.runs(), 0, "the lease has not expired yet");
  clock.advance(1);
  await b.tick();
  assert.deepEqual([a.runs(), b.runs()], [1, 1]);
  await a.tick();
  assert.equal(a.runs(), 1, "node-a came back: node-b holds the lease now");
  assert.deepEqual(a.logger.lines, ["this node runs the sweep job", "another node runs the sweep job"]);
  await Promise.all([a.job.stop(), b.job.stop()]);
});

test("a lease store that fails skips the run with a warning and tries again next interval", async () => {
  let fail = true;
  const leases: LeaseStore = {
    acquire: () => (fail ? Promise.reject(new Error("database down")) : Promise.resolve(true)),
    release: () => Promise.resolve(),
  };
  const a = node(leases, "node-a");
  await a.tick();
  assert.equal(a.runs(), 0);
  assert.deepEqual(a.logger.lines, ["warn: could not take the sweep lease; trying again later"]);
  fail = false;
  await a.tick();
  assert.equal(a.runs(), 1);
  await a.job.stop();
});

test("runOnce() runs on demand on any node, lease or not", async () => {
  const clock = new TestClock();
  const store = createMemoryStore({ clock });
  const a = node(store.leases, "node-a");
  const b = node(store.leases, "node-b");
  await a.tick();
  assert.equal(await b.job.runOnce(), 1);
  await Promise.all([a.job.stop(), b.job.stop()]);
});
