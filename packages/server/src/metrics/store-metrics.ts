// A store wrapper that times every call (omadm_store_call_duration_seconds) and counts the Package#0 attempts
// the notifier records (omadm_notifications_total). Calls inside `transaction` are timed too, and the
// transaction as a whole under the method name "transaction".
import type { Store, StoreParts } from "../store/store.js";
import { lazyParts, wrapMethods, type Around } from "../store/transaction-support.js";
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
    const counted = (): StoreParts["notifications"] => {
      const notifications = wrapMethods(parts.notifications, around("notifications"));
      return {
        ...notifications,
        async record(input) {
          const stored = await notifications.record(input);
          metrics.notificationSent(stored.transport, stored.outcome);
          return stored;
        },
      };
    };
    // Parts made at their first use (a transaction touches a few): transaction-support.ts.
    return lazyParts(
      (name) =>
        (name === "notifications" ? counted() : wrapMethods(parts[name], around(name))) as StoreParts[typeof name],
    );
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
