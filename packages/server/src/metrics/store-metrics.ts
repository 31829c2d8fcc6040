// A store wrapper that times every call (omadm_store_call_duration_seconds) and counts the Package#0 attempts
// the notifier records (omadm_notifications_total). Calls inside `transaction` are timed too, and the
// transaction as a whole under the method name "transaction".
//
// Every transaction wraps the parts it uses again (its `tx` is new), so a wrap is kept cheap: the "part.method"
// metric names are made once per method, and the clock is performance.now() (hrtime.bigint() allocates).
import { performance } from "node:perf_hooks";
import type { Store, StoreParts } from "../store/store.js";
import { lazyTxParts, type PartMaker } from "../lazy-tx-parts.js";
import { lazyParts } from "../store/transaction-support.js";
import type { ServerMetrics } from "./server-metrics.js";

type Metrics = Pick<ServerMetrics, "storeCall" | "notificationSent">;
type Method = (...args: unknown[]) => Promise<unknown>;

export function withStoreMetrics(store: Store, metrics: Metrics): Store {
  /** part → method → "part.method", made once. */
  const names = new Map<string, Map<string, string>>();
  const timedCall = async (name: string, method: Method, args: unknown[]): Promise<unknown> => {
    const start = performance.now();
    let ok = false;
    try {
      const result = await method(...args);
      ok = true;
      return result;
    } finally {
      metrics.storeCall(name, (performance.now() - start) / 1000, ok);
    }
  };
  /** `target` with every method timed under "part.method" (other properties copied). */
  const wrap = <T extends object>(part: string, target: T): T => {
    const out: Record<string, unknown> = {};
    const source = target as Record<string, unknown>;
    let partNames = names.get(part);
    if (partNames === undefined) {
      partNames = new Map();
      names.set(part, partNames);
    }
    for (const key of Object.keys(source)) {
      const value = source[key];
      if (typeof value !== "function") {
        out[key] = value;
        continue;
      }
      const known = partNames.get(key);
      const name = known ?? `${part}.${key}`;
      if (known === undefined) partNames.set(key, name);
      out[key] = (...args: unknown[]) => timedCall(name, value as Method, args);
    }
    return out as T;
  };
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
