// Runs the driver (campaign-driver.ts) on this node: every `campaigns.tickMs`, each running or paused campaign
// whose lease this node holds or can take (the store's leases, shared by every node) gets one pass. A node that stops releases its leases; one that dies loses them after
// `campaigns.leaseMs`, and another node goes on from the store.
import { randomUUID } from "node:crypto";
import { createPeriodicJob } from "../periodic-job.js";
import type { Timers } from "../notifier/wake-on-queue.js";
import type { Store } from "../store/store.js";
import { CampaignState, type Campaign } from "../store/types-campaign.js";
import { createRateBucket, type CampaignDriver, type RateBucket } from "./campaign-driver.js";
import type { LeaseStore } from "../store/types-lease.js";

export interface CampaignRunner {
  start(): void;
  stop(): Promise<void>;
  /** One round now (joins a round in progress). */
  runOnce(): Promise<void>;
}

export interface CampaignRunnerDeps {
  readonly store: Store;
  readonly driver: CampaignDriver;
  /** The store's leases: exactly one node drives a campaign (docs/campaigns.md "Several nodes"). */
  readonly leases: LeaseStore;
  readonly timers: Timers;
  readonly clock: { now(): number };
  readonly logger?: { warn(details: object, message: string): void } | undefined;
  /** This node's name in the leases (default: a random one per process). */
  readonly holder?: string | undefined;
}

const DRIVEN: readonly CampaignState[] = [CampaignState.Running, CampaignState.Paused];

export const leaseName = (id: string) => `campaign:${id}`;

export function createCampaignRunner(
  deps: CampaignRunnerDeps,
  options: { readonly tickMs: number; readonly leaseMs: number },
): CampaignRunner {
  const holder = deps.holder ?? `node-${randomUUID()}`;
  const buckets = new Map<string, RateBucket>();
  /** The campaigns this node holds, with when it took each over (the driver re-wakes what a stop cut off). */
  const held = new Map<string, number>();

  async function drive(c: Campaign): Promise<void> {
    if (!(await deps.leases.acquire(leaseName(c.id), holder, options.leaseMs))) {
      held.delete(c.id);
      return;
    }
    let takenAt = held.get(c.id);
    if (takenAt === undefined) held.set(c.id, (takenAt = deps.clock.now()));
    let bucket = buckets.get(c.id);
    if (bucket === undefined) buckets.set(c.id, (bucket = createRateBucket()));
    const after = await deps.driver.pass(c, bucket, takenAt);
    if (!DRIVEN.includes(after.state)) {
      buckets.delete(c.id);
      held.delete(c.id);
      await deps.leases.release(leaseName(c.id), holder);
    }
  }

  async function round(): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await deps.store.campaigns.list({ states: DRIVEN, limit: 100, ...(cursor && { cursor }) });
      for (const c of page.items) {
        if (job.stopping()) return;
        try {
          await drive(c);
        } catch (error) {
          // The next round tries again from the store; one campaign's trouble never stops the others.
          deps.logger?.warn({ err: error, campaignId: c.id }, "campaign pass failed");
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  const job = createPeriodicJob(deps.timers, options.tickMs, round);
  return {
    start: () => {
      job.start();
    },
    async stop() {
      await job.stop();
      for (const id of held.keys()) await deps.leases.release(leaseName(id), holder).catch(() => undefined);
      held.clear();
    },
    runOnce: () => job.runOnce(),
  };
}
