// The server's webhook delivery as `createOmadmServer` composes it: the dispatcher over the store's webhooks and
// event log, woken by the event recorder, with the store's delivery lease when the store has one (several
// nodes on one database), configured by the `webhooks.*` keys.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { ServerConfig } from "../config-keys.js";
import type { EventRecorder } from "../events/event-recorder.js";
import type { Timers } from "../notifier/wake-on-queue.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import {
  createWebhookDispatcher,
  type DeliveryLease,
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
  },
  config: ServerConfig,
): ServerWebhooks {
  // A store with several nodes behind it offers a lease part; the others do not need one.
  const lease = (deps.store as Store & { readonly leases?: DeliveryLease }).leases ?? null;
  const dispatcher = createWebhookDispatcher(
    {
      webhooks: deps.store.webhooks,
      events: deps.store.events,
      clock: deps.clock,
      timers: deps.timers,
      logger: deps.logger,
      metrics: deps.metrics,
      lease,
      holder: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
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
