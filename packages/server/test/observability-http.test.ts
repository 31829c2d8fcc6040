// Observability over real sockets: a DM session moves the metrics, logs one line at its start and one at its
// end (with device and session ids) and gives the device the server's session id in OMADM-Session-Id; the
// event stream resumes from Last-Event-ID with no gap and no duplicate; /api/docs redirects to the URL Swagger
// UI's assets resolve under.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { request } from "undici";
import { AT_CLIENT_INIT } from "@omadm/protocol";
import { createOmadmServer, type OmadmServer } from "../src/app.js";
import { loadServerConfig, type ServerConfigInput } from "../src/config.js";
import { HDR_SESSION_ID } from "../src/dm/dm-endpoint.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { manualClock, SimDevice, tempDir } from "./dm-support.js";
import { capturedLogger, openSse } from "./observability-support.js";

const dir = tempDir("omadm-observability-");
const clock = manualClock();
const log = capturedLogger();
let store: Store;
let server: OmadmServer;
let base: string;

function config(overrides: ServerConfigInput = {}) {
  const loaded = loadServerConfig({
    overrides: {
      listen: { host: "127.0.0.1", port: 0 },
      components: { notifier: false },
      events: { heartbeatMs: 1000, pollMs: 100 },
      ...overrides,
    },
  });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

before(async () => {
  store = await openSqliteStore({ clock }, { dataDir: dir.path });
  server = createOmadmServer({ store, clock, logger: log.logger }, config());
  base = (await server.start()).urls.base;
});

after(async () => {
  await server.stop();
  await store.close();
  dir.remove();
});

async function runSession(devId: string): Promise<string> {
  if ((await store.devices.get(devId)) === null) {
    const created = await request(`${base}/api/v1/devices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: devId }),
    });
    assert.equal(created.statusCode, 201, await created.body.text());
  }
  const queued = await request(`${base}/api/v1/devices/${encodeURIComponent(devId)}/commands`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ command: ["GET", "urn:oma:mo:oma-dm-devinfo:1.0//Mod"] }),
  });
  assert.equal(queued.statusCode, 201, await queued.body.text());
  const device = new SimDevice(devId, `${base}/dm`);
  const p2 = await device.p1([{ AlertType: AT_CLIENT_INIT }]);
  assert.equal(p2.status, 200);
  const sessionId = p2.headers[HDR_SESSION_ID.toLowerCase()];
  assert.equal(typeof sessionId, "string");
  const end = await device.p3([{ sc: 200 }, { sc: 200 }]);
  assert.equal(end.status, 200, JSON.stringify(end.body));
  assert.equal(end.cmd.at(-1)?.[0], "END");
  assert.equal(end.headers[HDR_SESSION_ID.toLowerCase()], sessionId);
  await server.flushEvents();
  return sessionId as string;
}

async function metricValue(name: string, labels = ""): Promise<number> {
  const res = await request(`${base}/metrics`);
  assert.equal(res.statusCode, 200);
  const text = await res.body.text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `) || l === `${name}${labels}`);
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

test("a DM session moves the metrics and logs one line at its start and one at its end", async () => {
  const startedBefore = await metricValue("omadm_dm_sessions_started_total");
  const endedBefore = await metricValue("omadm_dm_sessions_ended_total", '{outcome="ended"}');
  const sessionId = await runSession("IMEI:1300000000001");
  assert.equal(await metricValue("omadm_dm_sessions_started_total"), startedBefore + 1);
  assert.equal(await metricValue("omadm_dm_sessions_ended_total", '{outcome="ended"}'), endedBefore + 1);
  assert.ok((await metricValue("omadm_commands_total", '{name="GET",outcome="done"}')) >= 1);
  assert.ok((await metricValue("omadm_dm_packages_total", '{kind="package3",result="ok"}')) >= 1);
  assert.equal(await metricValue("omadm_dm_sessions_open"), 0);
  const text = await (await request(`${base}/metrics`)).body.text();
  assert.match(text, /omadm_store_call_duration_seconds_bucket\{[^}]*method="commands.enqueue"/);
  assert.match(text, /nodejs_eventloop_lag_seconds /);

  const started = log.lines.filter((l) => l["msg"] === "DM session started" && l["sessionId"] === sessionId);
  const ended = log.lines.filter((l) => l["msg"] === "DM session ended" && l["sessionId"] === sessionId);
  assert.equal(started.length, 1);
  assert.equal(ended.length, 1);
  assert.equal(started[0]?.["deviceId"], "IMEI:1300000000001");
  assert.deepEqual(
    { ...ended[0], time: 0, durationMs: 0, pid: 0, hostname: "" },
    {
      level: 30,
      time: 0,
      pid: 0,
      hostname: "",
      deviceId: "IMEI:1300000000001",
      sessionId,
      outcome: "ended",
      packages: 4,
      commands: 1,
      failedCommands: 0,
      durationMs: 0,
      msg: "DM session ended",
    },
  );
  const commandLines = log.lines.filter((l) => l["msg"] === "command state changed" && l["sessionId"] === sessionId);
  assert.ok(commandLines.length >= 2 && commandLines.every((l) => typeof l["commandId"] === "string"));
});

test("the event stream resumes from Last-Event-ID with no gap and no duplicate", async () => {
  const first = await openSse(`${base}/api/v1/events?after=0`);
  assert.equal(first.status, 200);
  await runSession("IMEI:1300000000002");
  const expected = (await store.events.after({ afterId: 0, limit: 1000 })).map((e) => String(e.id));
  assert.ok(expected.length >= 5, `a session makes several events, got ${expected.length}`);
  // Read part of it, drop the connection, then resume from the last id seen.
  const seen: string[] = [];
  const cut = Math.floor(expected.length / 2);
  for (let i = 0; i < cut; i++) seen.push((await first.next()).id ?? "");
  first.close();
  // More events while disconnected.
  await runSession("IMEI:1300000000003");
  const all = (await store.events.after({ afterId: 0, limit: 1000 })).map((e) => String(e.id));
  const resumed = await openSse(`${base}/api/v1/events`, { "last-event-id": seen.at(-1) ?? "0" });
  while (seen.length < all.length) {
    const m = await resumed.next();
    seen.push(m.id ?? "");
    const body = JSON.parse(m.data) as { id: number; kind: string };
    assert.equal(String(body.id), m.id);
    assert.equal(body.kind, m.event);
  }
  assert.deepEqual(seen, all);
  resumed.close();
});

test("the event stream filters by kind and device, and sends heartbeats while idle", async () => {
  const stream = await openSse(
    `${base}/api/v1/events?kind=session.ended&deviceId=${encodeURIComponent("IMEI:1300000000004")}`,
  );
  await runSession("IMEI:1300000000005");
  await runSession("IMEI:1300000000004");
  const m = await stream.next();
  assert.equal(m.event, "session.ended");
  assert.equal((JSON.parse(m.data) as { deviceId: string }).deviceId, "IMEI:1300000000004");
  const deadline = Date.now() + 5000;
  while (!stream.comments.includes("heartbeat")) {
    assert.ok(Date.now() < deadline, "no heartbeat within 5 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  stream.close();
});

test("a malformed Last-Event-ID is refused with a problem", async () => {
  const res = await request(`${base}/api/v1/events`, { headers: { "last-event-id": "abc" } });
  assert.equal(res.statusCode, 400);
  assert.equal(((await res.body.json()) as { code: string }).code, "OMADM_SRV_INVALID_INPUT");
});

test("/api/docs redirects to /api/docs/, where Swagger UI and its assets load", async () => {
  const res = await request(`${base}/api/docs`);
  assert.equal(res.statusCode, 301);
  assert.equal(new URL(String(res.headers.location), `${base}/api/docs`).pathname, "/api/docs/");
  await res.body.dump();
  const page = await request(`${base}/api/docs/`);
  assert.equal(page.statusCode, 200);
  const html = await page.body.text();
  const asset = /src="\.\/(static\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(asset !== undefined, "the page names its script");
  const script = await request(`${base}/api/docs/${asset}`);
  assert.equal(script.statusCode, 200);
  await script.body.dump();
});
