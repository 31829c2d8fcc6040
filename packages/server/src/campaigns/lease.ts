// The store lease that keeps one driver per campaign across server nodes (docs/campaigns.md "Several nodes").
// The shape is the store's `leases` (store/types-lease.ts once the PostgreSQL work lands); until a store brings
// one, `createLocalLeases` serves a single process, which is all a SQLite or memory store can be shared by.
import type { Clock } from "../store/types.js";

export interface Leases {
  /** Takes or renews `name` for `holder` until now + ttlMs; false while another holder's lease runs. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives `name` up if `holder` has it. */
  release(name: string, holder: string): Promise<void>;
}

/** Leases kept in this process (one node). */
export function createLocalLeases(clock: Clock): Leases {
  const held = new Map<string, { holder: string; until: number }>();
  return {
    acquire: (name, holder, ttlMs) => {
      const now = clock.now();
      const lease = held.get(name);
      if (lease !== undefined && lease.holder !== holder && lease.until > now) return Promise.resolve(false);
      held.set(name, { holder, until: now + ttlMs });
      return Promise.resolve(true);
    },
    release: (name, holder) => {
      if (held.get(name)?.holder === holder) held.delete(name);
      return Promise.resolve();
    },
  };
}

/** The store's own leases when it has them (shared by every node), else this process's. */
export function leasesOf(store: object, clock: Clock): Leases {
  const own = (store as { readonly leases?: Leases }).leases;
  return own ?? createLocalLeases(clock);
}
