// Wake on queue: several commands queued for one device within the window become one notification. Timers are
// a hand-written fake fired by the test (no sleeping); the last test runs the real notifier over real UDP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { verifyNotification } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../src/errors.js";
import { createNotifier, type WakeOptions } from "../src/notifier/notifier.js";
import { createUdpNotificationSender } from "../src/notifier/transports/udp-notification-sender.js";
import { createWakeOnQueue, type Timers, type WakeOutcome } from "../src/notifier/wake-on-queue.js";
import type { NotificationRecord } from "../src/store/types-session.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { TestClock } from "./store-contract-support.js";
import { createInbox, createRecordingLogger } from "../../../test-support/async-inbox.js";
import { AUTH_DATA, CREDENTIALS, SECRET, SERVER_ID, fixedClock, memoryStore, udpListener } from "./notifier-support.js";

/** Timers the test fires by hand; remembers each delay asked for. */
function manualTimers(): Timers & { fireAll(): void; readonly delays: number[]; readonly live: number } {
  let next = 0;
  const live = new Map<number, () => void>();
  const delays: number[] = [];
  return {
    setTimeout(callback, ms) {
      delays.push(ms);
      live.set(++next, callback);
      return next;
    },
    clearTimeout(handle) {
      live.delete(handle as number);
    },
    fireAll() {
      const due = [...live.values()];
      live.clear();
      for (const callback of due) callback();
    },
    delays,
    get live() {
      return live.size;
    },
  };
}

/** A notifier stand-in recording its calls; `fail` makes chosen devices reject. */
function recordingNotifier(fail: ReadonlySet<string> = new Set()) {
  const calls: { deviceId: string; options: WakeOptions | undefined }[] = [];
  return {
    calls,
    wake(deviceId: string, options?: WakeOptions): Promise<NotificationRecord> {
      calls.push({ deviceId, options });
      if (fail.has(deviceId)) {
        return Promise.reject(new ServerError(ServerErrorCode.NOTIFY_NO_ADDRESS, `no address for ${deviceId}`));
      }
      return Promise.resolve({
        id: `n${calls.length}`,
        deviceId,
        notificationId: calls.length,
        transport: "udp",
        sentAt: 0,
        outcome: "sent",
        error: null,
      });
    },
  };
}

test("commands queued for one device within the window become one wake; each device gets its own", async () => {
  const timers = manualTimers();
  const notifier = recordingNotifier();
  const outcomes = createInbox<[string, WakeOutcome]>();
  const woq = createWakeOnQueue(notifier, {
    debounceMs: 250,
    timers,
    onWake: (deviceId, outcome) => {
      outcomes.push([deviceId, outcome]);
    },
  });
  for (const id of ["a", "a", "b", "a", "b"]) woq.commandQueued(id);
  assert.deepEqual(woq.pendingDevices(), ["a", "b"]);
  assert.deepEqual(timers.delays, [250, 250], "one timer per device, with the configured delay");
  assert.equal(notifier.calls.length, 0, "nothing is sent before the window closes");

  timers.fireAll();
  const settled = [await outcomes.next(), await outcomes.next()];
  assert.deepEqual(settled.map(([id, o]) => [id, o.ok]).sort(), [
    ["a", true],
    ["b", true],
  ]);
  assert.deepEqual(
    notifier.calls.map((c) => [c.deviceId, c.options?.reason]),
    [
      ["a", "command queued"],
      ["b", "command queued"],
    ],
  );

  // After the wake, a new command starts a new window.
  woq.commandQueued("a");
  assert.deepEqual(woq.pendingDevices(), ["a"]);
  await woq.flush();
  assert.equal(notifier.calls.length, 3);
  assert.equal(timers.live, 0, "flush cleared the timer it replaced");
  await woq.close();
});

test("a failed wake is logged and reported, never thrown; close cancels pending wakes", async () => {
  const timers = manualTimers();
  const notifier = recordingNotifier(new Set(["broken"]));
  const { logger, entries } = createRecordingLogger();
  const outcomes: [string, WakeOutcome][] = [];
  const woq = createWakeOnQueue(notifier, {
    debounceMs: 0,
    timers,
    logger,
    reason: "custom",
    onWake: (deviceId, outcome) => outcomes.push([deviceId, outcome]),
  });
  woq.commandQueued("broken");
  await woq.flush();
  const [deviceId, outcome] = outcomes[0] ?? assert.fail("no outcome");
  assert.equal(deviceId, "broken");
  assert.ok(!outcome.ok && outcome.error instanceof ServerError);
  const line = await entries.next();
  assert.match(line.message, /not sent/);
  assert.equal(line.details["deviceId"], "broken");
  assert.equal(line.details["reason"], "custom");

  woq.commandQueued("later");
  assert.equal(timers.live, 1);
  await woq.close();
  assert.equal(timers.live, 0, "the pending timer was cancelled");
  woq.commandQueued("after-close");
  assert.deepEqual(woq.pendingDevices(), []);
  assert.equal(notifier.calls.length, 1, "cancelled and post-close wakes never ran");
});

test("with a lease, two nodes open one window per device between them; the holder gives it up after the wake", async () => {
  const store = createMemoryStore({ clock: new TestClock() });
  const nodes = ["node-a", "node-b"].map((holder) => {
    const notifier = recordingNotifier();
    const woq = createWakeOnQueue(notifier, {
      debounceMs: 250,
      timers: manualTimers(),
      lease: { leases: store.leases, holder },
    });
    return { notifier, woq };
  });
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  a.woq.commandQueued("dev");
  b.woq.commandQueued("dev");
  b.woq.commandQueued("other");
  await a.woq.flush();
  await b.woq.flush();
  assert.deepEqual(
    nodes.map((n) => n.notifier.calls.map((c) => c.deviceId)),
    [["dev"], ["other"]],
    "dev is woken once, by the node that took its lease first",
  );
  b.woq.commandQueued("dev");
  await b.woq.flush();
  assert.deepEqual(
    b.notifier.calls.map((c) => c.deviceId),
    ["other", "dev"],
    "after the wake the lease is free again: the next window opens on whichever node queues",
  );
  await Promise.all(nodes.map((n) => n.woq.close()));
});

test("a bad debounce is refused", () => {
  assert.throws(() => createWakeOnQueue(recordingNotifier(), { debounceMs: -1 }), RangeError);
  assert.throws(() => createWakeOnQueue(recordingNotifier(), { debounceMs: Number.NaN }), RangeError);
});

test("with the real notifier over UDP: three queued commands, one Package#0 on the wire and in the store", async () => {
  const { store } = memoryStore();
  const listener = await udpListener();
  const devId = "IMEI:3";
  await store.devices.create({
    id: devId,
    notification: CREDENTIALS,
    notifyAddress: { udp: { host: "127.0.0.1", port: listener.port } },
  });
  const sender = createUdpNotificationSender();
  const timers = manualTimers();
  try {
    const notifier = createNotifier({ store, senders: sender, clock: fixedClock() }, { serverId: SERVER_ID });
    const woq = createWakeOnQueue(notifier, { debounceMs: 100, timers });
    woq.commandQueued(devId);
    woq.commandQueued(devId);
    woq.commandQueued(devId);
    timers.fireAll();
    await woq.close(); // waits for the wake in flight
    const bytes = await listener.inbox.next();
    assert.ok(verifyNotification(bytes, { secret: SECRET, authData: AUTH_DATA }).ok);
    const log = (await store.notifications.list({ deviceId: devId })).items;
    assert.equal(log.length, 1, "one notification recorded");
    assert.equal(listener.inbox.buffered.length, 0, "no second datagram was queued behind the first");
  } finally {
    await sender.close();
    await listener.close();
  }
});
