// The retention pass (retention/retention.ts): what it deletes by age on a real store, how it sizes its
// batches by how long the store takes, and that its space reclaiming always ends.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRetention, type RetentionAges } from "../src/retention/retention.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { RetainedKind, type RetentionStore } from "../src/store/types-retention.js";
import { TestClock } from "./store-contract-support.js";

const HOUR = 3_600_000;
const noTimers = { setTimeout: () => undefined, clearTimeout: () => undefined };
const immediate = () => Promise.resolve();
const ages = (ms: number): RetentionAges => ({
  sessions: ms,
  commands: ms,
  alerts: ms,
  notifications: ms,
  uploads: ms,
  uiSessions: ms,
  audit: ms,
  consoleSignIns: ms,
});

test("a pass deletes what is older than its kind's maximum age; 0 keeps a kind for ever", async () => {
  const clock = new TestClock();
  const store = createMemoryStore({ clock });
  await store.devices.create({ id: "dev" });
  for (let i = 0; i < 30; i++) await store.alerts.record([{ deviceId: "dev", alertType: "urn:a" }]);
  await store.notifications.record({ deviceId: "dev", notificationId: 1, transport: "udp", outcome: "sent" });
  clock.advance(2 * HOUR);
  await store.alerts.record([{ deviceId: "dev", alertType: "urn:new" }]);
  const retention = createRetention(
    { store, clock, timers: noTimers, yieldToLoop: immediate },
    { intervalMs: HOUR, batchSize: 10, maxAgeMs: { ...ages(HOUR), notifications: 0 } },
  );
  const report = await retention.runOnce();
  assert.equal(report.pruned.alerts, 30);
  assert.equal(report.pruned.notifications, 0);
  assert.deepEqual(
    (await store.alerts.list()).items.map((a) => a.alertType),
    ["urn:new"],
  );
  assert.equal((await store.notifications.list()).items.length, 1, "kept: its age is 0");
  assert.ok(report.calls >= 4, "30 alerts in batches of 10 take at least 4 calls");
});

/** A fake retention store: `prune` reports `limit` rows while `backlog` lasts, each call "taking" `costMs`. */
function fakeStore(costMs: (limit: number) => number, backlog: number) {
  let left = backlog;
  let t = 0;
  const limits: number[] = [];
  const retention: RetentionStore = {
    prune: (kind, _before, limit) => {
      if (kind !== RetainedKind.Alerts) return Promise.resolve(0);
      limits.push(limit);
      t += costMs(limit);
      const n = Math.min(limit, left);
      left -= n;
      return Promise.resolve(n);
    },
    reclaimSpace: () => Promise.resolve(0),
  };
  return { store: { retention } as Pick<Store, "retention">, limits, elapsed: () => t };
}

test("batches halve while a call takes more than 10 ms and grow back, up to batchSize, while calls are quick", async () => {
  // 0.05 ms per row: 400 rows take 20 ms, 200 take 10 ms, 100 take 5 ms.
  const fake = fakeStore((limit) => limit * 0.05, 2000);
  const retention = createRetention(
    { store: fake.store, clock: new TestClock(), timers: noTimers, elapsed: fake.elapsed, yieldToLoop: immediate },
    { intervalMs: HOUR, batchSize: 400, maxAgeMs: ages(HOUR) },
  );
  const report = await retention.runOnce();
  assert.equal(report.pruned.alerts, 2000);
  assert.deepEqual(fake.limits.slice(0, 3), [400, 200, 200], "halved after a 20 ms call, kept at 10 ms");
  assert.ok(
    fake.limits.every((l) => l <= 400),
    "never above batchSize",
  );
  assert.ok(report.longestCallMs <= 20);
});

test("reclaiming space stops when a call frees nothing, so a pass always ends", async () => {
  let calls = 0;
  const retention: RetentionStore = {
    prune: () => Promise.resolve(0),
    reclaimSpace: () => {
      calls++;
      return Promise.resolve(calls < 3 ? 100 - calls * 10 : 80); // 90, 80, then stuck at 80
    },
  };
  const pass = createRetention(
    { store: { retention }, clock: new TestClock(), timers: noTimers, yieldToLoop: immediate },
    { intervalMs: HOUR, batchSize: 100, maxAgeMs: ages(HOUR) },
  );
  const report = await pass.runOnce();
  assert.equal(calls, 3);
  assert.equal(report.freePages, 80);
});

test("a failing store is logged and the pass resolves; the server's pass runs on its timer", async () => {
  const warnings: string[] = [];
  const retention: RetentionStore = {
    prune: () => Promise.reject(new Error("disk on fire")),
    reclaimSpace: () => Promise.resolve(0),
  };
  const pending: (() => void)[] = [];
  const timers = {
    setTimeout: (cb: () => void) => {
      pending.push(cb);
      return pending.length;
    },
    clearTimeout: () => undefined,
  };
  const pass = createRetention(
    {
      store: { retention },
      clock: new TestClock(),
      timers,
      yieldToLoop: immediate,
      logger: { info: () => undefined, warn: (_o, msg) => warnings.push(msg) },
    },
    { intervalMs: HOUR, batchSize: 100, maxAgeMs: ages(HOUR) },
  );
  const report = await pass.runOnce();
  assert.deepEqual(report.pruned, {
    sessions: 0,
    commands: 0,
    alerts: 0,
    notifications: 0,
    uploads: 0,
    uiSessions: 0,
    audit: 0,
    consoleSignIns: 0,
  });
  assert.match(warnings[0] ?? "", /retention failed/);
  pass.start();
  assert.equal(pending.length, 1, "armed");
  await pass.stop();
});
