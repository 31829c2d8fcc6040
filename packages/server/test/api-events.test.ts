// Alerts, notifications, sessions and wake through the API: Generic Alerts as received (unknown types kept,
// docs/protocol.md §3.4) filtered by device and type; DM sessions without their cookie or CONT token; a wake
// sends a real Package#0 over UDP on 127.0.0.1 that the device verifies (§2.5) and shows up in the log; a
// failed wake is a problem that lists the recorded attempts.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { verifyNotification } from "@omadm/protocol";
import { ServerErrorCode } from "../src/errors.js";
import { createNotifier } from "../src/notifier/notifier.js";
import { createUdpNotificationSender } from "../src/notifier/transports/udp-notification-sender.js";
import { createRecordingLogger, openHandles } from "../../../test-support/async-inbox.js";
import { apiRig, assertProblem, body } from "./api-support.js";
import { AUTH_DATA, CREDENTIALS, SECRET, SERVER_ID, udpListener } from "./notifier-support.js";

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

const SCOMO = "urn:oma:at:scomo:1.0:OperationComplete";
const VENDOR = "urn:x-acme:at:battery:low";

test("GET /alerts lists Generic Alerts in arrival order, filtered by device and AlertType; GET /alerts/{id}", async () => {
  const rig = await apiRig();
  try {
    await rig.store.devices.create({ id: "a" });
    await rig.store.devices.create({ id: "b" });
    const [first] = await rig.store.alerts.record([
      { deviceId: "a", alertType: SCOMO, sourceUri: "urn:oma:mo:oma-scomo:1.0/s1/Op", data: { Result: 200 } },
      { deviceId: "a", alertType: VENDOR, mark: "warning", dataType: "text/plain", data: { level: 9 } },
    ]);
    await rig.store.alerts.record([{ deviceId: "b", alertType: SCOMO }]);
    const all = body(await rig.app.inject({ method: "GET", url: "/api/v1/alerts" }));
    assert.deepEqual(
      all.items?.map((x) => [x["deviceId"], x["alertType"]]),
      [
        ["a", SCOMO],
        ["a", VENDOR],
        ["b", SCOMO],
      ],
    );
    const ofA = body(
      await rig.app.inject({ method: "GET", url: `/api/v1/alerts?deviceId=a&type=${encodeURIComponent(VENDOR)}` }),
    );
    assert.equal(ofA.items?.length, 1, "an unknown AlertType is kept and filterable");
    const vendor = ofA.items[0];
    assert.ok(vendor);
    assert.equal(vendor["mark"], "warning");
    assert.deepEqual(vendor["data"], { level: 9 });
    const paged = body(await rig.app.inject({ method: "GET", url: "/api/v1/alerts?limit=2&order=desc" }));
    assert.equal(paged.items?.[0]?.["deviceId"], "b");
    assert.equal(typeof paged["nextCursor"], "string");
    const one = await rig.app.inject({ method: "GET", url: `/api/v1/alerts/${first?.id ?? ""}` });
    assert.equal(one.statusCode, 200);
    assert.equal(body(one)["sourceUri"], "urn:oma:mo:oma-scomo:1.0/s1/Op");
    assert.equal(body(one)["matchedCommandId"], null);
    assert.match(String(body(one)["receivedAt"]), /^\d{4}-\d\d-\d\dT/);
    assertProblem(
      await rig.app.inject({ method: "GET", url: "/api/v1/alerts/nope" }),
      404,
      ServerErrorCode.ALERT_NOT_FOUND,
    );
  } finally {
    await rig.close();
  }
});

test("GET /sessions and /sessions/{id}: status and package number, never the cookie or the CONT token", async () => {
  const rig = await apiRig();
  try {
    await rig.store.devices.create({ id: "s" });
    const { session } = await rig.store.sessions.open({
      deviceId: "s",
      stateName: "awaiting-p3",
      idleTimeoutMs: 30_000,
      cookie: "cookie-secret-123",
      contToken: "cont-secret-456",
    });
    const list = await rig.app.inject({ method: "GET", url: "/api/v1/sessions?deviceId=s&status=open" });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      body(list).items?.map((x) => x["id"]),
      [session.id],
    );
    const one = await rig.app.inject({ method: "GET", url: `/api/v1/sessions/${session.id}` });
    assert.equal(body(one)["stateName"], "awaiting-p3");
    assert.equal(body(one)["status"], "open");
    assert.equal(body(one)["idleTimeoutMs"], 30_000);
    for (const res of [list, one]) {
      assert.ok(!res.body.includes("cookie-secret-123") && !res.body.includes("cont-secret-456"), "no session secrets");
    }
    const ended = body(await rig.app.inject({ method: "GET", url: "/api/v1/sessions?status=ended" }));
    assert.equal(ended.items?.length, 0);
    assertProblem(
      await rig.app.inject({ method: "GET", url: "/api/v1/sessions/x" }),
      404,
      ServerErrorCode.SESSION_NOT_FOUND,
    );
  } finally {
    await rig.close();
  }
});

test("POST /devices/{id}/wake sends a real Package#0 over UDP; GET /notifications shows it", async () => {
  const listener = await udpListener();
  const { logger } = createRecordingLogger();
  const sender = createUdpNotificationSender({ logger });
  const rig = await apiRig();
  const notifier = createNotifier(
    { store: rig.store, senders: sender, clock: rig.clock, logger },
    { serverId: SERVER_ID },
  );
  const withNotifier = await apiRig({ store: rig.store, notifier });
  try {
    await rig.store.devices.create({
      id: "w",
      notification: CREDENTIALS,
      notifyAddress: { udp: { host: "127.0.0.1", port: listener.port } },
    });
    const res = await withNotifier.app.inject({
      method: "POST",
      url: "/api/v1/devices/w/wake",
      payload: { reqMos: false },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(body(res)["transport"], "udp");
    assert.equal(body(res)["outcome"], "sent");
    const datagram = await listener.inbox.next();
    const verified = verifyNotification(datagram, { secret: SECRET, authData: AUTH_DATA });
    assert.ok(verified.ok, "the device verifies the digest");
    assert.equal(verified.value.notificationId, body(res)["notificationId"]);
    assert.equal(verified.value.reqMos, false, "the operator's reqMos reached the Package#0");

    // No body at all is fine too (the notifier's defaults).
    const bare = await withNotifier.app.inject({ method: "POST", url: "/api/v1/devices/w/wake" });
    assert.equal(bare.statusCode, 200, bare.body);
    await listener.inbox.next();

    const log = body(await withNotifier.app.inject({ method: "GET", url: "/api/v1/notifications?deviceId=w" }));
    assert.equal(log.items?.length, 2);
    assert.equal(log.items[0]?.["id"], body(res)["id"]);

    assertProblem(
      await withNotifier.app.inject({ method: "POST", url: "/api/v1/devices/ghost/wake", payload: {} }),
      404,
      ServerErrorCode.DEVICE_NOT_FOUND,
    );
    await rig.store.devices.create({ id: "mute", notification: CREDENTIALS, notifyAddress: { mqtt: { topic: "t" } } });
    assertProblem(
      await withNotifier.app.inject({ method: "POST", url: "/api/v1/devices/mute/wake", payload: {} }),
      400,
      ServerErrorCode.NOTIFY_TRANSPORT_UNSUPPORTED,
      ["mqtt"],
    );
    assertProblem(
      await withNotifier.app.inject({
        method: "POST",
        url: "/api/v1/devices/w/wake",
        payload: { preferredConTypes: [0, 1] },
      }),
      400,
      ServerErrorCode.INVALID_INPUT,
      ["ANY_AVAILABLE"],
    );
    assertProblem(
      await rig.app.inject({ method: "POST", url: "/api/v1/devices/w/wake", payload: {} }),
      501,
      ServerErrorCode.API_COMPONENT_UNAVAILABLE,
      ["notifier"],
    );
  } finally {
    await withNotifier.app.close();
    await rig.close();
    await sender.close();
    await listener.close();
  }
});

test("a wake whose every attempt fails is a problem carrying the recorded attempts", async () => {
  const listener = await udpListener();
  const { logger } = createRecordingLogger();
  // A real sender whose datagram limit is below any signed Package#0: the send itself fails.
  const sender = createUdpNotificationSender({ maxDatagramBytes: 16, logger });
  const rig = await apiRig();
  const notifier = createNotifier(
    { store: rig.store, senders: sender, clock: rig.clock, logger },
    { serverId: SERVER_ID },
  );
  const api = await apiRig({ store: rig.store, notifier });
  try {
    await rig.store.devices.create({
      id: "f",
      notification: CREDENTIALS,
      notifyAddress: { udp: { host: "127.0.0.1", port: listener.port } },
    });
    const res = await api.app.inject({ method: "POST", url: "/api/v1/devices/f/wake", payload: {} });
    const problem = assertProblem(res, 413, ServerErrorCode.NOTIFY_PAYLOAD_TOO_LARGE);
    const attempts = problem["notifications"] as Record<string, unknown>[];
    assert.equal(attempts.length, 1);
    const [attempt] = attempts;
    assert.ok(attempt);
    assert.equal(attempt["outcome"], "failed");
    assert.match(String(attempt["error"]), /datagram limit/);
    const log = body(await api.app.inject({ method: "GET", url: "/api/v1/notifications" }));
    assert.equal(log.items?.[0]?.["id"], attempt["id"]);
  } finally {
    await api.app.close();
    await rig.close();
    await sender.close();
    await listener.close();
  }
});

test("GET /sessions lists newest first by default, in keyset pages; order=asc lists oldest first", async () => {
  const rig = await apiRig();
  try {
    await rig.store.devices.create({ id: "n" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      rig.clock.advance(1000);
      ids.push((await rig.store.sessions.open({ deviceId: "n", stateName: "p1", idleTimeoutMs: 30_000 })).session.id);
    }
    const walk = async (query: string) => {
      const seen: unknown[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/sessions?limit=2${query}${cursor === null ? "" : `&cursor=${cursor}`}`;
        const page = body(await rig.app.inject({ method: "GET", url }));
        seen.push(...(page.items ?? []).map((x) => x["id"]));
        cursor = (page["nextCursor"] as string | null | undefined) ?? null;
      } while (cursor !== null);
      return seen;
    };
    assert.deepEqual(await walk(""), [...ids].reverse(), "newest first");
    assert.deepEqual(await walk("&order=asc"), ids, "oldest first when asked");
    assert.deepEqual(await walk("&deviceId=n&order=desc"), [...ids].reverse());
  } finally {
    await rig.close();
  }
});
