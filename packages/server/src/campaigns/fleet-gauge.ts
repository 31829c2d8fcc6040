// The open DM sessions of the whole fleet, for the wake pacer when several nodes share a PostgreSQL store
// (docs/campaigns.md "Paced wake-up"): admission control counts only its own node's sessions, but a campaign
// driven by one node wakes devices that any node may serve. The count comes from the store (`sessions.countLive`,
// one indexed range count) and is cached for `refreshMs`: `value()` is synchronous, so the pacer reads the last
// count on every grant and at most one query runs per interval, in the background.

export interface FleetGauge {
  /** The last count read (0 before the first one came back); starts a refresh when it is older than refreshMs. */
  value(): number;
}

export function createFleetGauge(
  deps: {
    readonly count: () => Promise<number>;
    readonly now: () => number;
    readonly logger?: { warn(details: object, message: string): void } | undefined;
  },
  options: { readonly refreshMs: number },
): FleetGauge {
  let last = 0;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading = false;
  return {
    value() {
      const now = deps.now();
      if (!reading && now - readAt >= options.refreshMs) {
        reading = true;
        readAt = now;
        deps
          .count()
          .then((n) => {
            last = n;
          })
          .catch((error: unknown) => {
            // The last count stands; the next interval tries again.
            deps.logger?.warn({ err: error }, "could not count the fleet's open DM sessions");
          })
          .finally(() => {
            reading = false;
          });
      }
      return last;
    },
  };
}
