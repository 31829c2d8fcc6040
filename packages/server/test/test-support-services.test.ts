// test-support/services.ts, the shared "find the service or skip/fail with a reason" helper every package's
// tests use: probed against real loopback listeners.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { openHandles } from "../../../test-support/async-inbox.js";
import {
  requireMqtt,
  requirePostgres,
  requireService,
  serviceUrl,
  skipUnlessAvailable,
  type ServiceStatus,
} from "../../../test-support/services.js";

const ENV = "OMADM_TEST_SELFTEST_URL";

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return { server, port: address.port };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

async function closedPort(): Promise<number> {
  const { server, port } = await listening();
  await closeServer(server);
  return port;
}

/** Runs `body` with env vars set (or deleted, for undefined), restoring them afterwards. */
async function withEnv(vars: Record<string, string | undefined>, body: () => Promise<void> | void): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    await body();
  } finally {
    apply(saved);
  }
}

after(async () => {
  assert.deepEqual(await openHandles(), [], "the probe left a socket or timer open");
});

test("a listening port is available, with the default URL built from scheme, user, host, port and path", async () => {
  const { server, port } = await listening();
  try {
    await withEnv({ [ENV]: undefined }, async () => {
      const status = await requireService("Self", {
        host: "127.0.0.1",
        port,
        envVar: ENV,
        scheme: "postgres",
        user: "postgres",
        path: "/test",
      });
      assert.deepEqual(status, { available: true, name: "Self", url: `postgres://postgres@127.0.0.1:${port}/test` });
      assert.equal(serviceUrl(status), `postgres://postgres@127.0.0.1:${port}/test`);
      assert.deepEqual(skipUnlessAvailable(status), { skip: false });
    });
  } finally {
    await closeServer(server);
  }
});

test("the env var overrides the address, and its URL is returned verbatim", async () => {
  const { server, port } = await listening();
  try {
    await withEnv({ [ENV]: `mqtt://127.0.0.1:${port}` }, async () => {
      const status = await requireService("Self", { host: "127.0.0.1", port: 1, envVar: ENV });
      assert.deepEqual(status, { available: true, name: "Self", url: `mqtt://127.0.0.1:${port}` });
    });
  } finally {
    await closeServer(server);
  }
});

test("a closed port is unavailable, and the reason names the address, the error and the env var", async () => {
  const port = await closedPort();
  await withEnv({ [ENV]: undefined }, async () => {
    const status = await requireService("Self", { host: "127.0.0.1", port, envVar: ENV });
    assert.equal(status.available, false);
    assert.ok(!status.available);
    assert.match(
      status.reason,
      new RegExp(`^Self not reachable at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\).*${ENV}`),
    );
  });
});

test("an env var that is not a URL is reported, not thrown", async () => {
  await withEnv({ [ENV]: "not a url" }, async () => {
    const status = await requireService("Self", { host: "127.0.0.1", port: 1, envVar: ENV });
    assert.ok(!status.available);
    assert.match(status.reason, /is not a valid URL/);
  });
});

test("absent service: skipped with the reason, except under CI=true where the test runs and fails", async () => {
  const absent: ServiceStatus = { available: false, name: "Self", reason: "Self not reachable (test)" };
  const present: ServiceStatus = { available: true, name: "Other", url: "tcp://127.0.0.1:1" };
  await withEnv({ CI: undefined }, () => {
    assert.deepEqual(skipUnlessAvailable(present, absent), { skip: "Self not reachable (test)" });
    assert.throws(() => serviceUrl(absent), /required service absent: Self not reachable \(test\)/);
  });
  await withEnv({ CI: "true" }, () => {
    assert.deepEqual(skipUnlessAvailable(present, absent), { skip: false });
    assert.throws(() => serviceUrl(absent), /CI=true, so this is a failure\): Self not reachable \(test\)/);
  });
});

test("the presets look for Mosquitto and PostgreSQL at their documented defaults", async () => {
  await withEnv({ OMADM_TEST_MQTT_URL: undefined, OMADM_TEST_PG_URL: undefined }, async () => {
    const mqtt = await requireMqtt();
    const pg = await requirePostgres();
    if (mqtt.available) assert.equal(mqtt.url, "mqtt://127.0.0.1:1883");
    else assert.match(mqtt.reason, /127\.0\.0\.1:1883.*OMADM_TEST_MQTT_URL/);
    if (pg.available) assert.equal(pg.url, "postgres://postgres@127.0.0.1:5432/test");
    else assert.match(pg.reason, /127\.0\.0\.1:5432.*OMADM_TEST_PG_URL/);
  });
});
