// `omadm simulate` end to end, on the real server (SQLite) over loopback: a fleet of devices from one template,
// registered in bulk, each listening on its own UDP port or its own topic on the real Mosquitto (one connection),
// woken through the REST API, each running a real DM session that completes its queued GET.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { simulate } from "../src/simulate/actions.js";
import type { RunningSimulation, SimulateFlags } from "../src/simulate/command-types.js";
import { devIdPattern } from "../src/simulate/devid-pattern.js";
import { MT_MO_JSON } from "@omadm/protocol";
import { deviceConfigJson, MOID_DEVINFO, MOID_GATEWAY } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const mqtt = await requireMqtt();
const dir = tempDir("omadm-simulate-");
let srv: E2eServer;
const GET = `${MOID_DEVINFO}//DevID`;

before(async () => {
  srv = await startE2eServer({
    dataDir: join(dir.path, "server"),
    ...(mqtt.available ? { mqttUrl: serviceUrl(mqtt) } : {}),
  });
});

after(async () => {
  await srv.stop();
  dir.remove();
});

/** A template as `omadm client` reads it: the e2e device, its notification auth data = its DevID. */
function template(extra: Record<string, unknown>): string {
  const json = deviceConfigJson({ devId: "TEMPLATE-1", srvUri: srv.dmUrl, stateDir: join(dir.path, "state") });
  const mos = (json["mos"] as Record<string, unknown>[]).map((m) => ({
    ...m,
    ddf: resolve("examples/ddf/gateway.ddf"),
  }));
  const path = join(dir.path, `template-${randomBytes(3).toString("hex")}.json`);
  writeFileSync(path, JSON.stringify({ ...json, mos, notifications: { bearers: [3], ...extra } }));
  return path;
}

/** Runs `omadm simulate` and hands back the running fleet (no signals, no live line). */
async function startSimulation(flags: Partial<SimulateFlags> & Pick<SimulateFlags, "config" | "devices" | "devid">) {
  const out: string[] = [];
  let running: RunningSimulation | undefined;
  await simulate(
    { out: (t) => out.push(t), err: (t) => out.push(t), live: false, onStarted: (r) => (running = r) },
    {
      first: "1",
      udp: true,
      mqtt: true,
      behaviour: "standard",
      connections: "16",
      register: true,
      server: srv.origin,
      ...flags,
    },
  );
  assert.ok(running, out.join(""));
  return { running, out };
}

/** Queues one GET per device in bulk, wakes each, and waits for every device's session to complete. */
async function wakeAll(running: RunningSimulation): Promise<void> {
  const ids = running.fleet.devices.map((d) => d.devId);
  const completed = new Set<string>();
  const allDone = new Promise<void>((resolveDone, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`only ${completed.size} of ${ids.length} sessions completed in 60 s`));
    }, 60_000);
    for (const d of running.fleet.devices) {
      d.client.on("session", (outcome) => {
        if (outcome.kind === "completed") completed.add(d.devId);
        if (completed.size === ids.length) {
          clearTimeout(timer);
          resolveDone();
        }
      });
    }
  });
  const bulk = await srv.api.json<{ created: number }>(
    "POST",
    "/commands/bulk",
    { command: ["GET", GET], deviceIds: ids },
    [200],
  );
  assert.equal(bulk.created, ids.length);
  for (const id of ids) await srv.api.wake(id);
  await allDone;
  for (const id of ids) {
    const [command, ...more] = await srv.api.commands(id);
    assert.equal(more.length, 0);
    assert.equal(command?.state, "done", id);
    assert.equal(command.attempts, 1);
    assert.deepEqual(
      command.result?.data,
      [{ ClientURI: `${MOID_DEVINFO}/devinfo/DevID`, MOData: { DevID: id } }],
      "each device answers from its own tree",
    );
  }
}

test("simulate: 30 devices on their own UDP ports, registered in bulk, woken, each completes its GET", async () => {
  const run = Math.floor(Math.random() * 1e6);
  const { running, out } = await startSimulation({
    config: template({ udp: [{ host: "127.0.0.1", port: 0 }] }),
    devices: "30",
    devid: `SIMU${run}-{n:03}`,
    mqtt: false,
  });
  try {
    assert.match(out.join(""), /registered: 30 lines, 30 created/);
    const first = running.fleet.devices[0];
    const stored = await srv.api.device(`SIMU${run}-001`);
    const address = stored.notifyAddress as { udp?: { port: number } } | null;
    assert.equal(address?.udp?.port, first?.udp?.address()?.port);
    assert.notEqual(running.fleet.devices[1]?.udp?.address()?.port, first?.udp?.address()?.port);
    await wakeAll(running);
    assert.equal(running.fleet.stats.snapshot().sessions, 30);
  } finally {
    await running.stop();
  }
  assert.match(out.join(""), /simulate: 30 devices, 30 sessions .* 0 errors/);
});

test(
  "simulate: 20 devices over one MQTT connection, a topic each",
  { skip: skipUnlessAvailable(mqtt).skip },
  async () => {
    const tag = randomBytes(4).toString("hex");
    const { running } = await startSimulation({
      config: template({ mqtt: [{ url: serviceUrl(mqtt) }] }),
      devices: "20",
      devid: `SIMM${tag}-{n:02}`,
      udp: false,
    });
    try {
      assert.deepEqual(
        running.fleet.devices.map((d) => d.udp),
        new Array(20).fill(undefined),
      );
      assert.equal(new Set(running.fleet.devices.map((d) => d.topic)).size, 20);
      await wakeAll(running);
    } finally {
      await running.stop();
    }
  },
);

test("simulate: an HGET replacing a leaf on one device leaves the others and the template alone", async () => {
  const run = Math.floor(Math.random() * 1e6);
  const { running } = await startSimulation({
    config: template({ udp: [{ host: "127.0.0.1", port: 0 }] }),
    devices: "3",
    devid: `SIMR${run}-{n}`,
    mqtt: false,
  });
  const hostname = `${MOID_GATEWAY}/main/Hostname`;
  try {
    const [a, b, c] = running.fleet.devices;
    assert.ok(a && b && c);
    // §4.2 HGET: the server's Data Repository content replaces the leaf on device a only.
    const content = await srv.api.putContent(
      { path: "renamed.json", deviceId: a.devId },
      MT_MO_JSON,
      JSON.stringify([{ ClientURI: hostname, MOData: { Hostname: "renamed" } }]),
    );
    await srv.api.queue(a.devId, ["HGET", content.url]);
    for (const d of [a, b]) await srv.api.queue(d.devId, ["GET", hostname]);
    const served = [a, b].map(
      (d) =>
        new Promise<string>((resolveServed) => {
          const off = d.client.on("session", (outcome) => {
            off();
            resolveServed(outcome.kind);
          });
        }),
    );
    for (const d of [a, b]) await srv.api.wake(d.devId);
    assert.deepEqual(await Promise.all(served), ["completed", "completed"]);
    for (const [d, expected] of [
      [a, "renamed"],
      [b, "hgw-e2e"],
    ] as const) {
      const get = (await srv.api.commands(d.devId)).find((x) => x.name === "GET");
      assert.deepEqual(get?.result?.data, [{ ClientURI: hostname, MOData: { Hostname: expected } }], d.devId);
    }
    // At rest each device is its saved state; c never had a client since the fleet started.
    await Promise.all([a, b].map((d) => d.client.resting()));
    assert.deepEqual([a.client.isLive, b.client.isLive, c.client.isLive], [false, false, false]);
    assert.deepEqual(a.client.getValue(hostname), { ok: true, value: "renamed" });
    assert.deepEqual(b.client.getValue(hostname), { ok: true, value: "hgw-e2e" });
    assert.deepEqual(c.client.getValue(hostname), { ok: true, value: "hgw-e2e" }, "the template is unchanged");
    for (const d of [a, b, c]) {
      assert.deepEqual(d.client.getValue(`${MOID_DEVINFO}//DevID`), { ok: true, value: d.devId });
    }
    // Only a's tree changed: b's saved state keeps the template's tree, its DevID written again at each wake.
    assert.deepEqual([a.client.ownsTree, b.client.ownsTree, c.client.ownsTree], [true, false, false]);
    const again = new Promise<string>((resolveServed) => {
      const off = b.client.on("session", (outcome) => {
        off();
        resolveServed(outcome.kind);
      });
    });
    await srv.api.queue(b.devId, ["GET", `${MOID_DEVINFO}//DevID`]);
    await srv.api.wake(b.devId);
    assert.equal(await again, "completed");
    const devIdGet = (await srv.api.commands(b.devId)).find(
      (x) => x.name === "GET" && x.params[0]?.endsWith("DevID") === true,
    );
    assert.deepEqual(devIdGet?.result?.data, [
      { ClientURI: `${MOID_DEVINFO}/devinfo/DevID`, MOData: { DevID: b.devId } },
    ]);
  } finally {
    await running.stop();
  }
});

test("simulate: DevID patterns", () => {
  assert.equal(devIdPattern("IMEI:35900000{n:07}")(42), "IMEI:359000000000042");
  assert.equal(devIdPattern("dev-{n}")(7), "dev-7");
  assert.throws(() => devIdPattern("no-number"), /needs \{n\}/);
  assert.throws(() => devIdPattern("x-{n}-{m}"), /unknown/);
});
