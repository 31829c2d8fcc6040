// The memory store's campaigns (docs/campaigns.md): the reference the SQL stores are held to. Records are
// replaced, never changed in place, so a transaction's snapshot can put them back.
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously (memory-store.ts). */
import { campaignNotFound, checkCampaignTransition, checkDeviceRows, checkNewCampaign } from "./campaign-rules.js";
import { FINAL_CAMPAIGN_STATES, toWaveCounts } from "./campaign-rules.js";
import { memoryPage, out, type MemoryContext } from "./memory-context.js";
import { CampaignDeviceState, CampaignState, type Campaign, type CampaignStore } from "./types-campaign.js";

const key = (campaignId: string, deviceId: string) => `${campaignId}\u0000${deviceId}`;

export function createMemoryCampaigns(ctx: MemoryContext): CampaignStore {
  const { data } = ctx;
  const requireCampaign = (id: string): Campaign => {
    const c = data.campaigns.get(id);
    if (c === undefined) throw campaignNotFound(id);
    return c;
  };
  const devicesOf = function* (id: string) {
    for (const d of data.campaignDevices.values()) if (d.campaignId === id) yield d;
  };
  return {
    create: async (input) => {
      ctx.check();
      const checked = checkNewCampaign(input);
      const now = ctx.now();
      const campaign: Campaign = {
        id: ctx.newId(),
        ...checked,
        state: CampaignState.Draft,
        reason: null,
        deviceCount: 0,
        waveCount: 0,
        currentWave: 0,
        currentRate: checked.plan.ratePerMinute,
        createdAt: now,
        updatedAt: now,
        startedAt: null,
        endedAt: null,
      };
      data.campaigns.set(campaign.id, campaign);
      return out(campaign);
    },
    get: async (id) => {
      ctx.check();
      const c = data.campaigns.get(id);
      return c === undefined ? null : out(c);
    },
    list: async (query = {}) => {
      ctx.check();
      const states = query.states;
      const rows = [...data.campaigns.values()].filter((c) => states === undefined || states.includes(c.state));
      return memoryPage(rows, query, (c) => [c.id], ["string"]);
    },
    transition: async (id, to, options = {}) => {
      ctx.check();
      const c = requireCampaign(id);
      checkCampaignTransition(id, c.state, to);
      const now = ctx.now();
      const next: Campaign = {
        ...c,
        state: to,
        ...(options.reason !== undefined && { reason: options.reason }),
        ...(options.deviceCount !== undefined && { deviceCount: options.deviceCount }),
        ...(options.waveCount !== undefined && { waveCount: options.waveCount }),
        startedAt: c.startedAt ?? (c.state === CampaignState.Draft ? now : null),
        endedAt: FINAL_CAMPAIGN_STATES.includes(to) ? now : null,
        updatedAt: now,
      };
      data.campaigns.set(id, next);
      return out(next);
    },
    updateProgress: async (id, patch) => {
      ctx.check();
      const c = requireCampaign(id);
      const next: Campaign = { ...c, ...patch, updatedAt: ctx.now() };
      data.campaigns.set(id, next);
      return out(next);
    },
    addDevices: async (id, rows) => {
      ctx.check();
      checkDeviceRows(rows);
      requireCampaign(id);
      const now = ctx.now();
      let added = 0;
      for (const r of rows) {
        if (data.campaignDevices.has(key(id, r.deviceId)) || !data.devices.has(r.deviceId)) continue;
        data.campaignDevices.set(key(id, r.deviceId), {
          campaignId: id,
          deviceId: r.deviceId,
          wave: r.wave,
          state: CampaignDeviceState.Pending,
          step: 0,
          reason: null,
          attempts: 0,
          wakes: 0,
          commandIds: [],
          wokenAt: null,
          dueAt: null,
          updatedAt: now,
        });
        added++;
      }
      return added;
    },
    updateDevices: async (id, patches) => {
      ctx.check();
      requireCampaign(id);
      const now = ctx.now();
      for (const p of patches) {
        const d = data.campaignDevices.get(key(id, p.deviceId));
        if (d === undefined) continue;
        // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the key is not a change
        const { deviceId: _unused, ...changes } = p;
        data.campaignDevices.set(key(id, p.deviceId), { ...d, ...structuredClone(changes), updatedAt: now });
      }
    },
    listDevices: async (id, query = {}) => {
      ctx.check();
      requireCampaign(id);
      const rows = [...devicesOf(id)].filter(
        (d) =>
          (query.states === undefined || query.states.includes(d.state)) &&
          (query.wave === undefined || d.wave === query.wave) &&
          (query.maxWave === undefined || d.wave <= query.maxWave),
      );
      return memoryPage(rows, query, (d) => [d.deviceId], ["string"]);
    },
    counts: async (id) => {
      ctx.check();
      requireCampaign(id);
      const tally = new Map<string, { wave: number; state: string; n: number }>();
      for (const d of devicesOf(id)) {
        const k = `${d.wave}:${d.state}`;
        const row = tally.get(k) ?? { wave: d.wave, state: d.state, n: 0 };
        row.n++;
        tally.set(k, row);
      }
      return toWaveCounts(tally.values());
    },
  };
}
