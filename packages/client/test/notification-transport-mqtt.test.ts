// MQTT notification transport (docs/protocol.md §12) against the real Mosquitto (127.0.0.1:1883, or
// OMADM_TEST_MQTT_URL), with a plain mqtt.js client as the publisher. Skips with a reason when the broker is
// absent, fails under CI=true.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { connectAsync, type MqttClient } from "mqtt";
import { notificationTopic } from "@omadm/protocol";
import { createMqttNotificationTransport } from "../src/notification/transports/mqtt-notification-transport.js";
import { NotificationTransportErrorCode } from "../src/notification/transports/transport-error.js";
import type {
  NotificationSource,
  NotificationTransport,
} from "../src/notification/transports/notification-transport.js";
import { createInbox, createRecordingLogger, openHandles } from "../../../test-support/async-inbox.js";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { createTcpProxy, MqttPacketType, type TcpProxy } from "../../../test-support/tcp-proxy.js";

const mqtt = await requireMqtt();
const needsBroker = { ...skipUnlessAvailable(mqtt), timeout: 20_000 };

interface Received {
  readonly bytes: Uint8Array;
  readonly source: NotificationSource;
}

// A unique DevID per test, so parallel test files on the same broker never hear each other.
function uniqueTopic(): string {
  return notificationTopic(`test-${randomUUID()}`);
}

function listen(transport: NotificationTransport) {
  const inbox = createInbox<Received>();
  const handler = (bytes: Uint8Array, source: NotificationSource): void => {
    inbox.push({ bytes, source });
  };
  return { inbox, handler, started: transport.start(handler) };
}

let publisher: MqttClient | undefined;
function publish(topic: string, bytes: Uint8Array): Promise<unknown> {
  assert.ok(publisher);
  return publisher.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
}

before(async () => {
  if (mqtt.available) publisher = await connectAsync(mqtt.url, { reconnectPeriod: 0 });
});

after(async () => {
  await publisher?.endAsync();
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

const PACKAGE0 = Uint8Array.from([0x22, 0x00, 0x1a, ...new TextEncoder().encode("dm.example")]);

test("start resolves once subscribed: a notification published right after arrives intact", needsBroker, async () => {
  const topic = uniqueTopic();
  const transport = createMqttNotificationTransport({ url: serviceUrl(mqtt), topic });
  const { inbox, started } = listen(transport);
  await started;
  try {
    const allByteValues = Uint8Array.from({ length: 256 }, (_, i) => i);
    await publish(topic, PACKAGE0);
    await publish(topic, allByteValues);
    const first = await inbox.next();
    assert.deepEqual(first.bytes, PACKAGE0);
    assert.deepEqual(first.source, { transport: "mqtt", address: topic });
    assert.deepEqual((await inbox.next()).bytes, allByteValues);
  } finally {
    await transport.stop();
  }
});

test("another device's topic is not received", needsBroker, async () => {
  const topic = uniqueTopic();
  const transport = createMqttNotificationTransport({
    url: serviceUrl(mqtt),
    topic,
    clientId: `omadm-${randomUUID()}`,
  });
  const { inbox, started } = listen(transport);
  await started;
  try {
    // One publisher, QoS 1, awaited in order: had the broker routed the first message to us, it would arrive
    // before the second. So the first thing received must be the second message.
    await publish(uniqueTopic(), Uint8Array.of(0xee));
    await publish(`${topic}/sub-level`, Uint8Array.of(0xdd));
    await publish(topic, PACKAGE0);
    assert.deepEqual((await inbox.next()).bytes, PACKAGE0);
    assert.equal(inbox.buffered.length, 0);
  } finally {
    await transport.stop();
  }
});

test("drops a message over the limit, logs why, and keeps delivering", needsBroker, async () => {
  const topic = uniqueTopic();
  const { logger, entries } = createRecordingLogger();
  const transport = createMqttNotificationTransport({ url: serviceUrl(mqtt), topic, maxMessageBytes: 32, logger });
  const { inbox, started } = listen(transport);
  await started;
  try {
    await publish(topic, new Uint8Array(33));
    await publish(topic, PACKAGE0);
    const warning = await entries.next();
    assert.deepEqual(
      { reason: warning.details.reason, bytes: warning.details.bytes, limit: warning.details.limit },
      { reason: "oversize", bytes: 33, limit: 32 },
    );
    assert.deepEqual((await inbox.next()).bytes, PACKAGE0);
  } finally {
    await transport.stop();
  }
});

test("after stop nothing is delivered, and a restart hears only new notifications", needsBroker, async () => {
  const topic = uniqueTopic();
  const transport = createMqttNotificationTransport({ url: serviceUrl(mqtt), topic });
  const old = listen(transport);
  await old.started;
  await transport.stop();
  await transport.stop(); // idempotent
  await publish(topic, Uint8Array.of(1)); // nobody is subscribed: a clean session keeps nothing for us
  const fresh = listen(transport);
  await fresh.started;
  try {
    await publish(topic, Uint8Array.of(2));
    assert.deepEqual((await fresh.inbox.next()).bytes, Uint8Array.of(2));
    assert.equal(old.inbox.buffered.length, 0, "the stopped handler was never called");
  } finally {
    await transport.stop();
  }
});

test("start is idempotent for the same handler and refuses another one", needsBroker, async () => {
  const topic = uniqueTopic();
  const transport = createMqttNotificationTransport({ url: serviceUrl(mqtt), topic });
  const { inbox, handler, started } = listen(transport);
  await started;
  try {
    await transport.start(handler);
    await assert.rejects(
      transport.start(() => undefined),
      { code: NotificationTransportErrorCode.ALREADY_STARTED },
    );
    await publish(topic, PACKAGE0);
    await publish(topic, Uint8Array.of(9));
    // One subscription only: each message arrives once.
    assert.deepEqual((await inbox.next()).bytes, PACKAGE0);
    assert.deepEqual((await inbox.next()).bytes, Uint8Array.of(9));
    assert.equal(inbox.buffered.length, 0);
  } finally {
    await transport.stop();
  }
});

/** Resolves once the broker has acknowledged a subscription on the proxy's `connection`-th connection. */
async function subackOn(proxy: TcpProxy, connection: number): Promise<void> {
  for (;;) {
    const seen = await proxy.packets.next();
    if (seen.connection === connection && seen.direction === "down" && seen.type === MqttPacketType.SUBACK) return;
  }
}

test("re-subscribes after the broker connection drops (mqtt.js reconnect)", needsBroker, async () => {
  const broker = new URL(serviceUrl(mqtt));
  const proxy = await createTcpProxy({ host: broker.hostname, port: Number(broker.port || 1883) });
  const topic = uniqueTopic();
  const { logger, entries } = createRecordingLogger();
  const transport = createMqttNotificationTransport({ url: `mqtt://127.0.0.1:${proxy.port}`, topic, logger });
  const { inbox, started } = listen(transport);
  try {
    await started;
    await subackOn(proxy, 1);
    proxy.dropConnections();
    assert.match((await entries.next()).message, /connection lost/);
    await subackOn(proxy, 2); // mqtt.js reconnected through the proxy and subscribed again
    await publish(topic, PACKAGE0);
    assert.deepEqual((await inbox.next()).bytes, PACKAGE0);
  } finally {
    await transport.stop();
    await proxy.close();
  }
});

test("an unreachable broker makes start reject with LISTEN_FAILED", async () => {
  // A port that was free a moment ago: nothing listens there.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  const { logger } = createRecordingLogger();
  const transport = createMqttNotificationTransport({
    url: `mqtt://127.0.0.1:${address.port}`,
    topic: uniqueTopic(),
    logger,
  });
  await assert.rejects(listen(transport).started, {
    name: "NotificationTransportError",
    code: NotificationTransportErrorCode.LISTEN_FAILED,
    transport: "mqtt",
  });
  await transport.stop();
});

test("refuses a broker URL mqtt.js cannot use", () => {
  for (const url of ["not a url", "http://127.0.0.1:1883", ""]) {
    assert.throws(() => createMqttNotificationTransport({ url, topic: uniqueTopic() }), {
      code: NotificationTransportErrorCode.INVALID_OPTIONS,
    });
  }
});

test("refuses a wildcard or empty topic", () => {
  for (const topic of ["", "omadm/notify/#", "omadm/+/dev", "a\u0000b"]) {
    assert.throws(() => createMqttNotificationTransport({ url: "mqtt://127.0.0.1:1883", topic }), {
      code: NotificationTransportErrorCode.INVALID_OPTIONS,
    });
  }
});
