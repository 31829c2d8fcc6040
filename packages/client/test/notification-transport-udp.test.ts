// UDP notification transport (docs/protocol.md §12): real datagrams on 127.0.0.1, a plain node:dgram socket as the
// sender. Package#0 bytes must arrive intact with their source; oversize datagrams are dropped with a logged
// reason; start/stop are idempotent; nothing stays open afterwards.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import {
  createUdpNotificationTransport,
  type UdpNotificationTransport,
} from "../src/notification/transports/udp-notification-transport.js";
import { NotificationTransportErrorCode } from "../src/notification/transports/transport-error.js";
import type { NotificationSource } from "../src/notification/transports/notification-transport.js";
import { createInbox, createRecordingLogger, openHandles } from "../../../test-support/async-inbox.js";

interface Received {
  readonly bytes: Uint8Array;
  readonly source: NotificationSource;
}

// The worked example's header and first option (docs/protocol.md §2.6): VER=2, OC=4, SERVER-ID "dm.example".
const PACKAGE0 = Uint8Array.from([0x22, 0x00, 0x1a, ...new TextEncoder().encode("dm.example")]);

function listen(transport: UdpNotificationTransport) {
  const inbox = createInbox<Received>();
  const handler = (bytes: Uint8Array, source: NotificationSource): void => {
    inbox.push({ bytes, source });
  };
  return { inbox, handler, started: transport.start(handler) };
}

async function withSender<T>(
  use: (socket: Socket, send: (bytes: Uint8Array, port: number) => Promise<void>) => Promise<T>,
) {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => {
    socket.bind(0, "127.0.0.1", resolve);
  });
  const send = (bytes: Uint8Array, port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      socket.send(bytes, port, "127.0.0.1", (error) => {
        if (error === null) resolve();
        else reject(error);
      });
    });
  try {
    return await use(socket, send);
  } finally {
    await new Promise<void>((resolve) =>
      socket.close(() => {
        resolve();
      }),
    );
  }
}

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

test("delivers the datagram's exact bytes and reports the sender as the source", async () => {
  const { logger } = createRecordingLogger();
  const transport = createUdpNotificationTransport({ host: "127.0.0.1", port: 0, logger });
  const { inbox, started } = listen(transport);
  await started;
  const bound = transport.address();
  assert.ok(bound !== undefined && bound.port > 0, "port 0 was replaced by the real port");
  assert.equal(bound.host, "127.0.0.1");
  const allByteValues = Uint8Array.from({ length: 256 }, (_, i) => i);
  try {
    await withSender(async (socket, send) => {
      await send(PACKAGE0, bound.port);
      await send(allByteValues, bound.port);
      const first = await inbox.next();
      assert.deepEqual(first.bytes, PACKAGE0);
      assert.deepEqual(first.source, { transport: "udp", address: `127.0.0.1:${socket.address().port}` });
      assert.deepEqual((await inbox.next()).bytes, allByteValues);
    });
  } finally {
    await transport.stop();
  }
  assert.equal(transport.address(), undefined);
});

test("drops a datagram over the limit, logs why, and keeps delivering the next one", async () => {
  const { logger, entries } = createRecordingLogger();
  const transport = createUdpNotificationTransport({ host: "127.0.0.1", port: 0, maxDatagramBytes: 64, logger });
  const { inbox, started } = listen(transport);
  await started;
  const port = transport.address()?.port ?? 0;
  try {
    await withSender(async (_socket, send) => {
      await send(new Uint8Array(65), port);
      await send(PACKAGE0, port);
      const warning = await entries.next();
      assert.equal(warning.details.reason, "oversize");
      assert.equal(warning.details.bytes, 65);
      assert.equal(warning.details.limit, 64);
      assert.match(warning.message, /65-byte datagram.*64-byte/);
      // Datagrams on loopback from one socket arrive in order: the first delivery must be the small one.
      assert.deepEqual((await inbox.next()).bytes, PACKAGE0);
      assert.equal(inbox.buffered.length, 0);
    });
  } finally {
    await transport.stop();
  }
});

test("a datagram exactly at the limit is delivered", async () => {
  const transport = createUdpNotificationTransport({ host: "127.0.0.1", port: 0, maxDatagramBytes: 64 });
  const { inbox, started } = listen(transport);
  await started;
  try {
    await withSender(async (_socket, send) => {
      await send(new Uint8Array(64).fill(7), transport.address()?.port ?? 0);
      assert.equal((await inbox.next()).bytes.byteLength, 64);
    });
  } finally {
    await transport.stop();
  }
});

test("a throwing or rejecting handler is logged and does not stop the transport", async () => {
  const { logger, entries } = createRecordingLogger();
  const transport = createUdpNotificationTransport({ host: "127.0.0.1", port: 0, logger });
  const inbox = createInbox<Uint8Array>();
  let calls = 0;
  await transport.start((bytes) => {
    calls += 1;
    if (calls === 1) throw new Error("handler bug");
    if (calls === 2) return Promise.reject(new Error("async handler bug"));
    inbox.push(bytes);
    return undefined;
  });
  try {
    await withSender(async (_socket, send) => {
      const port = transport.address()?.port ?? 0;
      await send(Uint8Array.of(1), port);
      await send(Uint8Array.of(2), port);
      await send(Uint8Array.of(3), port);
      assert.match(String((await entries.next()).details.error), /handler bug/);
      assert.match(String((await entries.next()).details.error), /async handler bug/);
      assert.deepEqual(await inbox.next(), Uint8Array.of(3));
    });
  } finally {
    await transport.stop();
  }
});

test("start is idempotent for the same handler, refuses a second handler, and stop is idempotent", async () => {
  const transport = createUdpNotificationTransport({ host: "127.0.0.1", port: 0 });
  await transport.stop(); // stop before start: nothing to do
  const { handler, started } = listen(transport);
  await started;
  const first = transport.address();
  await transport.start(handler);
  assert.deepEqual(transport.address(), first, "a second start with the same handler does not rebind");
  await assert.rejects(
    transport.start(() => undefined),
    { code: NotificationTransportErrorCode.ALREADY_STARTED },
  );
  await transport.stop();
  await transport.stop();
  assert.equal(transport.address(), undefined);
});

test("can be started again after stop and still receives", async () => {
  const transport = createUdpNotificationTransport({ host: "127.0.0.1", port: 0 });
  await listen(transport).started;
  await transport.stop();
  const { inbox, started } = listen(transport);
  await started;
  try {
    await withSender(async (_socket, send) => {
      await send(PACKAGE0, transport.address()?.port ?? 0);
      assert.deepEqual((await inbox.next()).bytes, PACKAGE0);
    });
  } finally {
    await transport.stop();
  }
});

test("a stop issued while start is binding waits for it and leaves the transport stopped", async () => {
  const transport = createUdpNotificationTransport({ host: "127.0.0.1", port: 0 });
  const { started } = listen(transport);
  const stopped = transport.stop();
  await Promise.all([started, stopped]);
  assert.equal(transport.address(), undefined);
});

test("binding a port already in use rejects with LISTEN_FAILED and leaves the transport usable", async () => {
  await withSender(async (occupier) => {
    const transport = createUdpNotificationTransport({ host: "127.0.0.1", port: occupier.address().port });
    await assert.rejects(listen(transport).started, {
      name: "NotificationTransportError",
      code: NotificationTransportErrorCode.LISTEN_FAILED,
      transport: "udp",
    });
    assert.equal(transport.address(), undefined);
    await transport.stop();
  });
});

test("refuses unusable options", () => {
  for (const port of [-1, 65536, 1.5, Number.NaN]) {
    assert.throws(() => createUdpNotificationTransport({ host: "127.0.0.1", port }), {
      code: NotificationTransportErrorCode.INVALID_OPTIONS,
    });
  }
  assert.throws(() => createUdpNotificationTransport({ host: "127.0.0.1", port: 0, maxDatagramBytes: 0 }), {
    code: NotificationTransportErrorCode.INVALID_OPTIONS,
  });
});
