// The DEFAULT URIs (docs/protocol.md §4.9): one ServerURI per MOID, a newer DEFAULT replaces the
// older one. Kept in the persistent client state (`DefaultUriRecord`) through snapshot()/restore().
import { ErrorCode, ProtocolError, type Result, err, isValidMoid, ok } from "@omadm/protocol";
import type { DefaultUriRecord } from "../state/client-state.js";

export interface DefaultUriStore {
  /** Stores (or replaces) the DEFAULT URI of `record.moid`. */
  set(record: DefaultUriRecord): void;
  get(moid: string): DefaultUriRecord | undefined;
  list(): readonly DefaultUriRecord[];
  /** Forgets a MOID's DEFAULT URI; false when there was none. */
  delete(moid: string): boolean;
  /** Called after every change, e.g. to save the state. */
  onChange(listener: () => void): () => void;
  snapshot(): DefaultUriRecord[];
  /** Replaces the contents; a bad record (or a MOID twice) is STATE_CORRUPT and changes nothing. */
  restore(records: readonly DefaultUriRecord[]): Result<void>;
}

function corrupt(message: string): Result<never> {
  return err(new ProtocolError(ErrorCode.STATE_CORRUPT, `DEFAULT URIs: ${message}`, { status: 500 }));
}

export function createDefaultUriStore(): DefaultUriStore {
  let byMoid = new Map<string, DefaultUriRecord>();
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of [...listeners]) l();
  };
  return {
    set(record) {
      byMoid.delete(record.moid); // re-insert: list() is in order of the latest DEFAULT
      byMoid.set(record.moid, { ...record });
      changed();
    },
    get: (moid) => byMoid.get(moid),
    list: () => [...byMoid.values()],
    delete(moid) {
      const had = byMoid.delete(moid);
      if (had) changed();
      return had;
    },
    onChange(listener) {
      const wrapped = (): void => {
        listener();
      };
      listeners.add(wrapped);
      return () => {
        listeners.delete(wrapped);
      };
    },
    snapshot: () => [...byMoid.values()].map((r) => ({ ...r })),
    restore(records) {
      const next = new Map<string, DefaultUriRecord>();
      for (const [i, r] of records.entries()) {
        if (typeof r.moid !== "string" || !isValidMoid(r.moid)) return corrupt(`record ${i} has no valid MOID`);
        if (typeof r.serverUri !== "string" || r.serverUri === "") return corrupt(`record ${i} has no ServerURI`);
        if (typeof r.srvId !== "string") return corrupt(`record ${i} has no SrvID`);
        if (typeof r.setAt !== "number" || !Number.isFinite(r.setAt)) return corrupt(`record ${i} has no time`);
        if (next.has(r.moid)) return corrupt(`MOID ${r.moid} appears twice`);
        next.set(r.moid, { moid: r.moid, serverUri: r.serverUri, srvId: r.srvId, setAt: r.setAt });
      }
      byMoid = next;
      changed();
      return ok(undefined);
    },
  };
}
