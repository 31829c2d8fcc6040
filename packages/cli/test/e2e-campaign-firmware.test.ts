// A firmware campaign end to end (README "Tour 2", docs/campaigns.md, docs/firmware.md): the real server (SQLite)
// and 12 simulated devices with the FUMO behaviour in this process, over loopback. An image is uploaded, the
// devices' DevInfo is read once (so that the filter `Mod = E2E-1 and FwV != 2.0.0` can select them), and
// `omadm campaigns create … --start` rolls the FUMO steps out in two waves; the injected failures (1 in 6, FUMO
// 402) stay under the error threshold, so the campaign completes with exactly those devices failed and the new
// FwV on every other one.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { request } from "undici";
import { FumoResult, MOID_FUMO } from "@omadm/protocol";
import type { Fleet } from "../src/simulate/fleet.js";
import { failsAt, fumoBehaviour } from "../src/simulate/fumo-behaviour.js";
import { omadm } from "./admin-support.js";
import { startCampaignFleet, waitForCampaign, type CampaignAnswer } from "./e2e-support/campaign-harness.js";
import { MOID_DEVINFO } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const N = 12;
const FAIL_RATE = 1 / 6;
const dir = tempDir("omadm-campaign-fw-");
const prefix = `FWC${randomBytes(3).toString("hex")}`;
let srv: E2eServer;
let fleet: Fleet;

before(async () => {
  srv = await startE2eServer({ dataDir: join(dir.path, "server"), campaignTickMs: 50 });
  fleet = await startCampaignFleet(srv, {
    devices: N,
    prefix,
    behaviour: fumoBehaviour({ failRate: FAIL_RATE, failResult: FumoResult.CORRUPTED_PACKAGE, rebootMs: 20 }),
    stateDir: join(dir.path, "devices"),
    extraMoids: [MOID_FUMO],
  });
});

after(async () => {
  await fleet.stop();
  await srv.stop();
  dir.remove();
});

const count = async (filter: string) =>
  (
    await srv.api.json<{ total: number }>(
      "GET",
      `/devices?limit=1&count=true&filter=${encodeURIComponent(filter)}`,
      undefined,
      [200],
    )
  ).total;

test("firmware campaign: 12 devices in 2 waves over `Mod = … and FwV != …`; failures as injected", async () => {
  const up = await request(`${srv.api.base}/firmware?name=e2e&version=2.0.0&model=E2E-1`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: randomBytes(32_000),
  });
  assert.equal(up.statusCode, 201);
  const { fumoDataUrl } = (await up.body.json()) as { fumoDataUrl: string };

  // The server knows a device's DevInfo from what it last read: one GET of Mod and FwV, delivered by a bulk wake.
  const ids = fleet.devices.map((d) => d.devId);
  for (const leaf of ["Mod", "FwV"])
    await srv.api.json(
      "POST",
      "/commands/bulk",
      { command: ["GET", `${MOID_DEVINFO}//${leaf}`], deviceIds: ids },
      [200],
    );
  const wake = await srv.api.json<CampaignAnswer>("POST", "/devices/wake", { filter: `label:fleet=${prefix}` }, [202]);
  await waitForCampaign(srv, wake.id, (c) => c.state === "completed");
  const filter = `label:fleet=${prefix} and Mod = E2E-1 and FwV != 2.0.0`;
  const deadline = Date.now() + 10_000;
  while ((await count(filter)) !== N) {
    assert.ok(Date.now() < deadline, `the filter never selected all ${N} devices`);
    await new Promise((r) => setTimeout(r, 50));
  }

  const created = await omadm(srv.origin, [
    "campaigns",
    "create",
    "--name",
    "firmware 2.0.0",
    "--filter",
    filter,
    "--step",
    JSON.stringify(["HGET", fumoDataUrl]),
    "--step",
    JSON.stringify(["EXEC", `${MOID_FUMO}//DownloadAndUpdate`]),
    "--step",
    JSON.stringify(["GET", `${MOID_DEVINFO}//FwV`]),
    "--waves",
    "6",
    "--success-threshold",
    "0.8",
    "--error-threshold",
    "0.3",
    "--start",
    "--json",
  ]);
  assert.equal(created.exitCode, 0, created.err);
  const id = (JSON.parse(created.out) as { id: string }).id;
  const watched = await omadm(srv.origin, ["campaigns", "watch", id]);
  assert.equal(watched.exitCode, 0, `${watched.out}${watched.err}`);
  assert.match(watched.out, /wave 1: 5\/6 done, 1 failed; wave 2: 5\/6 done, 1 failed/);

  const end = await waitForCampaign(srv, id, () => true);
  assert.equal(end.state, "completed");
  const devices = await srv.api.json<{ items: { deviceId: string; state: string; reason: string | null }[] }>(
    "GET",
    `/campaigns/${id}/devices?limit=100`,
    undefined,
    [200],
  );
  const byId = new Map(devices.items.map((d) => [d.deviceId, d]));
  for (const d of fleet.devices) {
    const fails = failsAt(d.index, FAIL_RATE);
    const got = byId.get(d.devId);
    assert.equal(got?.state, fails ? "failed" : "done", d.devId);
    if (fails) assert.match(got.reason ?? "", /step 2 \(EXEC\) failed with status 402/, d.devId);
    // The device itself and the server's DevInfo copy (refreshed by the last step) agree.
    assert.deepEqual(d.client.getValue(`${MOID_DEVINFO}//FwV`), { ok: true, value: fails ? "1.0.0" : "2.0.0" });
  }
  assert.equal(await count(`label:fleet=${prefix} and FwV = 2.0.0`), N - 2);
  assert.equal(await count(filter), 2, "only the failed devices are still selected for the update");
});
