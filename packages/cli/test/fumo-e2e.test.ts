// A firmware update end to end over real sockets (docs/firmware.md): the real server (SQLite) with an uploaded
// image, a DM client with the FUMO handler. The operator queues `HGET <fumoDataUrl>` and `EXEC …/DownloadAndUpdate`;
// the device answers 202, downloads (through a proxy that cuts the first download mid-body, so it resumes with
// Range/If-Range), checks the SHA-256, walks the FUMO states, reboots, and its asynchronous result alert completes
// the EXEC with 200; the next session reads the new DevInfo/FwV. A digest that does not match ends in 402 and
// State 20 (Download Failed), the EXEC failed.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { request } from "undici";
import { registerFumo, type FumoHandle } from "@omadm/client";
import { FumoAlertType, FumoResult, FumoState, MOID_FUMO } from "@omadm/protocol";
import { MOID_DEVINFO, startDevice, statusesOf, type E2eDevice } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const dir = tempDir("omadm-fumo-e2e-");
const image = randomBytes(1_500_000);
const sha = createHash("sha256").update(image).digest("hex");
let srv: E2eServer;
let cutter: { server: Server; origin: string; cuts: number; ranges: string[] };

/**
 * A proxy in front of the server that cuts the first whole-image download after 200 kB (the server closing the
 * connection mid-body, as seen by the device) and records the Range of every image request.
 */
async function startCutter(target: () => string) {
  const state = { cuts: 0, ranges: [] as string[] };
  const server = createServer((req, res) => {
    const isImage = /^\/firmware\/[^/]+$/.test(req.url ?? "");
    if (isImage) state.ranges.push(req.headers.range ?? "");
    const up = httpRequest(new URL(req.url ?? "/", target()), { method: req.method, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (isImage && req.headers.range === undefined && state.cuts === 0) {
        state.cuts++;
        let sent = 0;
        upRes.on("data", (chunk: Buffer) => {
          if (sent >= 200_000) return;
          sent += chunk.length;
          res.write(chunk);
          if (sent >= 200_000) {
            upRes.destroy();
            res.socket?.destroy();
          }
        });
        return;
      }
      upRes.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { server, origin });
}

before(async () => {
  let origin = "";
  cutter = await startCutter(() => origin);
  srv = await startE2eServer({ dataDir: join(dir.path, "server"), publicBaseUrl: cutter.origin });
  origin = srv.origin;
});

after(async () => {
  await srv.stop();
  await new Promise((resolve) => cutter.server.close(resolve));
  dir.remove();
});

interface FirmwareView {
  readonly id: string;
  readonly sha256: string;
  readonly fumoDataUrl: string;
  readonly pkgUrl: string;
  readonly downloadUrl: string;
}

async function uploadImage(version: string): Promise<FirmwareView> {
  const res = await request(`${srv.api.base}/firmware?name=hgw-fw&version=${version}&model=E2E-1`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: Readable.from([image.subarray(0, 700_000), image.subarray(700_000)]),
  });
  assert.equal(res.statusCode, 201);
  const view = (await res.body.json()) as FirmwareView;
  assert.equal(view.sha256, sha);
  return view;
}

/** A device with FUMO, registered by its first session. */
async function fumoDevice(devId: string): Promise<{ device: E2eDevice; fumo: FumoHandle; states: number[] }> {
  const device = await startDevice({
    devId,
    srvUri: `${cutter.origin}/dm`,
    stateDir: join(dir.path, devId),
    extraMoids: [MOID_FUMO],
  });
  const states: number[] = [];
  const fumo = registerFumo(device.client, { rebootMs: 20, retryDelayMs: 20, onState: (_m, s) => states.push(s) });
  const made = fumo.ensureInstance();
  assert.ok(made.ok);
  const first = await device.client.runSession();
  assert.equal(first.kind, "completed", device.log.join("\n"));
  await device.sessions.next();
  return { device, fumo, states };
}

/** Waits for the asynchronous report session and returns the EXEC's final command view. */
async function reportedExec(device: E2eDevice, execId: string) {
  const report = await device.sessions.next();
  assert.equal(report.kind, "completed", device.log.join("\n"));
  assert.equal(report.trigger.kind, "client-initiated");
  return srv.api.command(execId);
}

test("FUMO: HGET + EXEC DownloadAndUpdate → 202, a cut download resumes, the alert completes 200, FwV changes", async () => {
  const fw = await uploadImage("2.0.0");
  const { device, states } = await fumoDevice("IMEI:490000000000001");
  try {
    const hget = await srv.api.queue(device.devId, ["HGET", fw.fumoDataUrl]);
    const exec = await srv.api.queue(device.devId, ["EXEC", `${MOID_FUMO}//DownloadAndUpdate`]);
    const outcome = await device.client.runSession();
    assert.equal(outcome.kind, "completed", device.log.join("\n"));
    await device.sessions.next();
    assert.deepEqual(statusesOf(outcome), [
      ["CONT", 200],
      ["HGET", 200],
      ["EXEC", 202],
      ["END", 200],
    ]);
    assert.equal((await srv.api.command(hget.id)).state, "done");
    assert.equal((await srv.api.command(exec.id)).state, "accepted");

    const done = await reportedExec(device, exec.id);
    assert.equal(done.state, "done", JSON.stringify(done));
    assert.equal(done.statusCode, 200);
    assert.deepEqual(states, [
      FumoState.DOWNLOAD_PROGRESSING,
      FumoState.DOWNLOAD_COMPLETE,
      FumoState.READY_TO_UPDATE,
      FumoState.UPDATE_PROGRESSING,
      FumoState.UPDATE_SUCCESSFUL_NO_DATA,
    ]);
    // The first download was cut once; the device resumed where it stopped, guarded by If-Range.
    assert.equal(cutter.cuts, 1);
    const resumed = cutter.ranges.at(-1) ?? "";
    assert.match(resumed, /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(resumed)?.[0]) >= 200_000 - 65_536, resumed);
    const alerts = await srv.api.alerts(device.devId);
    const fumoAlert = alerts.find((a) => a.alertType === FumoAlertType.DownloadAndUpdate);
    assert.ok(fumoAlert, JSON.stringify(alerts));
    assert.equal(fumoAlert.matchedCommandId, exec.id);
    assert.deepEqual(fumoAlert.data, {
      sc: 200,
      state: FumoState.UPDATE_SUCCESSFUL_NO_DATA,
      pkgName: "hgw-fw",
      pkgVersion: "2.0.0",
    });

    // The next session: DevInfo/FwV and the FUMO PkgVersion report the new version.
    const get = await srv.api.queue(device.devId, ["GET", `${MOID_DEVINFO}//FwV`]);
    const next = await device.client.runSession();
    assert.equal(next.kind, "completed");
    await device.sessions.next();
    const read = await srv.api.command(get.id);
    assert.deepEqual(read.result?.data, [{ ClientURI: `${MOID_DEVINFO}/devinfo/FwV`, MOData: { FwV: "2.0.0" } }]);
    assert.equal(device.client.getValue(`${MOID_FUMO}//PkgVersion`).ok, true);
  } finally {
    await device.stop();
  }
});

test("FUMO: a PkgURL whose digest does not match ends in 402, State 20, the EXEC failed", async () => {
  const fw = await uploadImage("3.0.0");
  const { device, states } = await fumoDevice("IMEI:490000000000002");
  try {
    const wrong = `${fw.downloadUrl}#sha256=${"0".repeat(64)}`;
    const content = await srv.api.putContent(
      { path: "fumo/wrong.json" },
      "application/dmmo+json",
      JSON.stringify([{ ClientURI: `${MOID_FUMO}//DownloadAndUpdate/PkgURL`, MOData: { PkgURL: wrong } }]),
    );
    await srv.api.queue(device.devId, ["HGET", content.url]);
    const exec = await srv.api.queue(device.devId, ["EXEC", `${MOID_FUMO}//DownloadAndUpdate`]);
    const outcome = await device.client.runSession();
    assert.deepEqual(statusesOf(outcome), [
      ["CONT", 200],
      ["HGET", 200],
      ["EXEC", 202],
      ["END", 200],
    ]);
    await device.sessions.next();
    const failed = await reportedExec(device, exec.id);
    assert.equal(failed.state, "failed");
    assert.equal(failed.statusCode, FumoResult.CORRUPTED_PACKAGE);
    assert.deepEqual(states, [FumoState.DOWNLOAD_PROGRESSING, FumoState.DOWNLOAD_FAILED]);
    const fwv = device.client.getValue(`${MOID_DEVINFO}//FwV`);
    assert.deepEqual(fwv, { ok: true, value: "1.0.0" }, "the firmware did not change");
  } finally {
    await device.stop();
  }
});
