// What the DmClient delivers, and how often (docs/client-state.md): a captured Package#0 replayed after 300 newer
// ones, inside its TIMESTAMP window, is still a duplicate (also after a restart); an accepted notification still
// waiting for its bearer is in the saved state and is served by the next client over it; a failed asynchronous
// EXEC report is retried with back-off a bounded number of times, then dropped with an event and one warning.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { AT_SERVER_INIT, ConType } from "@omadm/protocol";
import { mutableBearerAvailability } from "../src/notification/bearer.js";
import { RejectReason } from "../src/notification/intake.js";
import { createMemoryStateStore } from "../src/state/state-store.js";
import { decodeClientState } from "../src/state/state-codec.js";
import {
  GATEWAY,
  deviceJson,
  makeClient,
  notificationBytes,
  nowSeconds,
  p1Of,
  quietLogger,
  testClock,
  testConfig,
} from "./dm-client-fixtures.js";
import { type Exchange, type Reply, type ScriptedServer, p2, startScriptedServer } from "./http-fixtures.js";

let server: ScriptedServer;
let dmScript: (ex: Exchange) => Reply = () => p2(["END"]);

before(async () => {
  server = await startScriptedServer((ex) => {
    if (ex.path === "/reports") return { status: 500 };
    return dmScript(ex);
  });
});

after(async () => {
  await server.close();
});

const SOURCE = { transport: "udp", address: "127.0.0.1:9" };

test("a Package#0 replayed after 300 newer ones, inside its TIMESTAMP window, is refused — also after a restart", async () => {
  const store = createMemoryStateStore();
  const clock = testClock();
  // No bearer is up: every accepted notification waits (and is saved) instead of opening 301 sessions.
  const bearer = mutableBearerAvailability([]);
  const a = makeClient(testConfig(deviceJson(server.url("/dm"))), { store, clock, bearer });
  await a.client.start();
  const first = notificationBytes({ serverId: "dm1", notificationId: 1, timestamp: nowSeconds(clock) });
  assert.equal((await a.client.receiveNotification(first, SOURCE)).kind, "defer");
  for (let id = 2; id <= 301; id++) {
    clock.advance(1000);
    const n = notificationBytes({ serverId: "dm1", notificationId: id, timestamp: nowSeconds(clock) });
    assert.equal((await a.client.receiveNotification(n, SOURCE)).kind, "defer");
  }
  // 301 s later the first one's TIMESTAMP is still inside the 3600 s window: it must not open a session again.
  const replay = await a.client.receiveNotification(first, SOURCE);
  assert.equal(replay.kind === "reject" ? replay.reason : replay.kind, RejectReason.DUPLICATE);
  await a.close();

  const b = makeClient(testConfig(deviceJson(server.url("/dm"))), { store, clock, bearer });
  await b.client.start();
  try {
    const again = await b.client.receiveNotification(first, SOURCE);
    assert.equal(again.kind === "reject" ? again.reason : again.kind, RejectReason.DUPLICATE);
  } finally {
    await b.close();
  }
});

test("an accepted notification waiting for its bearer is saved and served by the next client", async () => {
  const store = createMemoryStateStore();
  const clock = testClock();
  const down = mutableBearerAvailability([]);
  const a = makeClient(testConfig(deviceJson(server.url("/dm"))), { store, clock, bearer: down });
  await a.client.start();
  // Its first session carries BootstrapComplete (§14); the notified one below is then a plain ServerInitiated.
  assert.equal((await a.client.runSession("dm1")).kind, "completed");
  const bytes = notificationBytes({ serverId: "dm1", notificationId: 4242, preferredConTypes: [ConType.WLAN] });
  assert.equal((await a.client.receiveNotification(bytes, SOURCE)).kind, "defer");
  const saved = decodeClientState(store.bytes()!);
  assert.ok(saved.ok);
  assert.deepEqual(
    saved.value.pendingNotifications.map((r) => [r.srvId, r.notificationId, r.preferred]),
    [["dm1", 4242, [ConType.WLAN]]],
  );
  await a.close();

  const requests = server.received.length;
  const b = makeClient(testConfig(deviceJson(server.url("/dm"))), {
    store,
    clock,
    bearer: mutableBearerAvailability([ConType.WLAN]),
  });
  const sessions = b.events("session");
  await b.client.start();
  try {
    const s = await sessions.next();
    assert.equal(s.kind, "completed");
    assert.deepEqual(s.trigger, { kind: "server-initiated", reqMos: false, notificationId: 4242 });
    const p1 = p1Of(server.received[requests]!);
    assert.deepEqual(p1.Alert?.[0], { AlertType: AT_SERVER_INIT, DataType: "int", Data: { "NOTIFICATION-ID": 4242 } });
    await b.client.idle();
    const after = decodeClientState(store.bytes()!);
    assert.ok(after.ok);
    assert.deepEqual(after.value.pendingNotifications, [], "served, so no longer pending");
  } finally {
    await b.close();
  }
});

test("a failed asynchronous report is retried with back-off, at most maxAttempts times, then dropped", async () => {
  const store = createMemoryStateStore();
  const warnings: string[] = [];
  const logger = { ...quietLogger, warn: (_: unknown, message: string) => void warnings.push(message) };
  const config = testConfig(
    deviceJson(server.url("/dm"), { asyncReports: { maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 1500 } }),
  );
  const c = makeClient(config, { store, logger });
  const sessions = c.events("session");
  const dropped = c.events("report-dropped");
  await c.client.start();
  try {
    dmScript = () => p2(["EXEC", `${GATEWAY}/main/Ops/Reboot`, server.url("/reports")], ["END"]);
    assert.equal((await c.client.runSession("dm1")).kind, "completed");
    dmScript = () => p2(["END"]);
    await sessions.next();
    const reportsBefore = server.received.filter((r) => r.path === "/reports").length;
    // The EXEC finishes: the first report session fails (500).
    await c.timers.waitForTimer();
    c.timers.runAll();
    assert.equal((await sessions.next()).kind, "aborted");
    await c.client.idle();
    const first = decodeClientState(store.bytes()!);
    assert.ok(first.ok);
    assert.deepEqual(
      first.value.pendingReports.map((r) => [r.attempts, r.nextAttemptAt! - c.clock.now()]),
      [[1, 1000]],
      "one failed attempt, next one after retryBaseMs",
    );
    // Not due yet: a completed session with the server does not retry it early.
    assert.equal((await c.client.runSession("dm1")).kind, "completed");
    await sessions.next();
    await c.client.idle();
    assert.equal(server.received.filter((r) => r.path === "/reports").length, reportsBefore + 1);

    // Second attempt after 1000 ms, third after min(2000, 1500) ms; then it is dropped.
    for (const wait of [1000, 1500]) {
      c.clock.advance(wait);
      await c.timers.waitForTimer();
      c.timers.runAll();
      assert.equal((await sessions.next()).kind, "aborted");
      await c.client.idle(); // the failed attempt is counted (and the next one scheduled) after the session ends
    }
    const drop = await dropped.next();
    assert.equal(drop.attempts, 3);
    assert.equal(drop.alert.targetUri, server.url("/reports"));
    await c.client.idle();
    assert.equal(server.received.filter((r) => r.path === "/reports").length, reportsBefore + 3);
    assert.deepEqual(c.client.pendingAlerts(), []);
    assert.equal(c.timers.pending, 0, "nothing is scheduled any more");
    assert.deepEqual(
      warnings.filter((w) => w.startsWith("asynchronous report dropped")),
      ["asynchronous report dropped after 3 failed attempts"],
    );
    // A later session does not bring it back.
    assert.equal((await c.client.runSession("dm1")).kind, "completed");
    await c.client.idle();
    assert.equal(server.received.filter((r) => r.path === "/reports").length, reportsBefore + 3);
  } finally {
    await c.close();
  }
});
