// The shared MQTT connect against the real Mosquitto (127.0.0.1:1883, or OMADM_TEST_MQTT_URL), a closed port
// and a silent TCP server (accepts, never answers CONNECT): one connect with a deadline, typed failures, and no
// client left retrying. Skips the broker cases with a reason when it is absent, fails under CI=true.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import {
  closeMqtt,
  connectMqtt,
  isBrokerUrl,
  isConcreteTopic,
  isTimeout,
  TransportErrorCode,
  withTimeout,
} from "@omadm/transport";
import { createRecordingLogger, openHandles } from "../../../test-support/async-inbox.js";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";

const mqtt = await requireMqtt();
const needsBroker = { ...skipUnlessAvailable(mqtt), timeout: 20_000 };

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

test("connects to the broker and closes gracefully", needsBroker, async () => {
  const { logger, entries } = createRecordingLogger();
  const client = await connectMqtt({ url: serviceUrl(mqtt), timeoutMs: 5000, logger });
  assert.equal(client.connected, true);
  await closeMqtt(client);
  assert.equal(client.connected, false);
  assert.equal(entries.buffered.length, 0, "nothing was logged");
});

test("a closed port rejects with CONNECT_FAILED and leaves no client retrying", async () => {
  // A port that was free a moment ago: nothing listens there.
  const server = createServer();
  const free = await listening(server);
  await closeServer(server);
  const { logger } = createRecordingLogger();
  await assert.rejects(connectMqtt({ url: `mqtt://127.0.0.1:${free}`, timeoutMs: 5000, logger }), {
    name: "TransportError",
    code: TransportErrorCode.CONNECT_FAILED,
    message: /ECONNREFUSED/,
  });
});

test("a broker that never answers CONNECT rejects with TIMEOUT after timeoutMs", async () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket); // accept, read, never answer
  });
  const port = await listening(server);
  const { logger } = createRecordingLogger();
  const started = performance.now();
  try {
    await assert.rejects(connectMqtt({ url: `mqtt://127.0.0.1:${port}`, timeoutMs: 300, logger }), (error) => {
      assert.ok(isTimeout(error));
      assert.match((error as Error).message, /no CONNACK within 300 ms/);
      return true;
    });
    assert.ok(performance.now() - started >= 290, "waited for the deadline");
  } finally {
    for (const socket of sockets) socket.destroy();
    await closeServer(server);
  }
});

test("withTimeout passes a settled value or error through, and times out naming what it waited for", async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 1000, "answer"), 7);
  await assert.rejects(withTimeout(Promise.reject(new Error("refused")), 1000, "answer"), /refused/);
  await assert.rejects(withTimeout(new Promise(() => undefined), 20, "SUBACK"), {
    code: TransportErrorCode.TIMEOUT,
    message: "no SUBACK within 20 ms",
  });
});

test("only mqtt:, mqtts:, ws: and wss: URLs and concrete topics are usable", () => {
  for (const url of ["mqtt://127.0.0.1:1883", "mqtts://broker:8883", "ws://h/mqtt", "wss://h/mqtt"]) {
    assert.equal(isBrokerUrl(url), true, url);
  }
  for (const url of ["not a url", "http://127.0.0.1:1883", ""]) assert.equal(isBrokerUrl(url), false, url);
  assert.equal(isConcreteTopic("omadm/notify/dev-1"), true);
  for (const topic of ["", "omadm/notify/#", "omadm/+/x", "a\u0000b"]) assert.equal(isConcreteTopic(topic), false);
});
