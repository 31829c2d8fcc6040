// Accepted Package#0 notifications whose ServerInitiatedMgmt session has not run yet (docs/protocol.md §2.7 step
// 3), kept in the persistent state so that a crash or restart between acceptance and the session loses none: the
// entry is added (and saved) before the session is asked for, and removed once that session has run. One waiting
// for a bearer (§2.4) carries its preferred bearers until one is up.
import type { PendingNotificationRecord } from "../state/client-state.js";

export interface PendingNotifications {
  add(record: Omit<PendingNotificationRecord, "id">): PendingNotificationRecord;
  /** The entry now has a bearer and no longer waits for one. */
  chooseBearer(id: string, bearer: number): PendingNotificationRecord | undefined;
  remove(id: string): void;
  list(): readonly PendingNotificationRecord[];
  restore(records: readonly PendingNotificationRecord[]): void;
  onChange(listener: () => void): () => void;
}

export function createPendingNotifications(newId: () => string): PendingNotifications {
  const entries = new Map<string, PendingNotificationRecord>();
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of [...listeners]) l();
  };
  return {
    add(record) {
      let id = newId();
      while (entries.has(id)) id = newId();
      const r = { id, ...record };
      entries.set(id, r);
      changed();
      return r;
    },
    chooseBearer(id, bearer) {
      const r = entries.get(id);
      if (r === undefined) return undefined;
      const next: PendingNotificationRecord = { ...r, bearer };
      delete (next as { preferred?: unknown }).preferred;
      entries.set(id, next);
      changed();
      return next;
    },
    remove(id) {
      if (entries.delete(id)) changed();
    },
    list: () => [...entries.values()],
    restore(records) {
      entries.clear();
      for (const r of records) entries.set(r.id, r);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
