// Lease rules every store shares (types-lease.ts): the checks on a call and who may take a lease.
import { requireInt, requireText } from "./rules.js";

/** Longest lease: a day. A holder renews long before; a longer one would only keep a dead node's lease. */
export const MAX_LEASE_TTL_MS = 86_400_000;

export interface LeaseRow {
  readonly holder: string;
  readonly expiresAt: number;
}

export function checkLease(name: unknown, holder: unknown): { name: string; holder: string } {
  return { name: requireText(name, "lease name"), holder: requireText(holder, "lease holder") };
}

export function checkTtl(ttlMs: unknown): number {
  return requireInt(ttlMs, "ttlMs", 1, MAX_LEASE_TTL_MS);
}

/** Whether `holder` may take (or renew) a lease whose current row is `row` at time `now`. */
export function mayTake(row: LeaseRow | undefined, holder: string, now: number): boolean {
  return row === undefined || row.holder === holder || row.expiresAt <= now;
}
