// A store wrapper that times every call (omadm_store_call_duration_seconds) and counts the Package#0 attempts
// the notifier records (omadm_notifications_total). Calls inside `transaction` are timed too, and the
// transaction as a whole under the method name "transaction".
//
// Every transaction wraps the parts it uses again (its `tx` is new), so a wrap is kept cheap: the "part.method"
// metric names are made once per method, and the clock is performance.now() (hrtime.bigint() allocates).
import { performance } from "node:perf_hooks";
import type { Store, StoreParts } from "../store/store.js";
import { lazyParts, lazyTxParts, wrapMethods, type Around, type PartMaker } from "../store/transaction-support.js";
import type { ServerMetrics } from "./server-metrics.js";

type Metrics = Pick<ServerMetrics, "storeCall" | "notificationSent">;

export function withStoreMetrics(store: Store, metrics: Metrics): Store {
  /** part → its methods' timers, each under "part.method" (the name made once). */
  const timers = new Map<string, Around>();
  const timerOf = (part: string): Around => {
    let around = timers.get(part);
    if (around === undefined) {
      const names = new Map<string, string>();
      around = async (call, method) => {
        let name = names.get(method);
        if (name === undefined) names.set(method, (name = `${part}.${method}`));
        const start = performance.now();
        let ok = false;
        try {
          const result = await call();
          ok = true;
          return result;
        } finally {
          metrics.storeCall(name, (performance.now() - start) / 1000, ok);
        }
      };
      timers.set(part, around);
    }
    return around;
  };
  /** `target` with every method timed under "part.method" (other properties copied). */
  const wrap = <T extends object>(part: string, target: T): T => wrapMethods(target, timerOf(part));
  /** `parts` timed, each part made at its first use by `lazy` (a transaction touches a few). */
  const timed = (parts: StoreParts, lazy: (make: PartMaker) => StoreParts): StoreParts => {
    const counted = (): StoreParts["notifications"] => {
      const notifications = wrap("notifications", parts.notifications);
      return {
        ...notifications,
        async record(input) {
          const stored = await notifications.record(input);
          metrics.notificationSent(stored.transport, stored.outcome);
          return stored;
        },
      };
    };
    return lazy(
      <K extends keyof StoreParts>(name: K): StoreParts[K] =>
        (name === "notifications" ? counted() : wrap(name, parts[name])) as StoreParts[K],
    );
  };
  return {
    ...store,
    // Spread: the store's parts as a plain object (transaction-support.ts); a `tx` is read part by part.
    ...timed(store, lazyParts),
    async transaction<T>(fn: (tx: StoreParts) => Promise<T>): Promise<T> {
      const start = performance.now();
      let ok = false;
      try {
        const result = await store.transaction((tx) => fn(timed(tx, lazyTxParts)));
        ok = true;
        return result;
      } finally {
        metrics.storeCall("transaction", (performance.now() - start) / 1000, ok);
      }
    },
    close: () => store.close(),
  };
}
