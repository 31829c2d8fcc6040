// Campaign events on the server's event bus (docs/observability.md kinds, docs/campaigns.md "Events"): the
// campaign's state, each device's state, each wave started. Published after the store change they report
// committed (ARCHITECTURE.md invariant 19), by the node that made it.
import type { NewServerEvent } from "../events/event-types.js";
import type { Campaign, CampaignDevice, CampaignDevicePatch } from "../store/types-campaign.js";

export const CampaignEventKind = {
  State: "campaign.state",
  Device: "campaign.device",
  Wave: "campaign.wave",
} as const;

export type Publish = (event: NewServerEvent) => void;

export function campaignStateEvent(c: Campaign, at: number): NewServerEvent {
  return {
    kind: CampaignEventKind.State,
    deviceId: null,
    sessionId: null,
    commandId: null,
    data: { campaignId: c.id, kind: c.kind, state: c.state, reason: c.reason, wave: c.currentWave },
    at,
  };
}

export function waveEvent(c: Campaign, wave: number, at: number): NewServerEvent {
  return {
    kind: CampaignEventKind.Wave,
    deviceId: null,
    sessionId: null,
    commandId: null,
    data: { campaignId: c.id, wave, waves: c.waveCount, rate: c.currentRate },
    at,
  };
}

/** A device event when the patch changes its state (or its step). */
export function deviceEvent(c: Campaign, d: CampaignDevice, p: CampaignDevicePatch, at: number): NewServerEvent | null {
  const state = p.state ?? d.state;
  const step = p.step ?? d.step;
  if (state === d.state && step === d.step) return null;
  return {
    kind: CampaignEventKind.Device,
    deviceId: d.deviceId,
    sessionId: null,
    commandId: null,
    data: {
      campaignId: c.id,
      wave: d.wave,
      state,
      step,
      reason: p.reason === undefined ? d.reason : p.reason,
      attempts: p.attempts ?? d.attempts,
    },
    at,
  };
}
