// The duplicate cache of Package#0 NOTIFICATION-IDs (docs/protocol.md §2.3: "duplicated DM Notifications MUST be
// dropped"; §2.4 (omadm's choice)). A captured notification is accepted by the TIMESTAMP check for as long as its
// TIMESTAMP is inside the acceptance window (maxAgeSeconds back, maxFutureSeconds ahead), so its id is remembered
// for that whole window — never evicted early to make room. Memory is bounded per account instead: an account
// that already has `capacityPerAccount` ids inside the window gets its next notification refused (isFull) until
// some age out, so a flood can neither grow the cache without bound nor push a captured id out of it. Pure: the
// caller passes the time; the entries are plain `NotificationIdRecord`s so the persistent state saves them.
import type { NotificationIdRecord } from "../state/client-state.js";
import { DEFAULT_MAX_AGE_SECONDS, DEFAULT_MAX_FUTURE_SECONDS } from "./intake.js";

/** docs/protocol.md §2.4 (omadm's choice): the default window, maxAgeSeconds + maxFutureSeconds. */
export const RECENT_ID_TTL_MS = (DEFAULT_MAX_AGE_SECONDS + DEFAULT_MAX_FUTURE_SECONDS) * 1000;
/** docs/protocol.md §2.4 (omadm's choice): at most this many ids per account inside the window (default). */
export const RECENT_ID_CAPACITY_PER_ACCOUNT = 4096;

export interface RecentIdOptions {
  /** How long an id is remembered (ms): the TIMESTAMP acceptance window. */
  readonly ttlMs?: number;
  readonly capacityPerAccount?: number;
}

export interface RecentNotificationIds {
  /** True when (srvId, id) was recorded within the TTL before `now`. */
  has(srvId: string, notificationId: number, now: number): boolean;
  /** True when the account already has its cap of ids inside the window: a new one would be refused. */
  isFull(srvId: string, now: number): boolean;
  /** Records (srvId, id) at `now` and prunes what has aged out. */
  record(srvId: string, notificationId: number, now: number): void;
  /** The live entries, oldest first, for the persistent state. */
  records(now: number): readonly NotificationIdRecord[];
  readonly size: number;
  readonly capacityPerAccount: number;
}

const keyOf = (srvId: string, id: number): string => `${id}\u0000${srvId}`;

/** A cache seeded from saved records (entries older than the TTL are dropped). */
export function createRecentNotificationIds(
  saved: readonly NotificationIdRecord[] = [],
  options: RecentIdOptions = {},
): RecentNotificationIds {
  const ttl = options.ttlMs ?? RECENT_ID_TTL_MS;
  const capacity = Math.max(1, options.capacityPerAccount ?? RECENT_ID_CAPACITY_PER_ACCOUNT);
  // A Map keeps insertion order; `record` re-inserts, so the first entry is always the oldest.
  const entries = new Map<string, NotificationIdRecord>();
  const perAccount = new Map<string, number>();
  const add = (r: NotificationIdRecord): void => {
    const k = keyOf(r.srvId, r.notificationId);
    if (!entries.has(k)) perAccount.set(r.srvId, (perAccount.get(r.srvId) ?? 0) + 1);
    entries.delete(k);
    entries.set(k, r);
  };
  const remove = (k: string, r: NotificationIdRecord): void => {
    entries.delete(k);
    const n = (perAccount.get(r.srvId) ?? 1) - 1;
    if (n === 0) perAccount.delete(r.srvId);
    else perAccount.set(r.srvId, n);
  };
  const prune = (now: number): void => {
    for (const [k, r] of entries) {
      // Oldest first: stop at the first live one. A record from the "future" (the clock was set back) is kept
      // until it ages out from its own time.
      if (now - r.receivedAt < ttl) break;
      remove(k, r);
    }
  };
  for (const r of [...saved].sort((a, b) => a.receivedAt - b.receivedAt)) add(r);
  prune(saved.reduce((max, r) => Math.max(max, r.receivedAt), 0));

  return {
    has(srvId, notificationId, now) {
      const r = entries.get(keyOf(srvId, notificationId));
      return r !== undefined && now - r.receivedAt < ttl;
    },
    isFull(srvId, now) {
      prune(now);
      return (perAccount.get(srvId) ?? 0) >= capacity;
    },
    record(srvId, notificationId, now) {
      add({ srvId, notificationId, receivedAt: now });
      prune(now);
    },
    records(now) {
      prune(now);
      return [...entries.values()];
    },
    get size() {
      return entries.size;
    },
    capacityPerAccount: capacity,
  };
}
