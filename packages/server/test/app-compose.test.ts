// The composition root: every component is registered and reachable where start() says, the background sweep
// runs on the injected timers (no sleeping), the notifier is wired to the API (a wake reaches a real UDP socket
// as a Package#0), and stop() releases the port.
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { once } from "node:events";
import { test } from "node:test";
import { request } from "undici";
import { MT_P2, verifyNotification } from "@omadm/protocol";
import { createOmadmServer } from "../src/app.js";
import { loadServerConfig, type ServerConfigInput } from "../src/config.js";
import type { ServerConfig } from "../src/config-types.js";
import type { Timers } from "../src/notifier/wake-on-queue.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { manualClock, SimDevice } from "./dm-support.js";

function config(overrides: ServerConfigInput = {}): ServerConfig {
  const r = loadServerConfig({ overrides: { listen: { host: "127.0.0.1", port: 0 }, ...overrides } });
  if (!r.ok) throw r.error;
  return r.value;
}

/** Timers the test fires by hand; `armed` resolves each time a timer is set. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  let waiters: ((ms: number) => void)[] = [];
  const timers: Timers = {
    setTimeout(fn, ms) {
      const id = next++;
      pending.set(id, { fn, ms });
      const w = waiters;
      waiters = [];
      for (const resolve of w) resolve(ms);
      return id;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    pending,
    /** Resolves at the next setTimeout call with its delay. */
    armed: () =>
      new Promise<number>((resolve) => {
        waiters.push(resolve);
      }),
    fireAll() {
      const due = [...pending.values()];
      pending.clear();
      for (const t of due) t.fn();
    },
  };
}

test("start() serves every component at the URLs it reports; stop() closes the port", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const server = createOmadmServer({ store, clock }, config({ components: { notifier: false } }));
  const { urls } = await server.start();
  try {
    assert.match(urls.base, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.publicBaseUrl(), urls.base);
    assert.equal(urls.dm, `${urls.base}/dm`);
    assert.ok(urls.api !== undefined && urls.docs !== undefined && urls.repository !== undefined);
    // DM endpoint.
    const device = new SimDevice("IMEI:300000000000001", urls.dm);
    const p2 = await device.p1();
    assert.equal(p2.status, 200);
    assert.equal(p2.headers["content-type"], MT_P2);
    // REST API and its OpenAPI document (loopback needs no token by default).
    const devices = await request(`${urls.api}/devices/${encodeURIComponent(device.devId)}`);
    assert.equal(devices.statusCode, 200);
    assert.equal(((await devices.body.json()) as { id: string }).id, device.devId);
    const openapi = await request(`${urls.base}/api/openapi.json`);
    assert.equal(openapi.statusCode, 200);
    await openapi.body.dump();
    // Data Repository: an unknown shared item is a 404 from the repository, not from fastify's default route.
    const repo = await request(`${urls.repository}shared/nothing-here`);
    assert.equal(repo.statusCode, 404);
    await repo.body.dump();
  } finally {
    await server.stop();
  }
  await assert.rejects(request(urls.dm, { method: "POST" }), /ECONNREFUSED/);
});

test("the background sweep runs on the injected timers and expires idle sessions", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const t = manualTimers();
  const server = createOmadmServer(
    { store, clock, timers: t.timers },
    config({ components: { notifier: false, api: false, ui: false, repository: false }, sweepIntervalMs: 5000 }),
  );
  const firstArm = t.armed();
  const { urls } = await server.start();
  try {
    assert.equal(await firstArm, 5000);
    const device = new SimDevice("IMEI:300000000000002", urls.dm);
    await device.p1();
    const cmd = await store.commands.enqueue({ deviceId: device.devId, name: "GET", params: ["urn:oma:mo:x:1.0//"] });
    await device.p1();
    assert.equal((await store.commands.get(cmd.command.id))?.state, "sent");
    clock.advance(600_001);
    // Fire the timer; the sweeper re-arms once its sweep has finished.
    const rearmed = t.armed();
    t.fireAll();
    await rearmed;
    assert.equal((await store.commands.get(cmd.command.id))?.state, "queued");
    assert.equal(await store.sessions.findOpen(device.devId), null);
  } finally {
    await server.stop();
  }
  assert.equal(t.pending.size, 0, "stop() clears the sweep timer");
});

test("a wake through the REST API reaches the device's UDP port as a signed Package#0 with our SERVER-ID", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const udp = createSocket("udp4");
  udp.bind(0, "127.0.0.1");
  await once(udp, "listening");
  const port = udp.address().port;
  const secret = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const authData = new Uint8Array([9, 9]);
  await store.devices.create({
    id: "IMEI:300000000000003",
    notification: { type: 1, secret, authData },
    notifyAddress: { udp: { host: "127.0.0.1", port } },
  });
  const server = createOmadmServer({ store, clock }, config({ serverId: "compose-test" }));
  const { urls } = await server.start();
  try {
    const received = once(udp, "message") as Promise<[Buffer]>;
    const res = await request(`${urls.api}/devices/IMEI%3A300000000000003/wake`, { method: "POST" });
    assert.ok(res.statusCode >= 200 && res.statusCode < 300, `wake answered ${res.statusCode}`);
    await res.body.dump();
    const [datagram] = await received;
    const decoded = verifyNotification(datagram, { secret, authData });
    assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
    assert.equal(decoded.value.serverId, "compose-test");
  } finally {
    await server.stop();
    udp.close();
  }
});

test("port 0: the port start() chose is held while the plugins load, so no one else can take it", async () => {
  const clock = { now: () => Date.now() };
  const store = createMemoryStore({ clock });
  const server = createOmadmServer({ store, clock }, config());
  let duringLoad: string | undefined;
  // Not awaited: awaiting would load the plugins now, before start() fixed the port.
  void server.app.register(async () => {
    // Plugins load after start() fixed the port and before fastify binds it.
    const port = Number(new URL(server.publicBaseUrl()).port);
    const other = createServer();
    duringLoad = await new Promise<string>((resolve) => {
      other.once("error", (error: NodeJS.ErrnoException) => {
        resolve(error.code ?? "error");
      });
      other.listen({ host: "127.0.0.1", port }, () => {
        other.close(() => {
          resolve("bound by someone else");
        });
      });
    });
  });
  const { urls } = await server.start();
  try {
    assert.equal(duringLoad, "EADDRINUSE", "the chosen port was held");
    assert.equal(new URL(urls.base).port, new URL(server.publicBaseUrl()).port);
    const res = await request(`${urls.base}/healthz`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  } finally {
    await server.stop();
    await store.close();
  }
});
