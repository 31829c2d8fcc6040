// Store contract: campaigns (docs/campaigns.md): the spec checked and kept with its defaults, the lifecycle,
// resolved devices (added once, unknown devices skipped), the driver's device changes, lists by state and wave,
// counts per wave, and all of it after a restart.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { DEFAULT_PLAN } from "../src/store/campaign-rules.js";
import { CampaignState } from "../src/store/types-campaign.js";
import type { NewCampaign } from "../src/store/types-campaign.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

const C = ServerErrorCode;
const REBOOT: NewCampaign = {
  name: "reboot gateways",
  target: { filter: "Mod = GW-1" },
  steps: [{ command: ["EXEC", "urn:oma:mo:x-omadm-gateway:1.0//Ops/Reboot"] }],
  plan: { waves: [1, "50%"], errorThreshold: 0.5 },
};

export function campaignContract(it: ContractTest): void {
  it("creates a draft with the plan's defaults and a canonical filter; refuses a bad spec", async (f) => {
    const c = await f.store.campaigns.create(REBOOT);
    assert.equal(c.state, CampaignState.Draft);
    assert.equal(c.kind, "campaign");
    assert.deepEqual(c.target, { filter: "Mod=GW-1" });
    assert.deepEqual(c.plan, { ...DEFAULT_PLAN, waves: [1, "50%"], errorThreshold: 0.5 });
    assert.deepEqual(c.steps, [{ command: REBOOT.steps[0]?.command, name: "EXEC" }]);
    assert.deepEqual(await f.store.campaigns.get(c.id), c);
    assert.equal(await f.store.campaigns.get("nope"), null);
    await rejectsWith(f.store.campaigns.create({ ...REBOOT, steps: [] }), C.INVALID_INPUT);
    await rejectsWith(f.store.campaigns.create({ ...REBOOT, target: { filter: "Mod = " } }), C.FILTER_INVALID);
    await rejectsWith(f.store.campaigns.create({ ...REBOOT, target: {} }), C.INVALID_INPUT);
    await rejectsWith(f.store.campaigns.create({ ...REBOOT, plan: { waves: ["0%"] } }), C.INVALID_INPUT);
    await rejectsWith(
      f.store.campaigns.create({
        ...REBOOT,
        plan: { windows: [{ days: [1], start: "09:00", end: "17:00", timeZone: "Mars/Base" }] },
      }),
      C.INVALID_INPUT,
    );
    const page = await f.store.campaigns.list();
    assert.deepEqual(
      page.items.map((x) => x.id),
      [c.id],
    );
  });

  it("moves through its lifecycle and refuses an illegal move", async (f) => {
    const c = await f.store.campaigns.create(REBOOT);
    f.clock.advance(1000);
    const running = await f.store.campaigns.transition(c.id, CampaignState.Running, { deviceCount: 3, waveCount: 2 });
    assert.equal(running.startedAt, f.clock.now());
    assert.equal(running.deviceCount, 3);
    assert.equal(running.waveCount, 2);
    await rejectsWith(f.store.campaigns.transition(c.id, CampaignState.Draft), C.CAMPAIGN_ILLEGAL_TRANSITION);
    await f.store.campaigns.transition(c.id, CampaignState.Paused);
    const resumed = await f.store.campaigns.transition(c.id, CampaignState.Running);
    assert.equal(resumed.startedAt, running.startedAt, "a resume keeps the start time");
    const moved = await f.store.campaigns.updateProgress(c.id, { currentWave: 1, currentRate: 12.5 });
    assert.equal(moved.currentWave, 1);
    assert.equal(moved.currentRate, 12.5);
    const halted = await f.store.campaigns.transition(c.id, CampaignState.Halted, { reason: "too many failures" });
    assert.equal(halted.reason, "too many failures");
    assert.equal(halted.endedAt, f.clock.now());
    await rejectsWith(f.store.campaigns.transition(c.id, CampaignState.Running), C.CAMPAIGN_ILLEGAL_TRANSITION);
    await rejectsWith(f.store.campaigns.transition("nope", CampaignState.Running), C.CAMPAIGN_NOT_FOUND);
    const halts = await f.store.campaigns.list({ states: [CampaignState.Halted] });
    assert.equal(halts.items.length, 1);
    assert.equal((await f.store.campaigns.list({ states: [CampaignState.Running] })).items.length, 0);
  });

  it("keeps resolved devices once, follows their progress, lists and counts them per wave, across a restart", async (f) => {
    for (const id of ["d1", "d2", "d3", "d4"]) await f.store.devices.create({ id });
    const c = await f.store.campaigns.create(REBOOT);
    const rows = [
      { deviceId: "d1", wave: 0 },
      { deviceId: "d2", wave: 1 },
      { deviceId: "d3", wave: 1 },
      { deviceId: "ghost", wave: 1 },
    ];
    assert.equal(await f.store.campaigns.addDevices(c.id, rows), 3, "an unknown device is skipped");
    assert.equal(await f.store.campaigns.addDevices(c.id, rows), 0, "added once");
    await f.store.campaigns.updateDevices(c.id, [
      { deviceId: "d1", state: "done", step: 1, commandIds: ["c1"] },
      { deviceId: "d2", state: "waking", wakes: 1, wokenAt: 5, dueAt: 10, commandIds: ["c2"] },
      { deviceId: "d3", state: "failed", reason: "step 1 (EXEC) failed with status 500" },
      { deviceId: "d4", state: "done" },
    ]);
    await rejectsWith(f.store.campaigns.updateDevices("nope", []), C.CAMPAIGN_NOT_FOUND);
    const store = await f.reopen();
    const all = await store.campaigns.listDevices(c.id);
    assert.deepEqual(
      all.items.map((d) => [d.deviceId, d.wave, d.state]),
      [
        ["d1", 0, "done"],
        ["d2", 1, "waking"],
        ["d3", 1, "failed"],
      ],
    );
    const d2 = all.items[1];
    assert.deepEqual([d2?.wakes, d2?.wokenAt, d2?.dueAt, d2?.commandIds], [1, 5, 10, ["c2"]]);
    assert.equal(all.items[2]?.reason, "step 1 (EXEC) failed with status 500");
    const wave1 = await store.campaigns.listDevices(c.id, { wave: 1, states: ["waking", "failed"], limit: 1 });
    assert.deepEqual(
      wave1.items.map((d) => d.deviceId),
      ["d2"],
    );
    assert.ok(wave1.nextCursor !== null);
    const next = await store.campaigns.listDevices(c.id, {
      wave: 1,
      states: ["waking", "failed"],
      cursor: wave1.nextCursor,
    });
    assert.deepEqual(
      next.items.map((d) => d.deviceId),
      ["d3"],
    );
    assert.deepEqual(
      (await store.campaigns.listDevices(c.id, { maxWave: 0 })).items.map((d) => d.deviceId),
      ["d1"],
    );
    const counts = await store.campaigns.counts(c.id);
    assert.equal(counts.length, 2);
    assert.equal(counts[0]?.size, 1);
    assert.equal(counts[0].counts.done, 1);
    assert.equal(counts[1]?.size, 2);
    assert.deepEqual([counts[1].counts.waking, counts[1].counts.failed, counts[1].counts.pending], [1, 1, 0]);
    await store.devices.delete("d1");
    assert.equal((await store.campaigns.counts(c.id))[0]?.size ?? 0, 0, "a deleted device leaves its campaigns");
  });
}
