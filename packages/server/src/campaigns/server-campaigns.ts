// Campaigns and bulk wakes as `createOmadmServer` composes them (docs/campaigns.md): the wake pacer over this
// node's open-session gauge (told of every 503 by the DM edge), the driver, which queues through a
// command service of its own (without wake-on-queue: it wakes through the pacer), the runner drives running and
// paused campaigns every `campaigns.tickMs` under a store lease per campaign, and the service the API calls kicks
// one pass at once when the runner is on and the server started.
import type { ServerConfig } from "../config-types.js";
import type { Notifier } from "../notifier/notifier.js";
import type { Timers } from "../notifier/wake-on-queue.js";
import { createCommandService } from "../services/command-service.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import { createCampaignDriver, type CampaignDriverDeps } from "./campaign-driver.js";
import { createCampaignRunner, type CampaignRunner } from "./campaign-runner.js";
import { createCampaignService, type CampaignService } from "./campaign-service.js";
import { createFleetGauge } from "./fleet-gauge.js";
import { createWakePacer, type WakePacer } from "./pacer.js";

/** How often the fleet's open sessions are counted in the store. */
const FLEET_COUNT_MS = 1000;

export interface ServerCampaigns {
  readonly service: CampaignService;
  readonly runner: CampaignRunner;
  /** The wake pacer of the driver and of bulk wakes; the DM edge tells it of each 503 (`shed()`). */
  readonly pacer: WakePacer;
}

export function createServerCampaigns(
  deps: {
    readonly store: Store;
    readonly notifier: Pick<Notifier, "wake"> | null;
    /** DM sessions open on this node now (admission control's gauge). */
    readonly openSessions: () => number;
    /** Whether several nodes share the store (PostgreSQL). */
    readonly shared: boolean;
    readonly clock: Clock;
    readonly timers: Timers;
    readonly publish: CampaignDriverDeps["publish"];
    readonly logger: { warn(details: object, message: string): void };
    /** This node (config `nodeId`): the lease holder. */
    readonly holder: string;
    /** Whether the server has started (a kick before that would drive campaigns of a server not yet serving). */
    readonly started: () => boolean;
  },
  config: ServerConfig,
): ServerCampaigns {
  const { store, clock, publish } = deps;
  // On several nodes (PostgreSQL) with a fleet limit, the pacer counts every node's sessions (fleet-gauge.ts);
  // this node's own gauge still counts at once what it admitted since the last read.
  const fleet =
    deps.shared && config.campaigns.fleetMaxOpenSessions > 0
      ? createFleetGauge(
          { count: () => store.sessions.countLive(), now: () => clock.now(), logger: deps.logger },
          { refreshMs: FLEET_COUNT_MS },
        )
      : null;
  const pacer = createWakePacer(
    {
      now: () => clock.now(),
      openSessions: fleet === null ? deps.openSessions : () => Math.max(fleet.value(), deps.openSessions()),
    },
    {
      limit: fleet === null ? config.dm.maxOpenSessions : config.campaigns.fleetMaxOpenSessions,
      backoffMs: config.http.retryAfterSeconds * 1000,
    },
  );
  const driver = createCampaignDriver({
    store,
    commands: createCommandService(
      { store, clock },
      { allowHttp: config.allowHttp, maxDeliveries: config.dm.maxDeliveries },
    ),
    notifier: deps.notifier,
    pacer,
    clock,
    publish,
    logger: deps.logger,
  });
  const runner = createCampaignRunner(
    { store, driver, leases: store.leases, holder: deps.holder, timers: deps.timers, clock, logger: deps.logger },
    { tickMs: config.campaigns.tickMs, leaseMs: config.campaigns.leaseMs },
  );
  const service = createCampaignService(
    {
      store,
      driver,
      clock,
      publish,
      kick: () => {
        if (config.campaigns.enabled && deps.started()) void runner.runOnce().catch(() => undefined);
      },
    },
    { allowHttp: config.allowHttp },
  );
  return { service, runner, pacer };
}
