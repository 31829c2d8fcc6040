// What every store checks of campaigns before it changes anything (docs/campaigns.md), the campaign lifecycle
// (draft → running ⇄ paused → halted | cancelled | completed) and the plan's defaults, so that memory and SQL
// cannot drift apart. The steps' commands are checked by the caller (campaigns/campaign-service.ts): the store
// keeps them as JSON.
import { ServerError, ServerErrorCode } from "../errors.js";
import { checkGroupId, filterOrThrow } from "./group-rules.js";
import { formatFilter } from "../selection/filter-ast.js";
import { invalid, jsonRoundTrip, requireOneOf, requireText } from "./rules.js";
import {
  CAMPAIGN_DEVICE_STATES,
  CampaignKind,
  CampaignState,
  type CampaignDeviceState,
  type CampaignStep,
  type CampaignTarget,
  type NewCampaign,
  type RolloutPlan,
  type TimeWindow,
  type WaveCounts,
} from "./types-campaign.js";

export const CAMPAIGN_NAME_MAX = 200;
export const CAMPAIGN_STEPS_MAX = 32;
export const CAMPAIGN_WAVES_MAX = 100;

export const DEFAULT_PLAN: RolloutPlan = {
  waves: [],
  successThreshold: 1,
  errorThreshold: 0.2,
  stepTimeoutMs: 600_000,
  maxInFlight: 100,
  windows: [],
  ratePerMinute: null,
  rateGrowth: 1,
  wakeTimeoutMs: 30_000,
  maxWakes: 3,
  retryLimit: 0,
  retryBackoffMs: 60_000,
};

/** Which state may follow which. */
const NEXT: Readonly<Record<CampaignState, readonly CampaignState[]>> = {
  draft: [CampaignState.Running, CampaignState.Cancelled],
  running: [CampaignState.Paused, CampaignState.Halted, CampaignState.Cancelled, CampaignState.Completed],
  paused: [CampaignState.Running, CampaignState.Cancelled],
  halted: [CampaignState.Cancelled],
  cancelled: [],
  completed: [],
};

export const FINAL_CAMPAIGN_STATES: readonly CampaignState[] = [
  CampaignState.Halted,
  CampaignState.Cancelled,
  CampaignState.Completed,
];

export function checkCampaignTransition(id: string, from: CampaignState, to: CampaignState): void {
  if (!NEXT[from].includes(to)) {
    throw new ServerError(
      ServerErrorCode.CAMPAIGN_ILLEGAL_TRANSITION,
      `campaign ${id} is ${from}: it cannot become ${to}`,
      {
        extensions: { state: from },
      },
    );
  }
}

export function campaignNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.CAMPAIGN_NOT_FOUND, `no campaign ${id}`);
}

function fraction(value: unknown, what: string): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) throw invalid(`${what} must be a number from 0 to 1`);
  return value;
}

function positiveInt(value: unknown, what: string, min = 1, max = 2 ** 31 - 1): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

const HOUR_MINUTE = /^([01]\d|2[0-3]):[0-5]\d$/;

function checkWindow(w: TimeWindow, i: number): TimeWindow {
  const what = `plan.windows[${i}]`;
  const raw: unknown = w; // from the network: checked as unknown
  if (typeof raw !== "object" || raw === null) throw invalid(`${what} must be an object`);
  if (!Array.isArray(w.days) || w.days.length === 0 || !w.days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6)) {
    throw invalid(`${what}.days must list days 0 (Sunday) to 6`);
  }
  for (const key of ["start", "end"] as const) {
    if (typeof w[key] !== "string" || !HOUR_MINUTE.test(w[key])) throw invalid(`${what}.${key} must be HH:MM`);
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: requireText(w.timeZone, `${what}.timeZone`) });
  } catch {
    throw invalid(`${what}.timeZone ${JSON.stringify(w.timeZone)} is not an IANA time zone`);
  }
  return { days: [...new Set(w.days)].sort(), start: w.start, end: w.end, timeZone: w.timeZone };
}

const PERCENT = /^(\d{1,3}(\.\d+)?)%$/;

function checkWave(w: unknown, i: number): number | string {
  if (typeof w === "number") return positiveInt(w, `plan.waves[${i}]`);
  const m = typeof w === "string" ? PERCENT.exec(w) : null;
  if (m === null || Number(m[1]) <= 0 || Number(m[1]) > 100) {
    throw invalid(`plan.waves[${i}] must be a device count or a percentage such as "10%"`);
  }
  return w as string;
}

export function checkPlan(plan: Partial<RolloutPlan> | undefined): RolloutPlan {
  const p = { ...DEFAULT_PLAN, ...(plan ?? {}) };
  if (!Array.isArray(p.waves) || p.waves.length > CAMPAIGN_WAVES_MAX) {
    throw invalid(`plan.waves must be an array of at most ${CAMPAIGN_WAVES_MAX} sizes`);
  }
  if (!Array.isArray(p.windows) || p.windows.length > 16) throw invalid("plan.windows must be at most 16 windows");
  const rate = p.ratePerMinute;
  if (rate !== null && (typeof rate !== "number" || !(rate > 0 && rate <= 1e7))) {
    throw invalid("plan.ratePerMinute must be a positive number or null");
  }
  if (typeof p.rateGrowth !== "number" || !(p.rateGrowth >= 1 && p.rateGrowth <= 100)) {
    throw invalid("plan.rateGrowth must be a number from 1 to 100");
  }
  return {
    waves: p.waves.map(checkWave),
    successThreshold: fraction(p.successThreshold, "plan.successThreshold"),
    errorThreshold: fraction(p.errorThreshold, "plan.errorThreshold"),
    stepTimeoutMs: positiveInt(p.stepTimeoutMs, "plan.stepTimeoutMs", 100),
    maxInFlight: positiveInt(p.maxInFlight, "plan.maxInFlight", 1, 100_000),
    windows: p.windows.map(checkWindow),
    ratePerMinute: rate,
    rateGrowth: p.rateGrowth,
    wakeTimeoutMs: positiveInt(p.wakeTimeoutMs, "plan.wakeTimeoutMs", 100),
    maxWakes: positiveInt(p.maxWakes, "plan.maxWakes", 1, 100),
    retryLimit: positiveInt(p.retryLimit, "plan.retryLimit", 0, 100),
    retryBackoffMs: positiveInt(p.retryBackoffMs, "plan.retryBackoffMs", 0),
  };
}

function checkTarget(target: CampaignTarget | undefined): CampaignTarget {
  const raw: unknown = target; // from the network: checked as unknown
  if (typeof raw !== "object" || raw === null) throw invalid("target must name a group or a filter");
  const { group, filter } = raw as CampaignTarget;
  if ((group === undefined) === (filter === undefined)) throw invalid("target must name exactly one of group, filter");
  if (group !== undefined) return { group: checkGroupId(group) };
  if (typeof filter !== "string") throw invalid("target.filter must be a string");
  return { filter: formatFilter(filterOrThrow(filter)) };
}

function checkSteps(steps: readonly CampaignStep[] | undefined, kind: CampaignKind): readonly CampaignStep[] {
  if (!Array.isArray(steps) || steps.length > CAMPAIGN_STEPS_MAX) {
    throw invalid(`steps must be an array of at most ${CAMPAIGN_STEPS_MAX} steps`);
  }
  if (kind === CampaignKind.Campaign && steps.length === 0) throw invalid("a campaign needs at least one step");
  if (kind === CampaignKind.Wake && steps.length > 0) throw invalid("a bulk wake has no steps");
  return steps.map((s: unknown, i) => {
    const step = (typeof s === "object" && s !== null ? s : {}) as {
      readonly command?: unknown;
      readonly name?: unknown;
    };
    const raw = step.command;
    const first: unknown = Array.isArray(raw) ? raw[0] : undefined;
    if (typeof first !== "string") {
      throw invalid(`steps[${i}].command must be a command in the array form, its name first`);
    }
    const command = jsonRoundTrip(raw, `steps[${i}].command`) as CampaignStep["command"];
    const name = step.name === undefined ? first : requireText(step.name, `steps[${i}].name`);
    return { command, name };
  });
}

export interface CheckedCampaign {
  readonly name: string;
  readonly kind: CampaignKind;
  readonly target: CampaignTarget;
  readonly steps: readonly CampaignStep[];
  readonly plan: RolloutPlan;
}

export function checkNewCampaign(input: NewCampaign): CheckedCampaign {
  const name = requireText(input.name, "name");
  if (name.length > CAMPAIGN_NAME_MAX) throw invalid(`name must be at most ${CAMPAIGN_NAME_MAX} characters`);
  const kind = requireOneOf(input.kind ?? CampaignKind.Campaign, Object.values(CampaignKind), "kind");
  return {
    name,
    kind,
    target: checkTarget(input.target),
    steps: checkSteps(input.steps, kind),
    plan: checkPlan(input.plan),
  };
}

/** Counts of every state at zero. */
export function emptyCounts(): Record<CampaignDeviceState, number> {
  return Object.fromEntries(CAMPAIGN_DEVICE_STATES.map((s) => [s, 0])) as Record<CampaignDeviceState, number>;
}

/** Rows (wave, state, n) → one WaveCounts per wave 0…max. */
export function toWaveCounts(rows: Iterable<{ wave: number; state: string; n: number }>): WaveCounts[] {
  const waves: { wave: number; size: number; counts: Record<CampaignDeviceState, number> }[] = [];
  for (const r of rows) {
    while (waves.length <= r.wave) waves.push({ wave: waves.length, size: 0, counts: emptyCounts() });
    const w = waves[r.wave];
    if (w === undefined) continue;
    w.size += r.n;
    w.counts[r.state as CampaignDeviceState] += r.n;
  }
  return waves;
}

export function checkDeviceRows(rows: readonly { readonly deviceId: string; readonly wave: number }[]): void {
  const list: unknown = rows; // from the network
  if (!Array.isArray(list) || rows.length > 10_000) throw invalid("at most 10 000 devices per call");
  for (const r of rows) {
    requireText(r.deviceId, "deviceId");
    positiveInt(r.wave, "wave", 0, CAMPAIGN_WAVES_MAX);
  }
}
