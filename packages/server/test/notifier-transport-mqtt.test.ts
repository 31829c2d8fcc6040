// MQTT notification sender (docs/protocol.md §12) against the real Mosquitto (127.0.0.1:1883, or
// OMADM_TEST_MQTT_URL), with a plain mqtt.js client as the device-side subscriber. Skips with a reason when the
// broker is absent, fails under CI=true.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { connectAsync, type IPublishPacket, type MqttClient } from "mqtt";
import { notificationTopic } from "@omadm/protocol";
import { ServerErrorCode } from "../src/errors.js";
import { createMqttNotificationSender } from "../src/notifier/transports/mqtt-notification-sender.js";
import { createInbox, createRecordingLogger, openHandles, type Inbox } from "../../../test-support/async-inbox.js";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { createTcpProxy } from "../../../test-support/tcp-proxy.js";

const mqtt = await requireMqtt();
const needsBroker = { ...skipUnlessAvailable(mqtt), timeout: 20_000 };

const PACKAGE0 = Uint8Array.from([0x22, 0x00, 0x1a, ...new TextEncoder().encode("dm.example")]);

function deviceTopic(): string {
  return notificationTopic(`test-${randomUUID()}`); // unique: parallel test files share the broker
}

/** A device-side subscriber on `topic`, QoS 1, collecting every message it gets. */
async function subscribe(topic: string): Promise<{ client: MqttClient; inbox: Inbox<IPublishPacket> }> {
  const client = await connectAsync(serviceUrl(mqtt), { reconnectPeriod: 0 });
  const inbox = createInbox<IPublishPacket>();
  client.on("message", (_topic, _payload, packet) => {
    inbox.push(packet);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, inbox };
}

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

test("publishes the exact bytes to the device topic with QoS 1, not retained", needsBroker, async () => {
  const topic = deviceTopic();
  const device = await subscribe(topic);
  const { logger, entries } = createRecordingLogger();
  const sender = createMqttNotificationSender({ url: serviceUrl(mqtt), logger });
  try {
    const backing = Uint8Array.from([0xff, ...PACKAGE0, 0xff]);
    await sender.send(backing.subarray(1, 1 + PACKAGE0.length), { transport: "mqtt", topic });
    const packet = await device.inbox.next();
    assert.equal(packet.topic, topic);
    assert.deepEqual(new Uint8Array(packet.payload as Buffer), PACKAGE0);
    assert.equal(packet.qos, 1);
    assert.equal(packet.retain, false);
    assert.equal(entries.buffered.length, 0, "nothing was logged");
  } finally {
    await sender.close();
    await device.client.endAsync();
  }
});

test("nothing stays retained: a later subscriber gets only what is sent after it subscribed", needsBroker, async () => {
  const topic = deviceTopic();
  const sender = createMqttNotificationSender({ url: serviceUrl(mqtt) });
  try {
    await sender.send(Uint8Array.of(1), { transport: "mqtt", topic });
    const late = await subscribe(topic);
    try {
      await sender.send(Uint8Array.of(2), { transport: "mqtt", topic });
      // A retained message would be delivered on subscription, i.e. before this one.
      assert.deepEqual(new Uint8Array((await late.inbox.next()).payload as Buffer), Uint8Array.of(2));
    } finally {
      await late.client.endAsync();
    }
  } finally {
    await sender.close();
  }
});

test("another device does not receive it", needsBroker, async () => {
  const mine = deviceTopic();
  const otherTopic = deviceTopic();
  const other = await subscribe(otherTopic);
  const sender = createMqttNotificationSender({ url: serviceUrl(mqtt) });
  try {
    await sender.send(PACKAGE0, { transport: "mqtt", topic: mine });
    // Sentinel on the other device's own topic, over the same connection, after ours: had ours been routed to
    // the other device, it would have arrived first.
    await sender.send(Uint8Array.of(0xaa), { transport: "mqtt", topic: otherTopic });
    assert.deepEqual(new Uint8Array((await other.inbox.next()).payload as Buffer), Uint8Array.of(0xaa));
    assert.equal(other.inbox.buffered.length, 0);
  } finally {
    await sender.close();
    await other.client.endAsync();
  }
});

test("concurrent sends share one broker connection, which survives a dropped connection", needsBroker, async () => {
  const broker = new URL(serviceUrl(mqtt));
  const proxy = await createTcpProxy({ host: broker.hostname, port: Number(broker.port || 1883) });
  const topic = deviceTopic();
  const device = await subscribe(topic);
  const { logger } = createRecordingLogger();
  const sender = createMqttNotificationSender({ url: `mqtt://127.0.0.1:${proxy.port}`, logger });
  const payloadOf = async (): Promise<number> => new Uint8Array((await device.inbox.next()).payload as Buffer)[0] ?? -1;
  try {
    const count = 20;
    // All sends start before any connection exists: they must wait for the same one.
    await Promise.all(
      Array.from({ length: count }, (_, i) => sender.send(Uint8Array.of(i), { transport: "mqtt", topic })),
    );
    await sender.send(Uint8Array.of(count), { transport: "mqtt", topic });
    const got = new Set<number>();
    for (let i = 0; i <= count; i += 1) got.add(await payloadOf());
    assert.equal(got.size, count + 1);
    assert.equal(proxy.connectionCount, 1, "one connection carried every send");

    proxy.dropConnections();
    await sender.send(Uint8Array.of(0xbb), { transport: "mqtt", topic }); // mqtt.js reconnects and delivers
    assert.equal(await payloadOf(), 0xbb);
    assert.equal(proxy.connectionCount, 2);
  } finally {
    await sender.close();
    await device.client.endAsync();
    await proxy.close();
  }
});

test("an unreachable broker rejects the send with NOTIFY_SEND_FAILED", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  const { logger } = createRecordingLogger();
  const sender = createMqttNotificationSender({ url: `mqtt://127.0.0.1:${address.port}`, logger });
  const topic = deviceTopic();
  await assert.rejects(sender.send(PACKAGE0, { transport: "mqtt", topic }), {
    name: "ServerError",
    code: ServerErrorCode.NOTIFY_SEND_FAILED,
    httpStatus: 502,
  });
  // The failed connection was dropped: a second send tries afresh (and fails the same way) rather than hanging.
  await assert.rejects(sender.send(PACKAGE0, { transport: "mqtt", topic }), {
    code: ServerErrorCode.NOTIFY_SEND_FAILED,
  });
  await sender.close();
});

test("refuses a broker URL mqtt.js cannot use", () => {
  for (const url of ["not a url", "http://127.0.0.1:1883", ""]) {
    assert.throws(() => createMqttNotificationSender({ url }), {
      name: "ServerError",
      code: ServerErrorCode.INVALID_INPUT,
    });
  }
});

test("refuses wildcard topics and other transports' addresses without connecting", async () => {
  const sender = createMqttNotificationSender({ url: "mqtt://127.0.0.1:1" }); // never dialled
  for (const topic of ["", "omadm/notify/#", "omadm/+/x", "a\u0000b"]) {
    await assert.rejects(sender.send(PACKAGE0, { transport: "mqtt", topic }), {
      code: ServerErrorCode.NOTIFY_ADDRESS_INVALID,
    });
  }
  await assert.rejects(sender.send(PACKAGE0, { transport: "udp", host: "127.0.0.1", port: 9 }), {
    code: ServerErrorCode.NOTIFY_TRANSPORT_UNSUPPORTED,
  });
  await sender.close();
});

test("close is idempotent and later sends reject with NOTIFY_SENDER_CLOSED", needsBroker, async () => {
  const topic = deviceTopic();
  const sender = createMqttNotificationSender({ url: serviceUrl(mqtt) });
  await sender.send(PACKAGE0, { transport: "mqtt", topic });
  await sender.close();
  await sender.close();
  await assert.rejects(sender.send(PACKAGE0, { transport: "mqtt", topic }), {
    code: ServerErrorCode.NOTIFY_SENDER_CLOSED,
  });
});
