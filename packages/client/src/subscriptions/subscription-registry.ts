// SUB registrations (docs/protocol.md §4.10–§4.11, omadm's choice): per DM Server, keyed by the
// ClientURI exactly as the SUB gave it; a second SUB for the same ClientURI replaces the ServerURI; UNSUB must
// match a ClientURI string-exactly. Kept in the persistent client state (`SubscriptionRecord`) through
// snapshot()/restore(), so subscriptions survive a restart — and so does a change not yet reported
// (`pendingSince`, set by the reporter when it sees the change and cleared only after the PUT succeeded).
import { ErrorCode, ProtocolError, type Result, err, ok, parseClientUri } from "@omadm/protocol";
import type { SubscriptionRecord } from "../state/client-state.js";

export type SubscriptionChange =
  | { readonly kind: "added" | "replaced"; readonly record: SubscriptionRecord }
  | { readonly kind: "removed"; readonly record: SubscriptionRecord }
  /** The record's `pendingSince` was set or cleared (the state must be saved so the change survives a restart). */
  | { readonly kind: "pending"; readonly record: SubscriptionRecord }
  | { readonly kind: "restored" };

export interface SubscriptionRegistry {
  /** Adds or replaces the subscription of `srvId` to `clientUri`; `replaced` tells which. */
  subscribe(
    srvId: string,
    clientUri: string,
    serverUri: string,
  ): { readonly record: SubscriptionRecord; readonly replaced: boolean };
  /** Removes the subscription whose ClientURI is string-identical; false when there is none (→ 404). */
  unsubscribe(srvId: string, clientUri: string): boolean;
  get(srvId: string, clientUri: string): SubscriptionRecord | undefined;
  /** Marks an unreported change (keeps the first time); false when there is no such subscription. */
  markPending(srvId: string, clientUri: string): boolean;
  /** Clears the mark after the change was reported; false when there is no such subscription. */
  clearPending(srvId: string, clientUri: string): boolean;
  /** Every subscription (of one server when `srvId` is given), oldest first. */
  list(srvId?: string): readonly SubscriptionRecord[];
  onChange(listener: (change: SubscriptionChange) => void): () => void;
  snapshot(): SubscriptionRecord[];
  /** Replaces the contents; a bad record (or a duplicate) is STATE_CORRUPT and changes nothing. */
  restore(records: readonly SubscriptionRecord[]): Result<void>;
}

const keyOf = (srvId: string, clientUri: string): string => `${srvId}\u0000${clientUri}`;

function corrupt(message: string): Result<never> {
  return err(new ProtocolError(ErrorCode.STATE_CORRUPT, `subscriptions: ${message}`, { status: 500 }));
}

export function createSubscriptionRegistry(deps: { readonly clock: { now(): number } }): SubscriptionRegistry {
  let records = new Map<string, SubscriptionRecord>();
  const listeners = new Set<(change: SubscriptionChange) => void>();
  const emit = (change: SubscriptionChange): void => {
    for (const l of [...listeners]) l(change);
  };
  return {
    subscribe(srvId, clientUri, serverUri) {
      const key = keyOf(srvId, clientUri);
      const old = records.get(key);
      // A replacing SUB keeps an unreported change: it now goes to the new ServerURI.
      const record: SubscriptionRecord = {
        srvId,
        clientUri,
        serverUri,
        createdAt: old?.createdAt ?? deps.clock.now(),
        ...(old?.pendingSince === undefined ? {} : { pendingSince: old.pendingSince }),
      };
      records.set(key, record);
      emit({ kind: old === undefined ? "added" : "replaced", record });
      return { record, replaced: old !== undefined };
    },
    unsubscribe(srvId, clientUri) {
      const key = keyOf(srvId, clientUri);
      const record = records.get(key);
      if (record === undefined) return false;
      records.delete(key);
      emit({ kind: "removed", record });
      return true;
    },
    get: (srvId, clientUri) => records.get(keyOf(srvId, clientUri)),
    markPending(srvId, clientUri) {
      const key = keyOf(srvId, clientUri);
      const old = records.get(key);
      if (old === undefined) return false;
      if (old.pendingSince !== undefined) return true;
      const record: SubscriptionRecord = { ...old, pendingSince: deps.clock.now() };
      records.set(key, record);
      emit({ kind: "pending", record });
      return true;
    },
    clearPending(srvId, clientUri) {
      const key = keyOf(srvId, clientUri);
      const old = records.get(key);
      if (old === undefined) return false;
      if (old.pendingSince === undefined) return true;
      const record: SubscriptionRecord = {
        srvId: old.srvId,
        clientUri: old.clientUri,
        serverUri: old.serverUri,
        createdAt: old.createdAt,
      };
      records.set(key, record);
      emit({ kind: "pending", record });
      return true;
    },
    list: (srvId) => [...records.values()].filter((r) => srvId === undefined || r.srvId === srvId),
    onChange(listener) {
      const wrapped = (c: SubscriptionChange): void => {
        listener(c);
      };
      listeners.add(wrapped);
      return () => {
        listeners.delete(wrapped);
      };
    },
    snapshot: () => [...records.values()].map((r) => ({ ...r })),
    restore(list) {
      const next = new Map<string, SubscriptionRecord>();
      for (const [i, r] of list.entries()) {
        if (typeof r.srvId !== "string") return corrupt(`record ${i} has no SrvID`);
        if (typeof r.clientUri !== "string" || !parseClientUri(r.clientUri).ok) {
          return corrupt(`record ${i} has no valid ClientURI`);
        }
        if (typeof r.serverUri !== "string" || r.serverUri === "") return corrupt(`record ${i} has no ServerURI`);
        if (typeof r.createdAt !== "number" || !Number.isFinite(r.createdAt)) return corrupt(`record ${i} has no time`);
        const since: unknown = r.pendingSince;
        if (since !== undefined && (typeof since !== "number" || !Number.isFinite(since))) {
          return corrupt(`record ${i} has a bad pendingSince`);
        }
        const key = keyOf(r.srvId, r.clientUri);
        if (next.has(key)) return corrupt(`record ${i} repeats a subscription`);
        next.set(key, {
          srvId: r.srvId,
          clientUri: r.clientUri,
          serverUri: r.serverUri,
          createdAt: r.createdAt,
          ...(since === undefined ? {} : { pendingSince: since }),
        });
      }
      records = next;
      emit({ kind: "restored" });
      return ok(undefined);
    },
  };
}
