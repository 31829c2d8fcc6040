// /healthz, /readyz (503 once the store is closed or while shedding) and /metrics (an API token beyond
// loopback), and event streams ending when the server stops: each on its own server over real sockets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "undici";
import { createOmadmServer } from "../src/app.js";
import { loadServerConfig, type ServerConfigInput } from "../src/config.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import { manualClock, tempDir } from "./dm-support.js";
import { openSse } from "./observability-support.js";

const clock = manualClock();

function config(overrides: ServerConfigInput = {}) {
  const loaded = loadServerConfig({
    overrides: { listen: { host: "127.0.0.1", port: 0 }, components: { notifier: false }, ...overrides },
  });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

test("/healthz, /readyz and /metrics; readyz fails when the store is closed; metrics need a token beyond loopback", async () => {
  const d = tempDir("omadm-readyz-");
  const own = await openSqliteStore({ clock }, { dataDir: d.path });
  const node = createOmadmServer({ store: own, clock }, config({ api: { loopbackWithoutToken: false } }));
  const nodeBase = (await node.start()).urls.base;
  try {
    assert.equal((await request(`${nodeBase}/healthz`)).statusCode, 200);
    const ready = await request(`${nodeBase}/readyz`);
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(await ready.body.json(), { status: "ready", problems: [] });
    const refused = await request(`${nodeBase}/metrics`);
    assert.equal(refused.statusCode, 401);
    await refused.body.dump();
    node.readiness.setShedding(true);
    const shedding = await request(`${nodeBase}/readyz`);
    assert.equal(shedding.statusCode, 503);
    await shedding.body.dump();
    node.readiness.setShedding(false);
    await own.close();
    const closed = await request(`${nodeBase}/readyz`);
    assert.equal(closed.statusCode, 503);
    const body = (await closed.body.json()) as { problems: string[] };
    assert.match(body.problems[0] ?? "", /store: the store is closed/);
    assert.equal((await request(`${nodeBase}/healthz`)).statusCode, 200);
  } finally {
    await node.stop();
    d.remove();
  }
});

test("stop() ends open event streams", async () => {
  const d = tempDir("omadm-sse-stop-");
  const own = await openSqliteStore({ clock }, { dataDir: d.path });
  const node = createOmadmServer({ store: own, clock }, config());
  const nodeBase = (await node.start()).urls.base;
  const stream = await openSse(`${nodeBase}/api/v1/events`);
  await node.stop();
  await stream.ended;
  await own.close();
  d.remove();
});
