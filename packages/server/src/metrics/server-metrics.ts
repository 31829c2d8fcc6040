// The server's Prometheus metrics (prom-client) in one registry per server, so that two servers in one process
// (tests) never share counters. Other components increment them through the small `ServerMetrics` surface:
// the event bus feeds sessions and commands, the DM endpoint packages, the store wrapper (./store-metrics.ts)
// store latency and notifications, and the HTTP edge's admission control calls `requestShed()`. Gauges that
// reflect the store (open sessions, queue depth) are read when scraped.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { ServerEventKind, type NewServerEvent } from "../events/event-types.js";
import { CallHistogram } from "./call-histogram.js";
import type { WebhookMetrics } from "../webhooks/dispatcher.js";

/** Outcomes of a command the `omadm_commands_total` counter counts (terminal, or accepted for later). */
const COUNTED_COMMAND_STATES = new Set(["done", "failed", "accepted", "expired", "cancelled"]);

export interface StoreGauges {
  /** Open DM sessions now (the store's view, all nodes). */
  openSessions(): Promise<number>;
  /** Commands waiting in queues now. */
  queueDepth(): Promise<number>;
}

export interface ServerMetrics extends WebhookMetrics {
  readonly registry: Registry;
  /** Feeds session and command counters from a server event (subscribe it to the event bus). */
  observeEvent(event: NewServerEvent): void;
  /** One DM package handled: `kind` "package1" | "package3", `result` "ok" | "refused". */
  packageHandled(kind: string, result: string): void;
  /** One Package#0 attempt: by transport ("udp", "mqtt") and result ("sent", "failed"). */
  notificationSent(transport: string, result: string): void;
  /** One store call took `seconds`. */
  storeCall(method: string, seconds: number, ok: boolean): void;
  /** A request refused by admission control (503) before it reached its route. */
  requestShed(route: string): void;
  /** The text/plain exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createServerMetrics(gauges: StoreGauges | null): ServerMetrics {
  const registry = new Registry();
  // Event-loop delay (nodejs_eventloop_lag_*), heap, CPU, handles: prom-client's process metrics.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const sessionsStarted = new Counter({
    name: "omadm_dm_sessions_started_total",
    help: "DM sessions opened by a Package#1",
    registers: [registry],
  });
  const sessionsEnded = new Counter({
    name: "omadm_dm_sessions_ended_total",
    help: "DM sessions closed, by outcome (ended, aborted, superseded, expired)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const packages = new Counter({
    name: "omadm_dm_packages_total",
    help: "DM packages received, by kind (package1, package3) and result (ok, refused)",
    labelNames: ["kind", "result"],
    registers: [registry],
  });
  const commands = new Counter({
    name: "omadm_commands_total",
    help: "Commands that reached an outcome (done, failed, accepted, expired, cancelled), by command name",
    labelNames: ["name", "outcome"],
    registers: [registry],
  });
  const notifications = new Counter({
    name: "omadm_notifications_total",
    help: "Package#0 notifications attempted, by transport and result",
    labelNames: ["transport", "result"],
    registers: [registry],
  });
  const shed = new Counter({
    name: "omadm_http_requests_shed_total",
    help: "Requests refused with 503 by admission control, by route group",
    labelNames: ["route"],
    registers: [registry],
  });
  // Observed on every store call (the DM path's hottest metric): call-histogram.ts, not prom-client's Histogram.
  const storeLatency = new CallHistogram({
    name: "omadm_store_call_duration_seconds",
    help: "Duration of store calls, by method and result",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  registry.registerMetric(storeLatency.asRegistryMetric());
  const webhookAttempts = new Counter({
    name: "omadm_webhook_attempts_total",
    help: "Webhook delivery attempts, by result (delivered, failed)",
    labelNames: ["result"],
    registers: [registry],
  });
  const webhookLatency = new Histogram({
    name: "omadm_webhook_attempt_duration_seconds",
    help: "Duration of webhook delivery attempts, by result",
    labelNames: ["result"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const webhookDeadLetters = new Counter({
    name: "omadm_webhook_dead_letters_total",
    help: "Events given up on after their last webhook delivery attempt",
    registers: [registry],
  });
  if (gauges !== null) {
    new Gauge({
      name: "omadm_dm_sessions_open",
      help: "DM sessions open now (read from the store when scraped)",
      registers: [registry],
      async collect() {
        this.set(await gauges.openSessions());
      },
    });
    new Gauge({
      name: "omadm_command_queue_depth",
      help: "Commands queued now, all devices (read from the store when scraped)",
      registers: [registry],
      async collect() {
        this.set(await gauges.queueDepth());
      },
    });
  }
  return {
    registry,
    contentType: registry.contentType,
    observeEvent(event) {
      if (event.kind === ServerEventKind.SessionStarted) sessionsStarted.inc();
      else if (event.kind === ServerEventKind.SessionEnded) sessionsEnded.inc({ outcome: field(event, "status") });
      else if (event.kind === ServerEventKind.CommandState) {
        const state = field(event, "state");
        if (COUNTED_COMMAND_STATES.has(state)) commands.inc({ name: field(event, "name"), outcome: state });
      }
    },
    packageHandled: (kind, result) => {
      packages.inc({ kind, result });
    },
    notificationSent: (transport, result) => {
      notifications.inc({ transport, result });
    },
    storeCall: (method, seconds, ok) => {
      storeLatency.observe(method, ok, seconds);
    },
    requestShed: (route) => {
      shed.inc({ route });
    },
    webhookAttempt: (result, seconds) => {
      webhookAttempts.inc({ result });
      webhookLatency.observe({ result }, seconds);
    },
    webhookDeadLettered: () => {
      webhookDeadLetters.inc();
    },
    render: () => registry.metrics(),
  };
}

function field(event: NewServerEvent, name: string): string {
  const data = event.data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) return "unknown";
  const value = (data as Record<string, unknown>)[name];
  return typeof value === "string" ? value : "unknown";
}
