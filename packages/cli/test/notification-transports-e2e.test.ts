// End to end, both halves of each Package#0 transport (docs/protocol.md §12): the server's NotificationSender sends a
// real encoded Package#0 (§2), the client's NotificationTransport receives it, and it decodes to what was sent.
// UDP over 127.0.0.1 (and ::1 where available); MQTT through the real Mosquitto on the per-device topic.
// It lives in the cli package, the one allowed to import both the client and the server (ARCHITECTURE.md).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { decodeNotification, encodeNotification, notificationTopic, type Notification } from "@omadm/protocol";
import {
  createMqttNotificationTransport,
  createUdpNotificationTransport,
  type NotificationSource,
  type NotificationTransport,
} from "@omadm/client";
import { createMqttNotificationSender, createUdpNotificationSender } from "@omadm/server";
import { createInbox, createRecordingLogger, openHandles } from "../../../test-support/async-inbox.js";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";

const mqtt = await requireMqtt();
const ipv6Loopback = await new Promise<string | false>((resolve) => {
  const probe = createSocket("udp6");
  probe.once("error", (error) => {
    probe.close();
    resolve(`no IPv6 loopback here (${error.message})`);
  });
  probe.bind(0, "::1", () => {
    probe.close(() => {
      resolve(false);
    });
  });
});

const NOTIFICATION: Notification = { serverId: "dm.example", notificationId: 0x1234, reqMos: true, unknownOptions: [] };
const PACKAGE0 = encodeNotification(NOTIFICATION);

interface Received {
  readonly bytes: Uint8Array;
  readonly source: NotificationSource;
}

async function listen(transport: NotificationTransport) {
  const inbox = createInbox<Received>();
  await transport.start((bytes, source) => {
    inbox.push({ bytes, source });
  });
  return inbox;
}

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

for (const host of ["127.0.0.1", "::1"]) {
  test(
    `UDP over ${host}: the sent Package#0 arrives intact and decodes; the source is the sender`,
    { skip: host === "::1" ? ipv6Loopback : false },
    async () => {
      const client = createUdpNotificationTransport({ host, port: 0 });
      const server = createUdpNotificationSender();
      const inbox = await listen(client);
      try {
        const port = client.address()?.port ?? 0;
        await server.send(PACKAGE0, { transport: "udp", host, port });
        const { bytes, source } = await inbox.next();
        assert.deepEqual(bytes, PACKAGE0);
        assert.deepEqual(decodeNotification(bytes), { ok: true, value: NOTIFICATION });
        assert.equal(source.transport, "udp");
        const pattern = host === "::1" ? /^\[::1\]:(\d+)$/ : /^127\.0\.0\.1:(\d+)$/;
        const senderPort = Number(pattern.exec(source.address)?.[1]);
        assert.ok(senderPort > 0 && senderPort !== port, `source ${source.address} names the sender's socket`);
      } finally {
        await server.close();
        await client.stop();
      }
    },
  );
}

test("UDP: a datagram over the client's limit is dropped there with the reason logged", async () => {
  const { logger, entries } = createRecordingLogger();
  const client = createUdpNotificationTransport({
    host: "127.0.0.1",
    port: 0,
    maxDatagramBytes: PACKAGE0.length - 1,
    logger,
  });
  const server = createUdpNotificationSender();
  const inbox = await listen(client);
  try {
    const address = { transport: "udp", host: "127.0.0.1", port: client.address()?.port ?? 0 } as const;
    await server.send(PACKAGE0, address);
    await server.send(Uint8Array.of(0x20, 0x00), address); // VER=2, OC=0: the smallest valid Package#0
    const warning = await entries.next();
    assert.equal(warning.details.reason, "oversize");
    assert.equal(warning.details.bytes, PACKAGE0.length);
    assert.deepEqual((await inbox.next()).bytes, Uint8Array.of(0x20, 0x00));
  } finally {
    await server.close();
    await client.stop();
  }
});

test(
  "MQTT: a notification for one DevID reaches that device only, intact",
  { ...skipUnlessAvailable(mqtt), timeout: 20_000 },
  async () => {
    const url = serviceUrl(mqtt);
    const devA = `IMEI:${randomUUID()}`;
    const devB = `IMEI:${randomUUID()}`;
    const clientA = createMqttNotificationTransport({ url, topic: notificationTopic(devA) });
    const clientB = createMqttNotificationTransport({ url, topic: notificationTopic(devB) });
    const server = createMqttNotificationSender({ url });
    try {
      const inboxA = await listen(clientA);
      const inboxB = await listen(clientB);
      await server.send(PACKAGE0, { transport: "mqtt", topic: notificationTopic(devA) });
      await server.send(Uint8Array.of(0x20, 0x00), { transport: "mqtt", topic: notificationTopic(devB) });
      const a = await inboxA.next();
      assert.deepEqual(a.bytes, PACKAGE0);
      assert.deepEqual(decodeNotification(a.bytes), { ok: true, value: NOTIFICATION });
      assert.deepEqual(a.source, { transport: "mqtt", address: notificationTopic(devA) });
      // B's own notification was published after A's, over the same connection: B's first message must be it.
      assert.deepEqual((await inboxB.next()).bytes, Uint8Array.of(0x20, 0x00));
      assert.equal(inboxA.buffered.length + inboxB.buffered.length, 0);
    } finally {
      await server.close();
      await clientA.stop();
      await clientB.stop();
    }
  },
);
