// Campaign records (docs/campaigns.md): a target resolved to a device list at start, a sequence of command
// steps, a rollout plan (waves, thresholds, time-outs, windows, rate, retries) and the per-device progress the
// driver (campaigns/campaign-driver.ts) keeps in the store, so that a restart, or another node, goes on from it.
import type { JsonValue, Page, PageQuery } from "./types.js";

export const CampaignState = {
  Draft: "draft",
  Running: "running",
  Paused: "paused",
  /** Stopped by the driver: a wave missed its success threshold or passed its error threshold (`reason`). */
  Halted: "halted",
  Cancelled: "cancelled",
  Completed: "completed",
} as const;
export type CampaignState = (typeof CampaignState)[keyof typeof CampaignState];

export const CampaignKind = {
  /** Runs its steps on every device. */
  Campaign: "campaign",
  /** A bulk wake (`POST /api/v1/devices/wake`): no steps, a device is done when it opens a session. */
  Wake: "wake",
} as const;
export type CampaignKind = (typeof CampaignKind)[keyof typeof CampaignKind];

export const CampaignDeviceState = {
  Pending: "pending",
  /** Its commands are queued and a Package#0 was sent; it has not shown up yet. */
  Waking: "waking",
  /** It took the current step's command (sent or accepted); waiting for the result. */
  InSession: "in_session",
  Done: "done",
  Failed: "failed",
  /** It never showed up after every re-wake. */
  Unreachable: "unreachable",
  /** Never started (halted or cancelled campaign). */
  Skipped: "skipped",
} as const;
export type CampaignDeviceState = (typeof CampaignDeviceState)[keyof typeof CampaignDeviceState];

export const CAMPAIGN_DEVICE_STATES = Object.values(CampaignDeviceState);

/** One step: a command in the P2-array form the queue takes (`["EXEC", "urn:…//Ops/Reboot"]`, docs/commands.md). */
export interface CampaignStep {
  readonly command: readonly JsonValue[];
  /** Shown in progress; default the command name. */
  readonly name?: string | undefined;
}

/** Days 0 (Sunday) … 6 and `HH:MM` hours in an IANA time zone; `end` before `start` spans midnight. */
export interface TimeWindow {
  readonly days: readonly number[];
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
}

export interface RolloutPlan {
  /** Wave sizes: device counts or percentages of the target ("10%"); devices beyond them form a last wave. */
  readonly waves: readonly (number | string)[];
  /** Fraction (0–1) of a wave that must be done before the next starts (default 1). */
  readonly successThreshold: number;
  /** Fraction (0–1) of a wave failed or unreachable at which the campaign halts (default 0.2). */
  readonly errorThreshold: number;
  /** A device's step that has not ended after this long fails (default 600 000). */
  readonly stepTimeoutMs: number;
  /** Most devices waking or in session at once (default 100). */
  readonly maxInFlight: number;
  /** No new device starts outside these (none: always). */
  readonly windows: readonly TimeWindow[];
  /** Devices started per minute; null: as fast as the pacer allows. */
  readonly ratePerMinute: number | null;
  /** The rate is multiplied by this after each wave that met its success threshold (default 1). */
  readonly rateGrowth: number;
  /** A device that does not show up within this after its Package#0 is woken again (default 30 000). */
  readonly wakeTimeoutMs: number;
  /** Package#0s sent to one device before it is unreachable (default 3). */
  readonly maxWakes: number;
  /** Times a failed device is tried again (default 0), after `retryBackoffMs` × 2^(attempt-1). */
  readonly retryLimit: number;
  readonly retryBackoffMs: number;
}

/** Which devices: a saved group or a filter (docs/filters.md); resolved once, at start. */
export interface CampaignTarget {
  readonly group?: string | undefined;
  readonly filter?: string | undefined;
}

export interface Campaign {
  readonly id: string;
  readonly name: string;
  readonly kind: CampaignKind;
  readonly state: CampaignState;
  /** Why it halted or was cancelled; null otherwise. */
  readonly reason: string | null;
  readonly target: CampaignTarget;
  readonly steps: readonly CampaignStep[];
  readonly plan: RolloutPlan;
  /** Devices resolved at start (0 before). */
  readonly deviceCount: number;
  readonly waveCount: number;
  /** 0-based wave now running (the driver's place). */
  readonly currentWave: number;
  /** Devices per minute now (grows by `rateGrowth`); null: paced only. */
  readonly currentRate: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
}

export interface NewCampaign {
  readonly name: string;
  readonly kind?: CampaignKind | undefined;
  readonly target: CampaignTarget;
  readonly steps: readonly CampaignStep[];
  readonly plan?: Partial<RolloutPlan> | undefined;
}

/** What the driver moves as it goes (never the spec). */
export interface CampaignProgressPatch {
  readonly currentWave?: number;
  readonly currentRate?: number | null;
}

export interface CampaignTransition {
  readonly reason?: string | null | undefined;
  /** Resolution at start: how many devices in how many waves. */
  readonly deviceCount?: number | undefined;
  readonly waveCount?: number | undefined;
}

export interface CampaignDevice {
  readonly campaignId: string;
  readonly deviceId: string;
  readonly wave: number;
  readonly state: CampaignDeviceState;
  /** Steps completed (the step reached is `step`, 0-based). */
  readonly step: number;
  readonly reason: string | null;
  /** Retries used. */
  readonly attempts: number;
  /** Package#0s sent in this attempt. */
  readonly wakes: number;
  /** The queued command of each step (null: not queued yet). */
  readonly commandIds: readonly (string | null)[];
  /** When it was last woken (a wake campaign's device is done at a contact after this). */
  readonly wokenAt: number | null;
  /** When the driver next looks at it by time: wake time-out, step time-out, retry back-off. */
  readonly dueAt: number | null;
  readonly updatedAt: number;
}

export interface CampaignDevicePatch {
  readonly deviceId: string;
  readonly state?: CampaignDeviceState;
  readonly step?: number;
  readonly reason?: string | null;
  readonly attempts?: number;
  readonly wakes?: number;
  readonly commandIds?: readonly (string | null)[];
  readonly wokenAt?: number | null;
  readonly dueAt?: number | null;
}

export interface CampaignDeviceQuery extends PageQuery {
  readonly states?: readonly CampaignDeviceState[] | undefined;
  /** Only this wave. */
  readonly wave?: number | undefined;
  /** Only waves up to this one. */
  readonly maxWave?: number | undefined;
}

export interface CampaignQuery extends PageQuery {
  readonly states?: readonly CampaignState[] | undefined;
}

/** One wave's devices by state. */
export interface WaveCounts {
  readonly wave: number;
  readonly size: number;
  readonly counts: Readonly<Record<CampaignDeviceState, number>>;
}

export interface CampaignStore {
  /** A draft. INVALID_INPUT, FILTER_INVALID. */
  create(input: NewCampaign): Promise<Campaign>;
  get(id: string): Promise<Campaign | null>;
  /** Ordered by id. */
  list(query?: CampaignQuery): Promise<Page<Campaign>>;
  /**
   * Moves the campaign to `to` (campaign-rules.ts): CAMPAIGN_NOT_FOUND, CAMPAIGN_ILLEGAL_TRANSITION. Leaving
   * draft stamps `startedAt`; a final state stamps `endedAt`.
   */
  transition(id: string, to: CampaignState, options?: CampaignTransition): Promise<Campaign>;
  /** CAMPAIGN_NOT_FOUND. */
  updateProgress(id: string, patch: CampaignProgressPatch): Promise<Campaign>;
  /** Adds resolved devices (`pending`); a device already there is kept as it is. Returns how many were added. */
  addDevices(id: string, rows: readonly { readonly deviceId: string; readonly wave: number }[]): Promise<number>;
  /** Changes devices of the campaign in one transaction; an unknown device is skipped. */
  updateDevices(id: string, patches: readonly CampaignDevicePatch[]): Promise<void>;
  /** Ordered by device id. */
  listDevices(id: string, query?: CampaignDeviceQuery): Promise<Page<CampaignDevice>>;
  /** Per wave, by state (every wave up to the last with a device). */
  counts(id: string): Promise<readonly WaveCounts[]>;
}
