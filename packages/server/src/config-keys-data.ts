// Configuration keys (config-keys.ts): retention of finished records, the Data Repository's quotas, the
// components served and the notifier (Package#0, docs/protocol.md §2).
import { anyUrl, bool, int, nullable } from "./config-values.js";
import { type ConfigPath, type KeyTable } from "./config-types.js";

const DAY_MS = 86_400_000;
/** Ten years: the longest age a retention key takes. */
const MAX_AGE_MS = 3650 * DAY_MS;

export const DATA_KEYS = {
  "retention.enabled": {
    type: bool,
    default: true,
    description: 'Prune old finished records and reclaim their space (docs/operations.md "Retention").',
  },
  "retention.intervalMs": {
    type: int(1000, 86_400_000),
    default: 300_000,
    description: "How often retention runs.",
  },
  "retention.batchSize": {
    type: int(10, 10_000),
    default: 500,
    description:
      "Most records deleted in one transaction; retention halves it while a batch takes more than 10 ms, so " +
      "it never holds the server for long.",
  },
  "retention.sessionsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 30 * DAY_MS,
    description: "Closed DM sessions are deleted this long after they ended (30 days); 0 keeps them.",
  },
  "retention.commandsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 30 * DAY_MS,
    description:
      "Finished commands (done, failed, expired, cancelled, unknown) are deleted this long after they finished " +
      "(30 days); 0 keeps them. Queued, sent and accepted commands are never pruned.",
  },
  "retention.alertsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 30 * DAY_MS,
    description: "Generic Alerts are deleted this long after they arrived (30 days); 0 keeps them.",
  },
  "retention.notificationsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 7 * DAY_MS,
    description: "Records of sent Package#0 notifications are deleted this long after sending (7 days); 0 keeps them.",
  },
  "retention.uploadsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 30 * DAY_MS,
    description: "Data Repository uploads are deleted this long after they arrived (30 days); 0 keeps them.",
  },
  "retention.uiSessionsMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 7 * DAY_MS,
    description:
      "Completed or expired SHOW (UI) sessions are deleted this long after they were created (7 days); 0 keeps " +
      "them.",
  },
  "retention.auditMaxAgeMs": {
    type: int(0, MAX_AGE_MS),
    default: 365 * DAY_MS,
    description: "Audit records of operator writes are deleted this long after the write (365 days); 0 keeps them.",
  },
  "repository.deviceQuotaBytes": {
    type: int(0, Number.MAX_SAFE_INTEGER),
    default: 64 * 1024 * 1024,
    description:
      "Most bytes one device's repository space holds (its items and uploads together, 64 MiB); an upload past " +
      "it gets 507 and is not stored. 0: no limit.",
  },
  "repository.deviceQuotaItems": {
    type: int(0, Number.MAX_SAFE_INTEGER),
    default: 10_000,
    description:
      "Most records one device's repository space holds (its items and uploads together); an upload past it " +
      "gets 507 and is not stored. 0: no limit.",
  },
  "components.repository": { type: bool, default: true, description: "Serve the Data Repository under `/repo`." },
  "components.ui": {
    type: bool,
    default: true,
    description: "Serve the Web Server Component (SHOW pages) under `/ui`.",
  },
  "components.api": {
    type: bool,
    default: true,
    description: "Serve the REST API under `/api/v1` (the `omadm` admin commands need it).",
  },
  "components.notifier": { type: bool, default: true, description: "Send Package#0 notifications (wake)." },
  "notifier.udp": { type: bool, default: true, description: "Send Package#0 over UDP to devices with a UDP address." },
  "notifier.mqttUrl": {
    type: nullable(anyUrl),
    default: null,
    description: "MQTT broker Package#0 is published through, e.g. `mqtt://127.0.0.1:1883`; unset: no MQTT.",
  },
  "notifier.wakeOnQueue": {
    type: bool,
    default: false,
    description: "Notify a device whenever a command is queued for it.",
  },
  "notifier.wakeDebounceMs": {
    type: int(0, 3_600_000),
    default: 1000,
    description: "With wakeOnQueue: at most one notification per device in this window.",
  },
  "notifier.allowUnsigned": {
    type: bool,
    default: false,
    description:
      "Send unsigned notifications to devices without notification credentials (their clients must accept " +
      "unauthenticated notifications).",
  },
} satisfies Partial<KeyTable<ConfigPath>>;
