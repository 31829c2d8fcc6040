// Pruning the event log on a real SQLite file: in bounded store calls (each deletes at most its limit, oldest
// first), until exactly the newest `keep` events are left; and the recorder prunes beside its appends, in such
// calls, whatever piled up.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { createEventBus } from "../src/events/event-bus.js";
import { createEventRecorder } from "../src/events/event-recorder.js";
import type { EventLog, NewServerEvent } from "../src/events/event-types.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { TestClock } from "./store-contract-support.js";

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "omadm-events-prune-"));
  store = await openSqliteStore({ clock: new TestClock() }, { dataDir: dir });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function ev(n: number): NewServerEvent {
  return { kind: "command.state", deviceId: `d${n % 7}`, sessionId: null, commandId: null, data: { n }, at: n };
}

async function appendMany(count: number): Promise<void> {
  for (let n = 1; n <= count; n += 500) {
    await store.events.append(Array.from({ length: Math.min(500, count - n + 1) }, (_, i) => ev(n + i)));
  }
}

async function allData(): Promise<number[]> {
  const out: number[] = [];
  for (let afterId = 0; ;) {
    const page = await store.events.after({ afterId, limit: 1000 });
    if (page.length === 0) return out;
    for (const e of page) out.push((e.data as { n: number }).n);
    afterId = page[page.length - 1]?.id ?? afterId;
  }
}

test("prune deletes at most `limit` per call, oldest first, until the newest `keep` are left", async () => {
  await appendMany(2_650);
  const last = await store.events.lastId();
  const deleted: number[] = [];
  for (;;) {
    const n = await store.events.prune(100, 500);
    deleted.push(n);
    if (n < 500) break;
  }
  assert.deepEqual(deleted, [500, 500, 500, 500, 500, 50]);
  const left = await allData();
  assert.deepEqual(
    left,
    Array.from({ length: 100 }, (_, i) => 2_551 + i),
  );
  assert.equal(await store.events.lastId(), last);
  assert.equal(await store.events.prune(100, 500), 0, "nothing beyond the newest 100");
});

test("the recorder prunes in bounded calls beside its appends, down to `retain`", async () => {
  const calls: number[] = [];
  const log: EventLog = {
    ...store.events,
    prune: async (keep, limit) => {
      assert.equal(limit, 200);
      const n = await store.events.prune(keep, limit);
      calls.push(n);
      return n;
    },
  };
  const bus = createEventBus();
  const recorder = createEventRecorder({ bus, log }, { retain: 100, pruneEvery: 1, pruneBatch: 200 });
  for (let n = 1; n <= 1_250; n++) bus.publish(ev(n));
  await recorder.flush();
  await recorder.close();
  assert.ok(calls.every((n) => n <= 200));
  assert.ok(calls.filter((n) => n === 200).length >= 5, `more than one batch per run: ${calls.join(",")}`);
  assert.equal(
    calls.reduce((a, b) => a + b, 0),
    1_150,
  );
  const left = await allData();
  assert.deepEqual(
    left,
    Array.from({ length: 100 }, (_, i) => 1_151 + i),
  );
});
