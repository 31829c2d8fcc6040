// What the REST API asks of campaigns (docs/campaigns.md): create (each step's command checked as a queued one
// would be), start (the target resolved once into a device list split into waves, so that waves stay stable),
// pause, resume, cancel, the view with per-wave counts, and the bulk wake (a campaign without steps).
import { checkOperatorCommand } from "../services/command-input.js";
import { filterOrThrow } from "../store/group-rules.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import type { DeviceSelection } from "../store/types-selection.js";
import {
  CampaignKind,
  CampaignState,
  type Campaign,
  type CampaignTarget,
  type NewCampaign,
  type RolloutPlan,
  type WaveCounts,
} from "../store/types-campaign.js";
import { campaignNotFound } from "../store/campaign-rules.js";
import { campaignStateEvent, type Publish } from "./campaign-events.js";
import type { CampaignDriver } from "./campaign-driver.js";
import { waveOf, waveSizes } from "./waves.js";

export interface CampaignView {
  readonly campaign: Campaign;
  readonly waves: readonly WaveCounts[];
}

export interface CampaignService {
  create(input: NewCampaign): Promise<Campaign>;
  start(id: string): Promise<Campaign>;
  pause(id: string): Promise<Campaign>;
  resume(id: string): Promise<Campaign>;
  cancel(id: string): Promise<Campaign>;
  view(id: string): Promise<CampaignView>;
  /** A bulk wake of the target, paced like a campaign; started at once. */
  wake(target: CampaignTarget, plan?: Partial<RolloutPlan>): Promise<Campaign>;
}

export interface CampaignServiceDeps {
  readonly store: Store;
  readonly driver: CampaignDriver;
  readonly clock: Clock;
  readonly publish: Publish;
  /** Asks the runner for a pass soon (after a start or resume). */
  readonly kick?: (() => void) | undefined;
}

const PAGE = 1000;

function selectionOf(target: CampaignTarget): DeviceSelection {
  return target.group !== undefined ? { group: target.group } : { filter: filterOrThrow(target.filter ?? "") };
}

export function createCampaignService(
  deps: CampaignServiceDeps,
  options: { readonly allowHttp: boolean },
): CampaignService {
  const { store, driver } = deps;
  const require = async (id: string): Promise<Campaign> => {
    const c = await store.campaigns.get(id);
    if (c === null) throw campaignNotFound(id);
    return c;
  };
  const to = async (id: string, state: CampaignState, reason?: string) =>
    driver.transition(await require(id), state, reason);

  async function start(id: string): Promise<Campaign> {
    const c = await require(id);
    if (c.state !== CampaignState.Draft) return driver.transition(c, CampaignState.Running); // refused: not a draft
    const selection = selectionOf(c.target);
    const sizes = waveSizes(c.plan.waves, await store.devices.count(selection));
    // Resolution is repeatable: a start that dies half-way leaves a draft, and devices added twice are kept once.
    let index = 0;
    let added = 0;
    let cursor: string | undefined;
    do {
      const page = await store.devices.list({ ...selection, limit: PAGE, ...(cursor && { cursor }) });
      added += await store.campaigns.addDevices(
        c.id,
        page.items.map((d) => ({ deviceId: d.id, wave: waveOf(sizes, index++) })),
      );
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const started = await store.campaigns.transition(c.id, CampaignState.Running, {
      deviceCount: Math.max(added, index),
      waveCount: sizes.length,
    });
    deps.publish(campaignStateEvent(started, deps.clock.now()));
    deps.kick?.();
    return started;
  }

  async function create(input: NewCampaign): Promise<Campaign> {
    const steps: unknown = input.steps; // from the network: the store checks the shape, this the commands
    for (const step of Array.isArray(steps) ? (steps as readonly { readonly command?: unknown }[]) : []) {
      checkOperatorCommand(step.command, { allowHttp: options.allowHttp });
    }
    const c = await store.campaigns.create(input);
    deps.publish(campaignStateEvent(c, deps.clock.now()));
    return c;
  }

  return {
    create,
    start,
    pause: (id) => to(id, CampaignState.Paused),
    async resume(id) {
      const c = await to(id, CampaignState.Running);
      deps.kick?.();
      return c;
    },
    async cancel(id) {
      const c = await to(id, CampaignState.Cancelled, "cancelled by an operator");
      await driver.windDown(c, "campaign cancelled");
      return c;
    },
    async view(id) {
      const campaign = await require(id);
      return { campaign, waves: await store.campaigns.counts(id) };
    },
    async wake(target, plan = {}) {
      const c = await create({
        name: "bulk wake",
        kind: CampaignKind.Wake,
        target,
        steps: [],
        plan: { maxInFlight: 1000, successThreshold: 0, errorThreshold: 1, ...plan },
      });
      return start(c.id);
    },
  };
}
