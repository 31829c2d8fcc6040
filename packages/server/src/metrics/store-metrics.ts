// A store wrapper that times every call (omadm_store_call_duration_seconds) and counts the Package#0 attempts
// the notifier records (omadm_notifications_total). Calls inside `transaction` are timed too, and the
// transaction as a whole under the method name "transaction".
import type { Store, StoreParts } from "../store/store.js";
import { wrapMethods, type Around } from "../store/transaction-support.js";
import type { ServerMetrics } from "./server-metrics.js";

export function withStoreMetrics(store: Store, metrics: Pick<ServerMetrics, "storeCall" | "notificationSent">): Store {
  const timed = (parts: StoreParts): StoreParts => {
    const around =
      (part: string): Around =>
      async (call, method) => {
        const start = process.hrtime.bigint();
        let ok = false;
        try {
          const result = await call();
          ok = true;
          return result;
        } finally {
          metrics.storeCall(`${part}.${method}`, Number(process.hrtime.bigint() - start) / 1e9, ok);
        }
      };
    const wrapped: StoreParts = {
      devices: wrapMethods(parts.devices, around("devices")),
      commands: wrapMethods(parts.commands, around("commands")),
      sessions: wrapMethods(parts.sessions, around("sessions")),
      alerts: wrapMethods(parts.alerts, around("alerts")),
      notifications: wrapMethods(parts.notifications, around("notifications")),
      repository: wrapMethods(parts.repository, around("repository")),
      uiSessions: wrapMethods(parts.uiSessions, around("uiSessions")),
      apiTokens: wrapMethods(parts.apiTokens, around("apiTokens")),
      bootstrap: wrapMethods(parts.bootstrap, around("bootstrap")),
      groups: wrapMethods(parts.groups, around("groups")),
      capabilities: wrapMethods(parts.capabilities, around("capabilities")),
      audit: wrapMethods(parts.audit, around("audit")),
      firmware: wrapMethods(parts.firmware, around("firmware")),
      campaigns: wrapMethods(parts.campaigns, around("campaigns")),
      consoleSignIns: wrapMethods(parts.consoleSignIns, around("consoleSignIns")),
    };
    return {
      ...wrapped,
      notifications: {
        ...wrapped.notifications,
        async record(input) {
          const stored = await wrapped.notifications.record(input);
          metrics.notificationSent(stored.transport, stored.outcome);
          return stored;
        },
      },
    };
  };
  return {
    ...store,
    ...timed(store),
    async transaction<T>(fn: (tx: StoreParts) => Promise<T>): Promise<T> {
      const start = process.hrtime.bigint();
      let ok = false;
      try {
        const result = await store.transaction((tx) => fn(timed(tx)));
        ok = true;
        return result;
      } finally {
        metrics.storeCall("transaction", Number(process.hrtime.bigint() - start) / 1e9, ok);
      }
    },
    close: () => store.close(),
  };
}
