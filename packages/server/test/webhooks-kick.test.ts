// The webhook dispatcher's wake-ups on a real SQLite store, with timers that never fire (so no periodic tick
// runs): once the webhook list is known, a kick (new events in the log) wakes the enabled webhooks' workers
// without reading the list again; a webhook created behind the dispatcher's back is not sent to until the list
// is read again (`refresh()`, which the REST API calls after a create or change), and then gets every event
// after its cursor, none lost.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import type { Timers } from "../src/notifier/wake-on-queue.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import type { WebhookStore } from "../src/store/types-webhooks.js";
import { createWebhookDispatcher, type WebhookDispatcher } from "../src/webhooks/dispatcher.js";
import { tempDir } from "./dm-support.js";
import { startReceiver, type Receiver } from "./webhook-support.js";

const stillTimers: Timers = { setTimeout: () => null, clearTimeout: () => undefined };
const quiet = { info: () => undefined, warn: () => undefined };

let dir: ReturnType<typeof tempDir>;
let store: Store;
let first: Receiver;
let second: Receiver;
let dispatcher: WebhookDispatcher;
let listReads = 0;

beforeEach(async () => {
  dir = tempDir("omadm-webhook-kick-");
  store = await openSqliteStore({ clock: { now: Date.now } }, { dataDir: dir.path });
  first = await startReceiver();
  second = await startReceiver();
  listReads = 0;
  const counted: WebhookStore = {
    ...store.webhooks,
    list: () => {
      listReads++;
      return store.webhooks.list();
    },
  };
  dispatcher = createWebhookDispatcher(
    { webhooks: counted, events: store.events, clock: { now: Date.now }, timers: stillTimers, logger: quiet },
    { timeoutMs: 2000, maxAttempts: 1, backoffBaseMs: 10, backoffMaxMs: 10, pollMs: 1000 },
  );
});

afterEach(async () => {
  await dispatcher.stop();
  await store.close();
  await first.close();
  await second.close();
  dir.remove();
});

async function hook(url: string): Promise<void> {
  await store.webhooks.create({
    url,
    kinds: [],
    enabled: true,
    secret: "s".repeat(32),
    cursor: await store.events.lastId(),
  });
}

async function append(n: number): Promise<void> {
  await store.events.append([
    { kind: "test.kick", deviceId: null, sessionId: null, commandId: null, data: { n }, at: Date.now() },
  ]);
}

const eventNumbers = (r: Receiver) => r.received.map((x) => (JSON.parse(x.body) as { data: { n: number } }).data.n);

test("a kick wakes the known webhooks without reading the list; refresh() finds a new one, which misses nothing", async () => {
  await hook(first.url);
  dispatcher.start();
  await dispatcher.idle();
  assert.equal(listReads, 1, "start reads the list once");

  await append(1);
  dispatcher.kick();
  await first.waitFor((r) => r.length === 1, "the first event at the first webhook");
  await append(2);
  dispatcher.kick();
  await first.waitFor((r) => r.length === 2, "the second event at the first webhook");
  assert.equal(listReads, 1, "kicks do not read the webhook list again");

  // Made behind the dispatcher's back (another node, or the store directly): unknown until the list is read.
  await hook(second.url);
  await append(3);
  dispatcher.kick();
  await first.waitFor((r) => r.length === 3, "the third event at the first webhook");
  await dispatcher.idle();
  assert.equal(second.received.length, 0, "the unknown webhook was not woken by a kick");

  dispatcher.refresh();
  await second.waitFor((r) => r.length === 1, "the new webhook's first event after refresh");
  await dispatcher.idle();
  assert.equal(listReads, 2);
  assert.deepEqual(eventNumbers(first), [1, 2, 3]);
  assert.deepEqual(eventNumbers(second), [3], "every event after the new webhook's cursor, none lost");
});
