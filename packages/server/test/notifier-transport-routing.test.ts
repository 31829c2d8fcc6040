// createRoutingNotificationSender: one NotificationSender over several transports (docs/protocol.md §12), so the
// notifier holds one sender whatever transports a deployment enables. A real UDP sender plus a small
// hand-written sender for "mqtt" that records what it is given.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { ServerErrorCode } from "../src/errors.js";
import {
  createRoutingNotificationSender,
  type NotificationTarget,
  type NotificationSender,
} from "../src/notifier/transports/notification-sender.js";
import { createUdpNotificationSender } from "../src/notifier/transports/udp-notification-sender.js";
import { createInbox, openHandles } from "../../../test-support/async-inbox.js";

function recordingSender(): NotificationSender & { sent: [Uint8Array, NotificationTarget][]; closed: number } {
  const sent: [Uint8Array, NotificationTarget][] = [];
  return {
    transports: ["mqtt"],
    sent,
    closed: 0,
    send(bytes, address) {
      sent.push([bytes, address]);
      return Promise.resolve();
    },
    close() {
      this.closed += 1;
      return Promise.resolve();
    },
  };
}

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

test("routes each send by address.transport and closes every sender", async () => {
  const receiver = createSocket("udp4");
  const datagrams = createInbox<Uint8Array>();
  receiver.on("message", (message) => {
    datagrams.push(new Uint8Array(message));
  });
  await new Promise<void>((resolve) => {
    receiver.bind(0, "127.0.0.1", resolve);
  });
  const fake = recordingSender();
  const router = createRoutingNotificationSender([createUdpNotificationSender(), fake]);
  try {
    assert.deepEqual([...router.transports].sort(), ["mqtt", "udp"]);
    await router.send(Uint8Array.of(1), { transport: "udp", host: "127.0.0.1", port: receiver.address().port });
    await router.send(Uint8Array.of(2), { transport: "mqtt", topic: "omadm/notify/dev" });
    assert.deepEqual(await datagrams.next(), Uint8Array.of(1));
    assert.deepEqual(fake.sent, [[Uint8Array.of(2), { transport: "mqtt", topic: "omadm/notify/dev" }]]);
  } finally {
    await router.close();
    await new Promise<void>((resolve) => {
      receiver.close(resolve);
    });
  }
  assert.equal(fake.closed, 1);
});

test("an address of a transport no sender handles is refused with NOTIFY_TRANSPORT_UNSUPPORTED", async () => {
  const router = createRoutingNotificationSender([recordingSender()]);
  await assert.rejects(router.send(Uint8Array.of(1), { transport: "udp", host: "127.0.0.1", port: 9 }), {
    name: "ServerError",
    code: ServerErrorCode.NOTIFY_TRANSPORT_UNSUPPORTED,
    httpStatus: 400,
  });
  // An address read from storage may name a transport this build does not know at all.
  const stored = JSON.parse('{"transport":"sms","msisdn":"+100"}') as NotificationTarget;
  await assert.rejects(router.send(Uint8Array.of(1), stored), { code: ServerErrorCode.NOTIFY_TRANSPORT_UNSUPPORTED });
  await router.close();
});
