// Memory store: leases. One process, so a Map is atomic by construction; the rules are lease-rules.ts's.
/* eslint-disable @typescript-eslint/require-await -- see memory-store.ts */
import { checkLease, checkTtl, mayTake } from "./lease-rules.js";
import type { MemoryContext } from "./memory-context.js";
import type { LeaseStore } from "./types-lease.js";

export function createMemoryLeases(ctx: MemoryContext): LeaseStore {
  const { leases } = ctx.data;
  return {
    acquire: async (nameIn, holderIn, ttlIn) => {
      ctx.check();
      const { name, holder } = checkLease(nameIn, holderIn);
      const ttlMs = checkTtl(ttlIn);
      const now = ctx.now();
      if (!mayTake(leases.get(name), holder, now)) return false;
      leases.set(name, { holder, expiresAt: now + ttlMs });
      return true;
    },
    release: async (nameIn, holderIn) => {
      ctx.check();
      const { name, holder } = checkLease(nameIn, holderIn);
      if (leases.get(name)?.holder === holder) leases.delete(name);
    },
  };
}
