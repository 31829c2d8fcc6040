// device-progress.ts: a device in session whose EXEC was answered 202 waits for its alert; when that EXEC was
// accepted before this node took the campaign over (a restart cut the session), the device is woken again after
// wakeTimeoutMs, at most maxWakes times, and the command is never sent again (docs/delivery.md).
import assert from "node:assert/strict";
import { test } from "node:test";
import { progressOf } from "../src/campaigns/device-progress.js";
import { CommandState, type Command } from "../src/store/types.js";
import {
  CampaignDeviceState,
  CampaignKind,
  CampaignState,
  type Campaign,
  type CampaignDevice,
} from "../src/store/types-campaign.js";

const plan = {
  waves: [],
  successThreshold: 1,
  errorThreshold: 0.2,
  stepTimeoutMs: 600_000,
  maxInFlight: 10,
  windows: [],
  ratePerMinute: null,
  rateGrowth: 1,
  wakeTimeoutMs: 1000,
  maxWakes: 2,
  retryLimit: 0,
  retryBackoffMs: 0,
};
const campaign: Campaign = {
  id: "c1",
  name: "reboot",
  kind: CampaignKind.Campaign,
  state: CampaignState.Running,
  reason: null,
  target: { filter: "label:x=y" },
  steps: [{ command: ["EXEC", "urn:x//Ops/Reboot"] }],
  plan,
  deviceCount: 1,
  waveCount: 1,
  currentWave: 0,
  currentRate: null,
  createdAt: 0,
  updatedAt: 0,
  startedAt: 0,
  endedAt: null,
};
const device: CampaignDevice = {
  campaignId: "c1",
  deviceId: "d1",
  wave: 0,
  state: CampaignDeviceState.InSession,
  step: 0,
  reason: null,
  attempts: 0,
  wakes: 1,
  commandIds: ["k1"],
  wokenAt: 100,
  dueAt: null,
  updatedAt: 200,
};
const exec = (updatedAt: number): Command => ({
  id: "k1",
  deviceId: "d1",
  name: "EXEC",
  params: ["urn:x//Ops/Reboot"],
  idempotencyKey: null,
  state: CommandState.Accepted,
  createdAt: 100,
  updatedAt,
  expiresAt: null,
  sentAt: 150,
  completedAt: null,
  attempts: 1,
  delivery: "at-most-once",
  maxDeliveries: 1,
  reason: null,
  sessionId: "s1",
  packageNo: 2,
  position: 1,
  statusCode: 202,
  result: null,
  correlation: { sourceUri: "urn:x//Ops/Reboot" },
});
const look = (c: Command) => ({ command: () => Promise.resolve(c), device: () => Promise.resolve(null) });

test("progress: an EXEC accepted under this node waits for its alert, however long (up to the step time-out)", async () => {
  const action = await progressOf(campaign, device, 50_000, look(exec(200)), 100);
  assert.deepEqual(action, { patch: null });
});

test("progress: an EXEC accepted before the take-over: woken again after wakeTimeoutMs, at most maxWakes times", async () => {
  const before = exec(200);
  const takenAt = 10_000;
  assert.deepEqual(await progressOf(campaign, device, takenAt + 999, look(before), takenAt), { patch: null });
  const woken = await progressOf(campaign, device, takenAt + 1000, look(before), takenAt);
  assert.equal(woken.wake, true);
  assert.deepEqual(woken.patch, { deviceId: "d1", wakes: 2, wokenAt: takenAt + 1000 });
  assert.equal(woken.enqueueFrom, undefined, "the EXEC is never sent again");
  assert.equal(woken.cancel, undefined);
  // The next wake-up waits wakeTimeoutMs after this one; at maxWakes the device just waits for its alert.
  const again = { ...device, wakes: 2, wokenAt: takenAt + 1000 };
  assert.deepEqual(await progressOf(campaign, again, takenAt + 1500, look(before), takenAt), { patch: null });
  assert.deepEqual(await progressOf(campaign, again, takenAt + 5000, look(before), takenAt), { patch: null });
  // The step time-out still ends it.
  const late = await progressOf(campaign, again, 200 + plan.stepTimeoutMs, look(before), takenAt);
  assert.equal(late.patch?.state, CampaignDeviceState.Failed);
  assert.match(late.patch.reason ?? "", /timed out/);
});
