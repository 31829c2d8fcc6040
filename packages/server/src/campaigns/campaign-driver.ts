// One pass of the campaign driver over one campaign (docs/campaigns.md "How the driver works"). Everything it
// knows is in the store, so a pass can run on any node, after any restart (the runner makes sure only one node
// drives a campaign at a time, campaign-runner.ts):
//   1. each started device (waking, in session) is moved on by what its step commands say (device-progress.ts);
//   2. while running and inside a time window, pending devices of the waves reached so far start, as many as
//      the plan's max in flight, its rate and the wake pacer (pacer.ts) allow: their steps are queued (up to
//      the next EXEC) and a Package#0 sent;
//   3. the current wave is judged: over the error threshold → halted with the reason; finished → the next wave
//      (the rate grown) if it met the success threshold, else halted; the last one finished → completed.
import type { CommandService } from "../services/command-service.js";
import type { Notifier } from "../notifier/notifier.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import {
  CampaignDeviceState as S,
  CampaignState,
  type Campaign,
  type CampaignDevice,
  type CampaignDeviceState,
  type CampaignDevicePatch,
  type CampaignDeviceQuery,
} from "../store/types-campaign.js";
import { campaignStateEvent, deviceEvent, waveEvent, type Publish } from "./campaign-events.js";
import { batchEnd, failure, progressOf, type DeviceAction } from "./device-progress.js";
import type { WakePacer } from "./pacer.js";
import { insideWindows } from "./time-window.js";

export interface CampaignDriverDeps {
  readonly store: Store;
  readonly commands: Pick<CommandService, "enqueueMany">;
  readonly notifier: Pick<Notifier, "wake"> | null;
  readonly pacer: WakePacer;
  readonly clock: Clock;
  readonly publish: Publish;
  readonly logger?: { warn(details: object, message: string): void } | undefined;
}

/** Devices per minute, kept per campaign on the driving node (a rate, not progress: nothing to persist). */
export interface RateBucket {
  /** How many may start now (Infinity without a rate). */
  available(rate: number | null, now: number): number;
  spend(n: number): void;
}

export function createRateBucket(): RateBucket {
  let tokens = 1;
  let at: number | null = null;
  return {
    available(rate, now) {
      if (rate === null) return Number.POSITIVE_INFINITY;
      const cap = Math.max(1, rate / 30);
      tokens = Math.min(cap, tokens + (at === null ? 0 : ((now - at) * rate) / 60_000));
      at = now;
      return Math.floor(tokens);
    },
    spend(n) {
      tokens -= n;
    },
  };
}

const IN_FLIGHT: readonly CampaignDeviceState[] = [S.Waking, S.InSession];
const OPEN: readonly CampaignDeviceState[] = [S.Pending, S.Waking, S.InSession];
const PAGE = 1000;
const WAKES_AT_ONCE = 64;

export interface CampaignDriver {
  /** One pass; returns the campaign as it is after it. `takenAt`: when this node took the campaign over. */
  pass(campaign: Campaign, rate: RateBucket, takenAt?: number): Promise<Campaign>;
  /** Ends a halted or cancelled campaign's open devices: `skipped` with the reason, their commands cancelled. */
  windDown(campaign: Campaign, reason: string): Promise<void>;
  /** Moves the campaign to `to` and publishes it. */
  transition(campaign: Campaign, to: CampaignState, reason?: string): Promise<Campaign>;
}

export function createCampaignDriver(deps: CampaignDriverDeps): CampaignDriver {
  const { store, clock, publish } = deps;
  const look = { command: (id: string) => store.commands.get(id), device: (id: string) => store.devices.get(id) };

  async function listAll(id: string, query: CampaignDeviceQuery): Promise<CampaignDevice[]> {
    const out: CampaignDevice[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.campaigns.listDevices(id, { ...query, limit: PAGE, ...(cursor && { cursor }) });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return out;
  }

  async function apply(c: Campaign, devices: ReadonlyMap<string, CampaignDevice>, patches: CampaignDevicePatch[]) {
    if (patches.length === 0) return;
    for (let i = 0; i < patches.length; i += PAGE)
      await store.campaigns.updateDevices(c.id, patches.slice(i, i + PAGE));
    const at = clock.now();
    for (const p of patches) {
      const d = devices.get(p.deviceId);
      const e = d === undefined ? null : deviceEvent(c, d, p, at);
      if (e !== null) publish(e);
    }
  }

  async function cancelAll(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      // A command that ended meanwhile cannot be cancelled: nothing to do.
      await store.commands.cancel(id).catch(() => undefined);
    }
  }

  async function wakeAll(c: Campaign, ids: readonly string[]): Promise<void> {
    const notifier = deps.notifier;
    if (notifier === null) return;
    for (let i = 0; i < ids.length; i += WAKES_AT_ONCE) {
      await Promise.all(
        ids.slice(i, i + WAKES_AT_ONCE).map((id) =>
          notifier.wake(id, { reason: `campaign ${c.id}` }).catch((error: unknown) => {
            // Counted as a wake all the same: after plan.maxWakes the device is unreachable.
            deps.logger?.warn({ err: error, deviceId: id, campaignId: c.id }, "campaign wake-up failed");
          }),
        ),
      );
    }
  }

  /** Queues each device's steps from `from` through the next EXEC; fills in the patch's commandIds and dueAt. */
  async function queueSteps(c: Campaign, starts: { d: CampaignDevice; from: number; patch: CampaignDevicePatch }[]) {
    const now = clock.now();
    const out: CampaignDevicePatch[] = [];
    for (let i = 0; i < starts.length; i += 100) {
      const part = starts.slice(i, i + 100);
      const requests = part.flatMap(({ d, from }) =>
        c.steps.slice(from, batchEnd(c, from)).map((step, k) => ({
          deviceId: d.deviceId,
          command: step.command,
          idempotencyKey: `campaign:${c.id}:${from + k}:${d.attempts}`,
        })),
      );
      const results = await deps.commands.enqueueMany(requests);
      let r = 0;
      for (const { d, from, patch } of part) {
        const ids = [...d.commandIds.slice(0, from)];
        let refused: string | null = null;
        for (let k = from; k < batchEnd(c, from); k++) {
          const result = results[r++];
          if (result === undefined || "error" in result) {
            refused ??= `step ${k + 1} could not be queued: ${result === undefined ? "no result" : result.error.message}`;
            ids.push(null);
          } else ids.push(result.command.id);
        }
        if (refused !== null) {
          const failed = failure(c, { ...d, commandIds: ids }, from, refused, now).patch;
          if (failed !== null) out.push(failed);
          continue;
        }
        out.push({ ...patch, commandIds: ids, dueAt: now + c.plan.wakeTimeoutMs });
      }
    }
    return out;
  }

  async function transition(c: Campaign, to: CampaignState, reason?: string): Promise<Campaign> {
    const next = await store.campaigns.transition(c.id, to, reason === undefined ? {} : { reason });
    publish(campaignStateEvent(next, clock.now()));
    return next;
  }

  async function windDown(c: Campaign, reason: string): Promise<void> {
    for (;;) {
      const page = await store.campaigns.listDevices(c.id, { states: OPEN, limit: PAGE });
      if (page.items.length === 0) return;
      await cancelAll(page.items.flatMap((d) => d.commandIds.slice(d.step).filter((id): id is string => id !== null)));
      const map = new Map(page.items.map((d) => [d.deviceId, d]));
      await apply(
        c,
        map,
        page.items.map((d) => ({ deviceId: d.deviceId, state: S.Skipped, reason, dueAt: null })),
      );
    }
  }

  /** Step 1: the started devices. Returns how many are still waking and in flight. */
  async function follow(c: Campaign, now: number, takenAt: number): Promise<{ waking: number; inFlight: number }> {
    const started = await listAll(c.id, { states: IN_FLIGHT });
    const map = new Map(started.map((d) => [d.deviceId, d]));
    const patches: CampaignDevicePatch[] = [];
    const wakes: string[] = [];
    const cancels: string[] = [];
    const next: { d: CampaignDevice; from: number; patch: CampaignDevicePatch }[] = [];
    for (const d of started) {
      const action: DeviceAction = await progressOf(c, d, now, look, takenAt);
      if (action.enqueueFrom !== undefined && action.patch !== null) {
        next.push({ d, from: action.enqueueFrom, patch: action.patch });
        continue;
      }
      if (action.patch !== null) patches.push(action.patch);
      if (action.wake === true) wakes.push(d.deviceId);
      cancels.push(...(action.cancel ?? []));
    }
    const queued = await queueSteps(c, next);
    patches.push(...queued);
    await apply(c, map, patches);
    await cancelAll(cancels);
    await wakeAll(c, [...wakes, ...queued.filter((p) => p.state === S.Waking).map((p) => p.deviceId)]);
    let waking = 0;
    let inFlight = 0;
    for (const d of started) {
      const state = patches.find((p) => p.deviceId === d.deviceId)?.state ?? d.state;
      if (state === S.Waking) waking++;
      if (IN_FLIGHT.includes(state)) inFlight++;
    }
    return { waking, inFlight };
  }

  /** Step 2: new devices, as many as every limit allows. */
  async function startMore(c: Campaign, now: number, flight: { waking: number; inFlight: number }, rate: RateBucket) {
    const want = Math.min(c.plan.maxInFlight - flight.inFlight, rate.available(c.currentRate, now), PAGE);
    if (want <= 0) return;
    const n = deps.pacer.grant(want, flight.waking);
    if (n <= 0) return;
    const page = await store.campaigns.listDevices(c.id, {
      states: [S.Pending],
      maxWave: c.currentWave,
      limit: Math.min(PAGE, n * 4 + 16),
    });
    const ready = page.items.filter((d) => d.dueAt === null || d.dueAt <= now).slice(0, n);
    if (ready.length === 0) return;
    rate.spend(ready.length);
    const map = new Map(ready.map((d) => [d.deviceId, d]));
    const waking = (d: CampaignDevice): CampaignDevicePatch => ({
      deviceId: d.deviceId,
      state: S.Waking,
      wakes: 1,
      wokenAt: now,
      dueAt: now + c.plan.wakeTimeoutMs,
    });
    const patches =
      c.steps.length === 0
        ? ready.map(waking)
        : await queueSteps(
            c,
            ready.map((d) => ({ d, from: d.step, patch: waking(d) })),
          );
    await apply(c, map, patches);
    await wakeAll(
      c,
      patches.filter((p) => p.state === S.Waking).map((p) => p.deviceId),
    );
  }

  /** Open devices skipped first, so that whoever sees the campaign halted sees its final counts. */
  async function halt(c: Campaign, reason: string): Promise<Campaign> {
    await windDown(c, "campaign halted");
    return transition(c, CampaignState.Halted, reason);
  }

  /** Step 3: judge the current wave. */
  async function judge(c: Campaign): Promise<Campaign> {
    const counts = await store.campaigns.counts(c.id);
    const w = counts[c.currentWave];
    if (w === undefined || w.size === 0) return transition(c, CampaignState.Completed);
    const bad = w.counts.failed + w.counts.unreachable;
    const label = `wave ${c.currentWave + 1} of ${c.waveCount}`;
    if (bad > 0 && bad >= c.plan.errorThreshold * w.size) {
      const reason =
        `${label}: ${bad} of ${w.size} devices failed or unreachable, at or over the error threshold ` +
        `(${Math.round(c.plan.errorThreshold * 100)}%)`;
      return halt(c, reason);
    }
    if (w.counts.pending + w.counts.waking + w.counts.in_session > 0) return c;
    if (w.counts.done < c.plan.successThreshold * w.size - 1e-9) {
      const reason =
        `${label}: ${w.counts.done} of ${w.size} devices done, under the success threshold ` +
        `(${Math.round(c.plan.successThreshold * 100)}%)`;
      return halt(c, reason);
    }
    if (c.currentWave + 1 >= c.waveCount) return transition(c, CampaignState.Completed);
    const rate = c.currentRate === null ? null : c.currentRate * c.plan.rateGrowth;
    const next = await store.campaigns.updateProgress(c.id, { currentWave: c.currentWave + 1, currentRate: rate });
    publish(waveEvent(next, next.currentWave, clock.now()));
    return next;
  }

  return {
    async pass(campaign, rate, takenAt = Number.NEGATIVE_INFINITY) {
      const now = clock.now();
      const flight = await follow(campaign, now, takenAt);
      if (campaign.state !== CampaignState.Running) return campaign;
      if (insideWindows(campaign.plan.windows, now)) await startMore(campaign, now, flight, rate);
      return judge(campaign);
    },
    windDown,
    transition,
  };
}
