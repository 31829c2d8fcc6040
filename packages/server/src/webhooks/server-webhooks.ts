// The server's webhook delivery as `createOmadmServer` composes it: the dispatcher over the store's webhooks and
// event log, woken by the event recorder, holding the store lease on PostgreSQL (the store several nodes share;
// elsewhere it would be a write per poll for nothing), configured by the `webhooks.*` keys.
import type { ServerConfig } from "../config-types.js";
import type { EventRecorder } from "../events/event-recorder.js";
import type { Timers } from "../notifier/wake-on-queue.js";
import { StoreKind, type Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import {
  createWebhookDispatcher,
  type DispatcherLogger,
  type WebhookDispatcher,
  type WebhookMetrics,
} from "./dispatcher.js";

export interface ServerWebhooks {
  readonly dispatcher: WebhookDispatcher;
  /** Starts delivering when `webhooks.dispatch` is on. */
  start(): void;
  stop(): Promise<void>;
}

export function createServerWebhooks(
  deps: {
    readonly store: Store;
    readonly recorder: Pick<EventRecorder, "onAppended">;
    readonly clock: Clock;
    readonly timers: Timers;
    readonly logger: DispatcherLogger;
    readonly metrics: WebhookMetrics | null;
    /** This node (config `nodeId`): the lease holder. */
    readonly holder: string;
    /** The kind of the store underneath the server's wrappers. */
    readonly storeKind: StoreKind;
  },
  config: ServerConfig,
): ServerWebhooks {
  const lease = deps.storeKind === StoreKind.Postgres ? deps.store.leases : null;
  const dispatcher = createWebhookDispatcher(
    {
      webhooks: deps.store.webhooks,
      events: deps.store.events,
      clock: deps.clock,
      timers: deps.timers,
      logger: deps.logger,
      metrics: deps.metrics,
      lease,
      holder: deps.holder,
    },
    {
      timeoutMs: config.webhooks.timeoutMs,
      maxAttempts: config.webhooks.maxAttempts,
      backoffBaseMs: config.webhooks.backoffBaseMs,
      backoffMaxMs: config.webhooks.backoffMaxMs,
      pollMs: config.events.pollMs,
    },
  );
  let unsubscribe: (() => void) | null = null;
  return {
    dispatcher,
    start() {
      if (!config.webhooks.dispatch || unsubscribe !== null) return;
      unsubscribe = deps.recorder.onAppended(() => {
        dispatcher.kick();
      });
      dispatcher.start();
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = null;
      await dispatcher.stop();
    },
  };
}
