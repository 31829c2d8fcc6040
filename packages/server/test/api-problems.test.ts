// One error handler for the whole API: what the server did not mean to happen is a 500 problem that gives away
// nothing but the request id (the log has the rest); a closed store is 503; unknown API paths are problems;
// the wake-on-queue hook fires after the API stored a command.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { verifyNotification } from "@omadm/protocol";
import { apiPlugin } from "../src/api/api-plugin.js";
import { ServerErrorCode } from "../src/errors.js";
import { createNotifier } from "../src/notifier/notifier.js";
import { createUdpNotificationSender } from "../src/notifier/transports/udp-notification-sender.js";
import { createWakeOnQueue } from "../src/notifier/wake-on-queue.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { createRecordingLogger, openHandles } from "../../../test-support/async-inbox.js";
import { apiRig, assertProblem, body, C } from "./api-support.js";
import { AUTH_DATA, CREDENTIALS, SECRET, SERVER_ID, udpListener } from "./notifier-support.js";
import { TestClock } from "./store-contract-support.js";
import { edgeApp } from "./edge-support.js";

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

test("an unexpected error is 500 API_INTERNAL without its message or stack; the log gets it", async () => {
  const clock = new TestClock();
  const real = createMemoryStore({ clock });
  // A store whose device list breaks the way a bug would: a plain Error with internals in its message.
  const broken: Store = {
    ...real,
    devices: {
      ...real.devices,
      list: () => Promise.reject(new Error("SELECT * FROM secret_table failed at /srv/omadm/db.ts:42")),
    },
  };
  const logged: string[] = [];
  const app = edgeApp({ logger: { level: "error", stream: { write: (line: string) => logged.push(line) } } });
  await app.register(apiPlugin, { store: broken, clock });
  try {
    const res = await app.inject({ method: "GET", url: "/api/v1/devices" });
    const problem = assertProblem(res, 500, ServerErrorCode.API_INTERNAL, ["server log"]);
    assert.ok(!res.body.includes("secret_table") && !res.body.includes("db.ts"), "no internals leak");
    assert.equal(typeof problem["requestId"], "string");
    assert.equal(problem["instance"], "/api/v1/devices");
    const entry = logged
      .map((line) => JSON.parse(line) as { reqId?: string; err?: { message?: string } })
      .find((e) => e.err);
    assert.equal(entry?.err?.message, "SELECT * FROM secret_table failed at /srv/omadm/db.ts:42", "the log has it");
    assert.equal(entry.reqId, problem["requestId"], "under the request id the caller saw");
  } finally {
    await app.close();
    await real.close();
  }
});

test("a closed store is 503 STORE_CLOSED; an unknown API path is 404 API_ROUTE_NOT_FOUND, any method", async () => {
  const rig = await apiRig();
  try {
    for (const method of ["GET", "POST", "DELETE"] as const) {
      assertProblem(
        await rig.app.inject({ method, url: "/api/v1/nothing/here" }),
        404,
        ServerErrorCode.API_ROUTE_NOT_FOUND,
        [`${method} /api/v1/nothing/here`],
      );
    }
    await rig.store.close();
    assertProblem(await rig.app.inject({ method: "GET", url: "/api/v1/devices/x" }), 503, ServerErrorCode.STORE_CLOSED);
  } finally {
    await rig.app.close();
  }
});

test("wake on queue: a command queued through the API wakes the device once it is stored (real UDP)", async () => {
  const listener = await udpListener();
  const { logger } = createRecordingLogger();
  const sender = createUdpNotificationSender({ logger });
  const clock = new TestClock();
  const store = createMemoryStore({ clock });
  const notifier = createNotifier({ store, senders: sender, clock, logger }, { serverId: SERVER_ID });
  const wakes = createWakeOnQueue(notifier, { debounceMs: 0, logger });
  const rig = await apiRig({
    store,
    onQueued: (deviceId) => {
      wakes.commandQueued(deviceId);
    },
  });
  try {
    await store.devices.create({
      id: "sleepy",
      notification: CREDENTIALS,
      notifyAddress: { udp: { host: "127.0.0.1", port: listener.port } },
    });
    const res = await rig.app.inject({
      method: "POST",
      url: "/api/v1/devices/sleepy/commands",
      payload: { command: ["GET", C] },
    });
    assert.equal(res.statusCode, 201);
    const datagram = await listener.inbox.next();
    assert.ok(verifyNotification(datagram, { secret: SECRET, authData: AUTH_DATA }).ok, "a valid Package#0 arrived");
    await wakes.flush();
    const log = body(await rig.app.inject({ method: "GET", url: "/api/v1/notifications?deviceId=sleepy" }));
    assert.equal(log.items?.length, 1);
    // A refused command wakes nobody.
    const bad = await rig.app.inject({
      method: "POST",
      url: "/api/v1/devices/sleepy/commands",
      payload: { command: ["END"] },
    });
    assert.equal(bad.statusCode, 400);
    await wakes.flush();
    assert.deepEqual(wakes.pendingDevices(), []);
    assert.equal((await store.notifications.list()).items.length, 1);
  } finally {
    await wakes.close();
    await rig.close();
    await sender.close();
    await listener.close();
  }
});
