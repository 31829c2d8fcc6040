// The duplicate cache of Package#0 NOTIFICATION-IDs (docs/protocol.md §2.3: "duplicated DM Notifications MUST be
// dropped"; docs/protocol.md §2.4 (omadm's choice): key (SrvID, NOTIFICATION-ID), kept 24 h or 256 entries). Pure: the
// caller passes the time, and the entries are plain `NotificationIdRecord`s so the persistent client state can
// save and restore them (a duplicate after a restart is still dropped).
import type { NotificationIdRecord } from "../state/client-state.js";

/** docs/protocol.md §2.4 (omadm's choice): how long a NOTIFICATION-ID is remembered. */
export const RECENT_ID_TTL_MS = 24 * 60 * 60 * 1000;
/** docs/protocol.md §2.4 (omadm's choice): at most this many ids are remembered (the oldest go first). */
export const RECENT_ID_CAPACITY = 256;

export interface RecentIdOptions {
  readonly ttlMs?: number;
  readonly capacity?: number;
}

export interface RecentNotificationIds {
  /** True when (srvId, id) was recorded within the TTL before `now`. */
  has(srvId: string, notificationId: number, now: number): boolean;
  /** Records (srvId, id) at `now` (moving it to the newest position) and prunes by TTL and capacity. */
  record(srvId: string, notificationId: number, now: number): void;
  /** The live entries, oldest first, for the persistent state. */
  records(now: number): readonly NotificationIdRecord[];
  readonly size: number;
}

const keyOf = (srvId: string, id: number): string => `${id}\u0000${srvId}`;

/** A cache seeded from saved records (entries older than the TTL, or beyond the capacity, are dropped). */
export function createRecentNotificationIds(
  saved: readonly NotificationIdRecord[] = [],
  options: RecentIdOptions = {},
): RecentNotificationIds {
  const ttl = options.ttlMs ?? RECENT_ID_TTL_MS;
  const capacity = Math.max(1, options.capacity ?? RECENT_ID_CAPACITY);
  // A Map keeps insertion order; `record` re-inserts, so the first entry is always the oldest.
  const entries = new Map<string, NotificationIdRecord>();
  for (const r of [...saved].sort((a, b) => a.receivedAt - b.receivedAt)) {
    entries.delete(keyOf(r.srvId, r.notificationId));
    entries.set(keyOf(r.srvId, r.notificationId), r);
  }

  const prune = (now: number): void => {
    for (const [k, r] of entries) {
      // A record from the "future" (the clock was set back) is kept until it ages out from its own time.
      if (now - r.receivedAt >= ttl) entries.delete(k);
    }
    while (entries.size > capacity) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
    }
  };
  prune(saved.reduce((max, r) => Math.max(max, r.receivedAt), 0));

  return {
    has(srvId, notificationId, now) {
      const r = entries.get(keyOf(srvId, notificationId));
      return r !== undefined && now - r.receivedAt < ttl;
    },
    record(srvId, notificationId, now) {
      const k = keyOf(srvId, notificationId);
      entries.delete(k);
      entries.set(k, { srvId, notificationId, receivedAt: now });
      prune(now);
    },
    records(now) {
      prune(now);
      return [...entries.values()];
    },
    get size() {
      return entries.size;
    },
  };
}
