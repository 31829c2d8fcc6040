// Schemas of campaigns and bulk wakes in the REST API (docs/campaigns.md).
import { Type, type Static } from "typebox";
import { FILTER_MAX_LENGTH } from "../selection/filter-parser.js";
import { CAMPAIGN_NAME_MAX, CAMPAIGN_STEPS_MAX, CAMPAIGN_WAVES_MAX } from "../store/campaign-rules.js";
import type { CampaignView as CampaignWithWaves } from "../campaigns/campaign-service.js";
import {
  CAMPAIGN_DEVICE_STATES,
  CampaignKind,
  CampaignState,
  type Campaign,
  type CampaignDevice,
} from "../store/types-campaign.js";
import { iso, isoOrNull, NullableTime, Time } from "./common-schemas.js";

const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Ms = (description: string) => Type.Integer({ minimum: 0, description });

export const TimeWindowSchema = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
      minItems: 1,
      maxItems: 7,
      description: "Days of the week, 0 = Sunday",
    }),
    start: Type.String({ pattern: "^([01]\\d|2[0-3]):[0-5]\\d$", description: "HH:MM local time" }),
    end: Type.String({
      pattern: "^([01]\\d|2[0-3]):[0-5]\\d$",
      description: "HH:MM local time; before `start`: spans midnight",
    }),
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: "IANA time zone, e.g. Europe/Berlin" }),
  },
  { additionalProperties: false },
);

export const PlanSchema = Type.Object(
  {
    waves: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Integer({ minimum: 1 }),
          Type.String({ pattern: "^\\d{1,3}(\\.\\d+)?%$", description: 'A percentage of the target, e.g. "10%"' }),
        ]),
        { maxItems: CAMPAIGN_WAVES_MAX, description: "Wave sizes; devices beyond them form a last wave" },
      ),
    ),
    successThreshold: Type.Optional({ ...Fraction, description: "Share of a wave done before the next starts (1)" }),
    errorThreshold: Type.Optional({
      ...Fraction,
      description: "Share of a wave failed or unreachable that halts (0.2)",
    }),
    stepTimeoutMs: Type.Optional(Ms("A device's step not ended after this long fails (600000)")),
    maxInFlight: Type.Optional(Type.Integer({ minimum: 1, description: "Most devices waking or in session (100)" })),
    windows: Type.Optional(Type.Array(TimeWindowSchema, { maxItems: 16, description: "No new device starts outside" })),
    ratePerMinute: Type.Optional(
      Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { description: "Devices started per minute" }),
    ),
    rateGrowth: Type.Optional(Type.Number({ minimum: 1, maximum: 100, description: "Rate factor after a good wave" })),
    wakeTimeoutMs: Type.Optional(Ms("Woken again when not seen after this long (30000)")),
    maxWakes: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: "Wake-ups before unreachable (3)" })),
    retryLimit: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, description: "Retries of a failed device (0)" }),
    ),
    retryBackoffMs: Type.Optional(Ms("First retry after this; doubles each time (60000)")),
  },
  { additionalProperties: false },
);

export const TargetSchema = Type.Object(
  {
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "A saved group's id" })),
    filter: Type.Optional(Type.String({ minLength: 1, maxLength: FILTER_MAX_LENGTH, description: "A device filter" })),
  },
  { additionalProperties: false, description: "Exactly one of group, filter; resolved to a device list at start" },
);

const StepSchema = Type.Object(
  {
    command: Type.Array(Type.Unknown(), {
      minItems: 1,
      description: 'A command in the P2 array form, e.g. ["EXEC", "urn:…//Ops/Reboot"] (docs/commands.md)',
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const NewCampaignBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: CAMPAIGN_NAME_MAX }),
    target: TargetSchema,
    steps: Type.Array(StepSchema, { minItems: 1, maxItems: CAMPAIGN_STEPS_MAX }),
    plan: Type.Optional(PlanSchema),
    start: Type.Optional(Type.Boolean({ description: "Start at once (default false: a draft)" })),
  },
  { additionalProperties: false },
);

export const BulkWakeBody = Type.Object(
  {
    ...TargetSchema.properties,
    plan: Type.Optional(PlanSchema),
  },
  { additionalProperties: false, description: "Exactly one of group, filter; optional pacing plan" },
);

const Counts = Type.Object(
  Object.fromEntries(CAMPAIGN_DEVICE_STATES.map((s) => [s, Type.Integer({ minimum: 0 })])) as Record<
    (typeof CAMPAIGN_DEVICE_STATES)[number],
    ReturnType<typeof Type.Integer>
  >,
);

export const CampaignViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Enum(Object.values(CampaignKind)),
  state: Type.Enum(Object.values(CampaignState)),
  reason: Type.Union([Type.String(), Type.Null()], { description: "Why it halted or was cancelled" }),
  target: TargetSchema,
  steps: Type.Array(Type.Object({ command: Type.Array(Type.Unknown()), name: Type.String() })),
  plan: Type.Unknown({ description: "The rollout plan with every default filled in" }),
  deviceCount: Type.Integer({ minimum: 0 }),
  waveCount: Type.Integer({ minimum: 0 }),
  currentWave: Type.Integer({ minimum: 0, description: "0-based" }),
  currentRate: Type.Union([Type.Number(), Type.Null()], { description: "Devices per minute now" }),
  createdAt: Time,
  updatedAt: Time,
  startedAt: NullableTime,
  endedAt: NullableTime,
  waves: Type.Optional(
    Type.Array(
      Type.Object({ wave: Type.Integer({ minimum: 0 }), size: Type.Integer({ minimum: 0 }), counts: Counts }),
      { description: "Per wave (0-based), devices by state" },
    ),
  ),
  totals: Type.Optional(Counts),
});
export type CampaignViewSchema = Static<typeof CampaignViewSchema>;

export function campaignView(c: Campaign, withWaves?: CampaignWithWaves["waves"]): CampaignViewSchema {
  const base = {
    ...c,
    target: {
      ...(c.target.group !== undefined && { group: c.target.group }),
      ...(c.target.filter !== undefined && { filter: c.target.filter }),
    },
    steps: c.steps.map((s) => ({
      command: [...s.command],
      name: s.name ?? (typeof s.command[0] === "string" ? s.command[0] : ""),
    })),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    startedAt: isoOrNull(c.startedAt),
    endedAt: isoOrNull(c.endedAt),
  };
  if (withWaves === undefined) return base;
  const totals = Object.fromEntries(CAMPAIGN_DEVICE_STATES.map((s) => [s, 0])) as Record<string, number>;
  for (const w of withWaves) for (const s of CAMPAIGN_DEVICE_STATES) totals[s] = (totals[s] ?? 0) + w.counts[s];
  return { ...base, waves: withWaves.map((w) => ({ ...w, counts: { ...w.counts } })), totals: totals as never };
}

export const CampaignDeviceViewSchema = Type.Object({
  deviceId: Type.String(),
  wave: Type.Integer({ minimum: 0 }),
  state: Type.Enum(CAMPAIGN_DEVICE_STATES),
  step: Type.Integer({ minimum: 0, description: "Steps completed" }),
  reason: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer({ minimum: 0, description: "Retries used" }),
  wakes: Type.Integer({ minimum: 0 }),
  commandIds: Type.Array(Type.Union([Type.String(), Type.Null()])),
  updatedAt: Time,
});

export function campaignDeviceView(d: CampaignDevice): Static<typeof CampaignDeviceViewSchema> {
  return {
    deviceId: d.deviceId,
    wave: d.wave,
    state: d.state,
    step: d.step,
    reason: d.reason,
    attempts: d.attempts,
    wakes: d.wakes,
    commandIds: [...d.commandIds],
    updatedAt: iso(d.updatedAt),
  };
}

export const CampaignIdParams = Type.Object({ campaignId: Type.String({ minLength: 1, maxLength: 64 }) });

export const CampaignDevicesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  state: Type.Optional(Type.Enum(CAMPAIGN_DEVICE_STATES)),
  wave: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const CampaignListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  state: Type.Optional(Type.Enum(Object.values(CampaignState))),
  totals: Type.Optional(
    Type.Boolean({
      description: "Add each campaign's devices counted by state (`totals`); at most 100 a page then",
    }),
  ),
});

/** A page of campaigns with `totals=true` counts each campaign's devices, so its size is bounded lower. */
export const CAMPAIGN_LIST_TOTALS_MAX = 100;
