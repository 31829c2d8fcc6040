// `omadm simulate --behaviour fumo` on the real server (SQLite) over loopback (docs/firmware.md, docs/simulator.md):
// a fleet updates its firmware from one uploaded image by the two commands a campaign step list queues
// (`HGET <fumoDataUrl>`, `EXEC urn:oma:mo:oma-fumo:1.0//DownloadAndUpdate`); `--fail-rate` makes an even share of
// the devices report the chosen FUMO result code instead, and their EXECs end failed with it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { request } from "undici";
import { FumoResult, MOID_FUMO } from "@omadm/protocol";
import { simulate } from "../src/simulate/actions.js";
import type { RunningSimulation } from "../src/simulate/command-types.js";
import { failsAt } from "../src/simulate/fumo-behaviour.js";
import { deviceConfigJson, MOID_DEVINFO } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const dir = tempDir("omadm-simulate-fumo-");
let srv: E2eServer;

before(async () => {
  srv = await startE2eServer({ dataDir: join(dir.path, "server") });
});
after(async () => {
  await srv.stop();
  dir.remove();
});

function template(): string {
  const json = deviceConfigJson({
    devId: "TEMPLATE-1",
    srvUri: srv.dmUrl,
    stateDir: join(dir.path, "state"),
    extraMoids: [MOID_FUMO],
  });
  const mos = (json["mos"] as Record<string, unknown>[]).map((m) => ({
    ...m,
    ddf: resolve("examples/ddf/gateway.ddf"),
  }));
  const path = join(dir.path, "template.json");
  writeFileSync(
    path,
    JSON.stringify({ ...json, mos, notifications: { bearers: [3], udp: [{ host: "127.0.0.1", port: 0 }] } }),
  );
  return path;
}

test(
  "fumo: 10 devices update by HGET + EXEC; a 0.3 fail rate makes 3 of them report 402",
  { timeout: 120_000 },
  async () => {
    const image = randomBytes(64_000);
    const up = await request(`${srv.api.base}/firmware?name=hgw&version=9.9.9`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: image,
    });
    assert.equal(up.statusCode, 201);
    const fw = (await up.body.json()) as { fumoDataUrl: string };

    const tag = randomBytes(3).toString("hex");
    const out: string[] = [];
    let running: RunningSimulation | undefined;
    await simulate(
      { out: (t) => out.push(t), err: (t) => out.push(t), live: false, onStarted: (r) => (running = r) },
      {
        config: template(),
        devices: "10",
        devid: `FUMO${tag}-{n:02}`,
        first: "1",
        udp: true,
        mqtt: false,
        behaviour: "fumo",
        failRate: "0.3",
        failResult: "402",
        connections: "16",
        register: true,
        server: srv.origin,
      },
    );
    assert.ok(running, out.join(""));
    try {
      const devices = running.fleet.devices;
      const ids = devices.map((d) => d.devId);
      // Every device's EXEC is final once its asynchronous report session has run: count those sessions.
      const reported = new Set<string>();
      const allReported = new Promise<void>((resolveAll, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`only ${reported.size} of ${ids.length} devices reported in 90 s`));
        }, 90_000);
        for (const d of devices) {
          d.client.on("session", (outcome) => {
            if (outcome.kind === "completed" && outcome.trigger.kind !== "server-initiated") reported.add(d.devId);
            if (reported.size === ids.length) {
              clearTimeout(timer);
              resolveAll();
            }
          });
        }
      });
      for (const command of [
        ["HGET", fw.fumoDataUrl],
        ["EXEC", `${MOID_FUMO}//DownloadAndUpdate`],
      ]) {
        const bulk = await srv.api.json<{ created: number }>(
          "POST",
          "/commands/bulk",
          { command, deviceIds: ids },
          [200],
        );
        assert.equal(bulk.created, ids.length);
      }
      for (const id of ids) await srv.api.wake(id);
      await allReported;

      for (const d of devices) {
        const [hget, exec] = await srv.api.commands(d.devId);
        assert.equal(hget?.state, "done", d.devId);
        const fails = failsAt(d.index, 0.3);
        assert.equal(exec?.state, fails ? "failed" : "done", d.devId);
        assert.equal(exec.statusCode, fails ? FumoResult.CORRUPTED_PACKAGE : 200, d.devId);
        assert.deepEqual(d.client.getValue(`${MOID_DEVINFO}//FwV`), { ok: true, value: fails ? "1.0.0" : "9.9.9" });
      }
      assert.equal(devices.filter((d) => failsAt(d.index, 0.3)).length, 3);
    } finally {
      await running.stop();
    }
  },
);
