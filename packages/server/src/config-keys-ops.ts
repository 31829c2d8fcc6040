// Configuration keys (config-keys.ts): the event log and its stream, webhooks, campaigns, metrics, the web
// console and the log.
import { bool, int, oneOf } from "./config-values.js";
import { type ConfigPath, type KeyTable, LogFormat, LogLevel } from "./config-types.js";

export const OPS_KEYS = {
  "events.retain": {
    type: int(1, 100_000_000),
    default: 100_000,
    description:
      "Newest server events kept in the event log (`GET /api/v1/events` resumes from any of them); older ones " +
      "are deleted as new ones arrive.",
  },
  "events.heartbeatMs": {
    type: int(1000, 300_000),
    default: 15_000,
    description: "An event stream sends a comment line after this long without events, so proxies keep it open.",
  },
  "events.pollMs": {
    type: int(100, 60_000),
    default: 2000,
    description:
      "An event stream also reads the event log this often, for events other server nodes appended (this " +
      "node's own events are sent at once).",
  },
  "webhooks.dispatch": {
    type: bool,
    default: true,
    description:
      "Deliver webhook events from this node. Several nodes on PostgreSQL take turns through the store lease " +
      "`omadm:webhooks` (one delivers at a time); turn this off on nodes that should never deliver.",
  },
  "webhooks.timeoutMs": {
    type: int(100, 120_000),
    default: 10_000,
    description: "One webhook delivery attempt fails when the receiver has not answered within this long.",
  },
  "webhooks.maxAttempts": {
    type: int(1, 100),
    default: 8,
    description:
      "Attempts per event and webhook (the first included); after the last failure the event is dead-lettered.",
  },
  "webhooks.backoffBaseMs": {
    type: int(10, 3_600_000),
    default: 1000,
    description:
      "Wait before the second attempt; it doubles with each further attempt (up to `webhooks.backoffMaxMs`), " +
      "half of it random (jitter).",
  },
  "webhooks.backoffMaxMs": {
    type: int(10, 86_400_000),
    default: 300_000,
    description: "Longest wait between two attempts at one event.",
  },
  "campaigns.enabled": {
    type: bool,
    default: true,
    description:
      "Drive campaigns and bulk wakes on this node (docs/campaigns.md). Off: the API still creates and changes " +
      "them, and another node drives them.",
  },
  "campaigns.tickMs": {
    type: int(50, 60_000),
    default: 1000,
    description:
      "How often the campaign driver looks at each running campaign: follows its devices and starts new ones.",
  },
  "campaigns.leaseMs": {
    type: int(1000, 600_000),
    default: 15_000,
    description:
      "How long a node's hold on a campaign lasts without renewal (each pass renews it). When the node stops, " +
      "another takes the campaign over after this long.",
  },
  "campaigns.fleetMaxOpenSessions": {
    type: int(0, 100_000_000),
    default: 0,
    description:
      "Open DM sessions all the nodes sharing a PostgreSQL store can serve together. Above 0, the wake pacer " +
      "counts the fleet's open sessions (read from the store at most once a second) against it; 0: it counts " +
      "this node's sessions against `dm.maxOpenSessions`.",
  },
  "metrics.enabled": {
    type: bool,
    default: true,
    description:
      "Serve Prometheus metrics at `/metrics`, with the REST API's authentication (an API token, or a loopback " +
      "peer while `api.loopbackWithoutToken` is on).",
  },
  "console.enabled": {
    type: bool,
    default: true,
    description:
      "Serve the web console at `/` (docs/console.md). It signs in with an API token (or, from loopback while " +
      "`api.loopbackWithoutToken` is on, without one) and then uses the REST API with a session cookie.",
  },
  "console.sessionTtlMs": {
    type: int(60_000, 7 * 86_400_000),
    default: 8 * 3_600_000,
    description: "A console sign-in ends this long after it began, however active it is.",
  },
  "console.idleTimeoutMs": {
    type: int(60_000, 7 * 86_400_000),
    default: 30 * 60_000,
    description: "A console sign-in ends after this long without a request.",
  },
  logLevel: {
    type: oneOf(Object.values(LogLevel)),
    default: LogLevel.Info,
    description: "Log level of the server's log on standard output.",
  },
  logFormat: {
    type: oneOf(Object.values(LogFormat)),
    default: LogFormat.Auto,
    description:
      "`json`: one JSON object per line (for log collectors); `pretty`: readable lines with colours; `auto`: " +
      "pretty when standard output is a terminal, JSON otherwise.",
  },
} satisfies Partial<KeyTable<ConfigPath>>;
