// The Notifier over the real Mosquitto (127.0.0.1:1883 or OMADM_TEST_MQTT_URL; skipped with the reason when it
// is absent, a failure under CI=true), with an mqtt.js subscriber as the device (docs/protocol.md §12): the stored
// topic and, for a device with no stored address, the derived `notificationTopic(devId)`; and the fallback to
// the device's UDP address when the broker cannot be reached, with both attempts recorded.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connectAsync, type MqttClient } from "mqtt";
import { notificationTopic, verifyNotification, type Notification } from "@omadm/protocol";
import { ServerErrorCode } from "../src/errors.js";
import { createNotifier, NotificationFailedError } from "../src/notifier/notifier.js";
import { createMqttNotificationSender } from "../src/notifier/transports/mqtt-notification-sender.js";
import { createUdpNotificationSender } from "../src/notifier/transports/udp-notification-sender.js";
import { createInbox, createRecordingLogger, openHandles, type Inbox } from "../../../test-support/async-inbox.js";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import {
  AUTH_DATA,
  CREDENTIALS,
  SECRET,
  SERVER_ID,
  closedTcpPort,
  fixedClock,
  memoryStore,
  udpListener,
} from "./notifier-support.js";

const mqtt = await requireMqtt();
const needsBroker = { ...skipUnlessAvailable(mqtt), timeout: 20_000 };

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

async function subscribe(topic: string): Promise<{ client: MqttClient; inbox: Inbox<Uint8Array> }> {
  const client = await connectAsync(serviceUrl(mqtt), { reconnectPeriod: 0 });
  const inbox = createInbox<Uint8Array>();
  client.on("message", (_topic, payload) => {
    inbox.push(new Uint8Array(payload));
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, inbox };
}

function verified(bytes: Uint8Array): Notification {
  const result = verifyNotification(bytes, { secret: SECRET, authData: AUTH_DATA });
  assert.ok(result.ok, `the device verifies the digest: ${result.ok ? "" : result.error.message}`);
  return result.value;
}

test("MQTT: the device subscribed to its stored topic receives a Package#0 that verifies", needsBroker, async () => {
  const devId = `IMEI:${randomUUID()}`; // unique: test files share the broker
  const topic = notificationTopic(devId, "omadm/test-notifier");
  const device = await subscribe(topic);
  const { store } = memoryStore();
  await store.devices.create({ id: devId, notification: CREDENTIALS, notifyAddress: { mqtt: { topic } } });
  const sender = createMqttNotificationSender({ url: serviceUrl(mqtt) });
  try {
    const notifier = createNotifier({ store, senders: [sender], clock: fixedClock() }, { serverId: SERVER_ID });
    const record = await notifier.wake(devId, { reqMos: true });
    const n = verified(await device.inbox.next());
    assert.equal(n.notificationId, record.notificationId);
    assert.equal(n.serverId, SERVER_ID);
    assert.equal(n.reqMos, true);
    assert.equal(record.transport, "mqtt");
    assert.equal(record.outcome, "sent");
  } finally {
    await sender.close();
    await device.client.endAsync();
  }
});

test("MQTT: a device with no stored address is reached at notificationTopic(devId)", needsBroker, async () => {
  const devId = `IMEI:${randomUUID()}/with+odd#chars`;
  const device = await subscribe(notificationTopic(devId)); // what the client subscribes to by default
  const { store } = memoryStore();
  await store.devices.create({ id: devId, notification: CREDENTIALS });
  const sender = createMqttNotificationSender({ url: serviceUrl(mqtt) });
  try {
    const notifier = createNotifier({ store, senders: sender, clock: fixedClock() }, { serverId: SERVER_ID });
    const record = await notifier.wake(devId);
    assert.equal(verified(await device.inbox.next()).notificationId, record.notificationId);
  } finally {
    await sender.close();
    await device.client.endAsync();
  }
});

test("MQTT broker unreachable: the failure is recorded, then the device's UDP address is tried", async () => {
  const devId = `IMEI:${randomUUID()}`;
  const listener = await udpListener();
  const { store } = memoryStore();
  await store.devices.create({
    id: devId,
    notification: CREDENTIALS,
    notifyAddress: { mqtt: { topic: notificationTopic(devId) }, udp: { host: "127.0.0.1", port: listener.port } },
  });
  // A real connection refused: nothing listens on this loopback port.
  const { logger } = createRecordingLogger();
  const broken = createMqttNotificationSender({ url: `mqtt://127.0.0.1:${await closedTcpPort()}`, logger });
  const udp = createUdpNotificationSender({ logger });
  try {
    const notifier = createNotifier(
      { store, senders: [broken, udp], clock: fixedClock(), logger },
      { serverId: SERVER_ID },
    );
    const record = await notifier.wake(devId);
    assert.equal(record.transport, "udp");
    assert.equal(verified(await listener.inbox.next()).notificationId, record.notificationId);
    const log = (await store.notifications.list({ deviceId: devId })).items;
    assert.deepEqual(
      log.map((r) => [r.transport, r.outcome, r.notificationId]),
      [
        ["mqtt", "failed", record.notificationId],
        ["udp", "sent", record.notificationId],
      ],
      "both attempts recorded, with the same NOTIFICATION-ID (the client drops duplicates)",
    );
    assert.match(log[0]?.error ?? "", /ECONNREFUSED|refused/i);

    // Only MQTT, still unreachable: the wake rejects with the typed error, the attempt is recorded.
    await store.devices.update(devId, { notifyAddress: { mqtt: { topic: notificationTopic(devId) } } });
    const error = await notifier.wake(devId).then(
      () => assert.fail("should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof NotificationFailedError);
    assert.equal(error.code, ServerErrorCode.NOTIFY_SEND_FAILED);
    assert.equal(error.records.length, 1);
    assert.deepEqual((await store.notifications.list({ deviceId: devId, order: "desc", limit: 1 })).items, [
      error.record,
    ]);
  } finally {
    await broken.close();
    await udp.close();
    await listener.close();
  }
});
