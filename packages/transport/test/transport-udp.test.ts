// The shared UDP helpers on loopback: a bound listener hears what an unbound sender sends, binding a taken port
// and sending what the system refuses give typed errors, and nothing stays open.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { RemoteInfo } from "node:dgram";
import {
  bindUdpSocket,
  closeUdpSocket,
  createUdpSender,
  formatRemoteAddress,
  sendDatagram,
  TransportErrorCode,
  udpSocketType,
} from "@omadm/transport";
import { createInbox, createRecordingLogger, openHandles } from "../../../test-support/async-inbox.js";

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

test("a bound socket receives the exact bytes an unbound sender sends, with the sender's address", async () => {
  const { logger } = createRecordingLogger();
  const inbox = createInbox<{ message: Buffer; remote: RemoteInfo }>();
  const listener = await bindUdpSocket({
    host: "127.0.0.1",
    port: 0,
    onMessage: (message, remote) => {
      inbox.push({ message, remote });
    },
    logger,
  });
  const sender = createUdpSender("udp4", logger);
  try {
    const bytes = Uint8Array.from([0x22, 0x00, 0x01, 0xff]);
    await sendDatagram(sender, bytes, "127.0.0.1", listener.address().port);
    const got = await inbox.next();
    assert.deepEqual(new Uint8Array(got.message), bytes);
    assert.equal(formatRemoteAddress(got.remote), `127.0.0.1:${sender.address().port}`);
  } finally {
    await closeUdpSocket(sender);
    await closeUdpSocket(listener);
  }
});

test("binding a port already in use rejects with BIND_FAILED naming the address", async () => {
  const { logger } = createRecordingLogger();
  const first = await bindUdpSocket({ host: "127.0.0.1", port: 0, onMessage: () => undefined, logger });
  const { port } = first.address();
  try {
    await assert.rejects(bindUdpSocket({ host: "127.0.0.1", port, onMessage: () => undefined, logger }), {
      name: "TransportError",
      code: TransportErrorCode.BIND_FAILED,
      message: new RegExp(`cannot bind 127\\.0\\.0\\.1:${port}`),
    });
  } finally {
    await closeUdpSocket(first);
  }
});

test("a datagram the system refuses, or a bad port, rejects with SEND_FAILED", async () => {
  const { logger } = createRecordingLogger();
  const sender = createUdpSender("udp4", logger);
  try {
    await assert.rejects(sendDatagram(sender, new Uint8Array(70_000), "127.0.0.1", 9), {
      code: TransportErrorCode.SEND_FAILED,
      message: /^to 127\.0\.0\.1:9: /,
    });
    await assert.rejects(sendDatagram(sender, new Uint8Array(1), "127.0.0.1", 0), {
      code: TransportErrorCode.SEND_FAILED,
    });
  } finally {
    await closeUdpSocket(sender);
  }
});

test("addresses are written as host:port, IPv6 in brackets; the socket family follows the host", () => {
  assert.equal(formatRemoteAddress({ address: "::1", family: "IPv6", port: 5 }), "[::1]:5");
  assert.equal(formatRemoteAddress({ address: "10.0.0.1", family: "IPv4", port: 7 }), "10.0.0.1:7");
  assert.equal(udpSocketType("::1"), "udp6");
  assert.equal(udpSocketType("127.0.0.1"), "udp4");
  assert.equal(udpSocketType("localhost"), "udp4");
});
