// UDP notification sender (docs/protocol.md §12): real datagrams to a plain node:dgram receiver on 127.0.0.1.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { ServerErrorCode } from "../src/errors.js";
import {
  createUdpNotificationSender,
  MAX_UDP_PAYLOAD_BYTES,
} from "../src/notifier/transports/udp-notification-sender.js";
import { createInbox, openHandles, type Inbox } from "../../../test-support/async-inbox.js";

interface Datagram {
  readonly bytes: Uint8Array;
  readonly from: RemoteInfo;
}

async function withReceiver(use: (port: number, inbox: Inbox<Datagram>) => Promise<void>): Promise<void> {
  const inbox = createInbox<Datagram>();
  const socket: Socket = createSocket("udp4");
  socket.on("message", (message, from) => {
    inbox.push({ bytes: new Uint8Array(message), from });
  });
  await new Promise<void>((resolve) => {
    socket.bind(0, "127.0.0.1", resolve);
  });
  try {
    await use(socket.address().port, inbox);
  } finally {
    await new Promise<void>((resolve) => {
      socket.close(resolve);
    });
  }
}

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

const PACKAGE0 = Uint8Array.from([0x22, 0x00, 0x1a, ...new TextEncoder().encode("dm.example")]);

test("sends the exact bytes, every send from one shared socket", async () => {
  const sender = createUdpNotificationSender();
  assert.deepEqual(sender.transports, ["udp"]);
  try {
    await withReceiver(async (port, inbox) => {
      const address = { transport: "udp", host: "127.0.0.1", port } as const;
      // A view into a larger buffer: only the viewed bytes may go out.
      const backing = Uint8Array.from([0xff, ...PACKAGE0, 0xff]);
      await sender.send(backing.subarray(1, 1 + PACKAGE0.length), address);
      await sender.send(
        Uint8Array.from({ length: 256 }, (_, i) => i),
        address,
      );
      const first = await inbox.next();
      const second = await inbox.next();
      assert.deepEqual(first.bytes, PACKAGE0);
      assert.deepEqual(
        second.bytes,
        Uint8Array.from({ length: 256 }, (_, i) => i),
      );
      assert.equal(first.from.port, second.from.port, "both datagrams left from the same socket");
    });
  } finally {
    await sender.close();
  }
});

test("a datagram of the maximum UDP payload size goes out", async () => {
  const sender = createUdpNotificationSender();
  try {
    await withReceiver(async (port, inbox) => {
      await sender.send(new Uint8Array(MAX_UDP_PAYLOAD_BYTES).fill(1), { transport: "udp", host: "127.0.0.1", port });
      assert.equal((await inbox.next()).bytes.byteLength, MAX_UDP_PAYLOAD_BYTES);
    });
  } finally {
    await sender.close();
  }
});

test("refuses a notification over its limit with NOTIFY_PAYLOAD_TOO_LARGE and sends nothing", async () => {
  const sender = createUdpNotificationSender({ maxDatagramBytes: 16 });
  try {
    await withReceiver(async (port, inbox) => {
      const address = { transport: "udp", host: "127.0.0.1", port } as const;
      await assert.rejects(sender.send(new Uint8Array(17), address), {
        name: "ServerError",
        code: ServerErrorCode.NOTIFY_PAYLOAD_TOO_LARGE,
      });
      await sender.send(Uint8Array.of(5), address);
      assert.deepEqual((await inbox.next()).bytes, Uint8Array.of(5), "the oversize one never went out");
    });
  } finally {
    await sender.close();
  }
});

test("refuses invalid addresses and other transports' addresses", async () => {
  const sender = createUdpNotificationSender();
  for (const port of [0, -1, 65536, 1.5]) {
    await assert.rejects(sender.send(PACKAGE0, { transport: "udp", host: "127.0.0.1", port }), {
      code: ServerErrorCode.NOTIFY_ADDRESS_INVALID,
    });
  }
  await assert.rejects(sender.send(PACKAGE0, { transport: "udp", host: "", port: 9 }), {
    code: ServerErrorCode.NOTIFY_ADDRESS_INVALID,
  });
  await assert.rejects(sender.send(PACKAGE0, { transport: "mqtt", topic: "omadm/notify/x" }), {
    code: ServerErrorCode.NOTIFY_TRANSPORT_UNSUPPORTED,
  });
  await sender.close();
});

test("close is idempotent and later sends reject with NOTIFY_SENDER_CLOSED", async () => {
  const sender = createUdpNotificationSender();
  await withReceiver(async (port, inbox) => {
    await sender.send(PACKAGE0, { transport: "udp", host: "127.0.0.1", port });
    await inbox.next();
    await sender.close();
    await sender.close();
    await assert.rejects(sender.send(PACKAGE0, { transport: "udp", host: "127.0.0.1", port }), {
      code: ServerErrorCode.NOTIFY_SENDER_CLOSED,
    });
  });
});
