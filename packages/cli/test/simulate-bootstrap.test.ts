// `omadm simulate --bootstrap-uri …` end to end over real TLS (docs/simulator.md, docs/bootstrap.md): simulated
// devices that hold only a batch bootstrap PSK bootstrap at the server's bootstrap role, open their
// BootstrapComplete session at the management server with the Digest password they were given (running the
// command queued before they existed), and then serve a command the operator queues and wakes them for.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";
import { simulate } from "../src/simulate/actions.js";
import type { RunningSimulation, SimulateFlags } from "../src/simulate/command-types.js";
import { deviceConfigJson } from "./e2e-support/device-harness.js";
import { tempDir } from "./e2e-support/server-harness.js";
import {
  apiCall,
  MGMT_ID,
  MOID_DEVINFO,
  startBootstrapServer,
  type BootstrapServer,
} from "./e2e-support/bootstrap-harness.js";

const skip = skipWithoutOpenssl();
const dir = tempDir("omadm-simulate-bootstrap-");
const KEY = "5b".repeat(16);
const N = 4;
const ids = Array.from({ length: N }, (_, i) => `IMEI:3700000000000${String(i + 1).padStart(2, "0")}`);
let pki: FilePki;
let srv: BootstrapServer;

before(async () => {
  if (skip !== false) return;
  pki = await makeFilePki();
  srv = await startBootstrapServer(join(dir.path, "server"), pki, async (store) => {
    // One batch credential for the whole fleet: its pattern covers every DevID.
    await store.bootstrap.importCredentials([
      { secMode: 0, pskIdentity: "batch-37", pskKeyHex: KEY, devIdPattern: "IMEI:37*" },
    ]);
  });
  await srv.store.bootstrap.putRule({
    id: "fleet",
    priority: 1,
    devIdPattern: "IMEI:37*",
    targets: [
      {
        srvId: MGMT_ID,
        srvUri: srv.dmUrl,
        name: "management",
        permittedMoids: [MOID_DEVINFO],
        auth: "digest",
        notification: true,
      },
    ],
  });
});

after(async () => {
  await srv?.stop(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition
  dir.remove();
});

/** Polls the store until every command is done, or fails after `ms`. */
async function allDone(commandIds: readonly string[], ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const states = await Promise.all(commandIds.map(async (id) => (await srv.store.commands.get(id))?.state));
    if (states.every((s) => s === "done")) return;
    if (Date.now() > deadline) throw new Error(`commands not done in ${String(ms)} ms: ${states.join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("simulated devices with a batch bootstrap PSK bootstrap, complete and serve commands", { skip }, async () => {
  const template = join(dir.path, "template.json");
  // The template's own account is replaced by the factory bootstrap account.
  const json = deviceConfigJson({
    devId: "TEMPLATE",
    srvUri: "https://unused.invalid/dm",
    stateDir: join(dir.path, "s"),
  });
  const mos = (json["mos"] as Record<string, unknown>[]).map((m) => ({
    ...m,
    ddf: resolve("examples/ddf/gateway.ddf"),
  }));
  writeFileSync(template, JSON.stringify({ ...json, mos }));
  const keyFile = join(dir.path, "batch.psk");
  writeFileSync(keyFile, KEY);
  const queued = [];
  for (const id of ids) {
    await srv.store.devices.create({ id });
    queued.push(
      (await srv.store.commands.enqueue({ deviceId: id, name: "GET", params: [`${MOID_DEVINFO}//Mod`] })).command.id,
    );
  }

  const out: string[] = [];
  let running: RunningSimulation | undefined;
  const flags: SimulateFlags = {
    config: template,
    devices: String(N),
    devid: "IMEI:37000000000{n:04}",
    first: "1",
    udp: true,
    udpHost: "127.0.0.1",
    udpPort: "0",
    mqtt: false,
    behaviour: "standard",
    connections: "8",
    bootstrapUri: srv.bootstrapUrl,
    bootstrapPskIdentity: "batch-37",
    bootstrapPskKey: keyFile,
    bootstrapSrvid: "omadm-bootstrap",
    bootstrapCa: pki.caFile,
  };
  await simulate(
    { out: (t) => out.push(t), err: (t) => out.push(t), live: false, onStarted: (r) => (running = r) },
    flags,
  );
  assert.ok(running, out.join(""));
  try {
    await allDone(queued);
    for (const id of ids) {
      const provisions = await srv.store.bootstrap.listProvisions({ deviceId: id });
      assert.equal(provisions.items[0]?.state, "completed", id);
      assert.equal((await srv.store.devices.get(id))?.http?.type, "digest", "the management server knows its password");
    }
    const d = running.fleet.devices[0];
    assert.ok(d);
    assert.deepEqual(
      d.client
        .accounts()
        .map((a) => a.srvId)
        .sort(),
      ["omadm", "omadm-bootstrap"],
      "the factory account and the one the bootstrap created",
    );

    // Later commands: the operator queues one and wakes the device (its Package#0 signed with the Auth/Noti
    // secret the bootstrap generated).
    const port = d.udp?.address()?.port;
    assert.ok(port);
    await srv.store.devices.update(d.devId, { notifyAddress: { udp: { host: "127.0.0.1", port } } });
    const later = await srv.store.commands.enqueue({
      deviceId: d.devId,
      name: "GET",
      params: [`${MOID_DEVINFO}//Man`],
    });
    const woken = await apiCall(srv.base, pki.ca, "POST", `/devices/${encodeURIComponent(d.devId)}/wake`, {});
    assert.equal(woken.status, 200, JSON.stringify(woken.json));
    await allDone([later.command.id]);
  } finally {
    await running.stop();
  }
  assert.match(out.join(""), /^simulate: 4 devices, \d+ sessions/m);
});

test("--bootstrap-uri without a batch PSK, and a batch PSK without --bootstrap-uri, are usage errors", async () => {
  const base = { config: "x.json", devices: "1", devid: "D{n}", first: "1", udp: false, mqtt: false };
  const flags = { ...base, behaviour: "standard", connections: "1", bootstrapSrvid: "omadm-bootstrap" };
  await assert.rejects(
    simulate({ out: () => undefined, err: () => undefined }, { ...flags, bootstrapUri: "https://b.invalid/bootstrap" }),
    /--bootstrap-uri needs --bootstrap-psk-identity and --bootstrap-psk-key/,
  );
  await assert.rejects(
    simulate({ out: () => undefined, err: () => undefined }, { ...flags, bootstrapPskIdentity: "x" }),
    /need --bootstrap-uri/,
  );
});
