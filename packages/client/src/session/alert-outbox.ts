// The in-memory AlertOutbox: Generic Alerts wait here until a Package#1 or #3 that carried them is answered with
// a usable Package#2 (docs/protocol.md §3.4: alerts travel in a Package#1 or a Package#3). `snapshot()`/`restore()` let
// the persistent client state save pending alerts, so an alert survives a restart (ARCHITECTURE.md invariant 5).
import { ErrorCode, ProtocolError, err, ok, parseGenericAlert, type Result } from "@omadm/protocol";
import type { AlertOutbox, OutboxAlert } from "./contracts.js";

/** The saved form of an outbox: plain JSON data. */
export interface OutboxSnapshot {
  readonly version: 1;
  readonly alerts: readonly OutboxAlert[];
}

export interface MemoryAlertOutbox extends AlertOutbox {
  /** The pending alerts, oldest first, as plain data. */
  snapshot(): OutboxSnapshot;
  /** Replaces the contents with a snapshot (checked; a bad snapshot changes nothing and is STATE_CORRUPT). */
  restore(snapshot: unknown): Result<void>;
  /** Called after every change (add, acknowledge, restore), e.g. to save the state. */
  onChange(listener: () => void): () => void;
  readonly size: number;
}

export interface AlertOutboxDeps {
  /** Id source for new alerts (e.g. randomUUID); default "alert-1", "alert-2", … skipping ids in use. */
  readonly newId?: () => string;
}

export function createAlertOutbox(deps: AlertOutboxDeps = {}): MemoryAlertOutbox {
  // A Map keeps insertion order: alerts are delivered oldest first.
  let alerts = new Map<string, OutboxAlert>();
  const listeners = new Set<() => void>();
  let counter = 0;
  const nextId = (): string => {
    for (let tries = 0; tries < 1000; tries++) {
      const id = deps.newId === undefined ? `alert-${++counter}` : deps.newId();
      if (!alerts.has(id)) return id;
    }
    throw new Error("alert id source keeps returning ids already in use");
  };
  const changed = (): void => {
    for (const listener of [...listeners]) listener();
  };

  return {
    add(serverId, alert, options) {
      const entry: OutboxAlert = {
        id: nextId(),
        serverId,
        alert: { ...alert },
        ...(options?.targetUri === undefined ? {} : { targetUri: options.targetUri }),
      };
      alerts.set(entry.id, entry);
      changed();
      return entry;
    },
    pending(serverId, targetUri) {
      return [...alerts.values()].filter((a) => a.serverId === serverId && a.targetUri === targetUri);
    },
    acknowledge(ids) {
      let removed = false;
      for (const id of ids) removed = alerts.delete(id) || removed;
      if (removed) changed();
    },
    snapshot() {
      return { version: 1, alerts: [...alerts.values()] };
    },
    restore(snapshot) {
      const checked = checkSnapshot(snapshot);
      if (!checked.ok) return checked;
      alerts = new Map(checked.value.map((a) => [a.id, a]));
      changed();
      return ok(undefined);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get size() {
      return alerts.size;
    },
  };
}

function corrupt(message: string): Result<never> {
  return err(new ProtocolError(ErrorCode.STATE_CORRUPT, `outbox snapshot: ${message}`));
}

function checkSnapshot(value: unknown): Result<OutboxAlert[]> {
  if (typeof value !== "object" || value === null) return corrupt("not an object");
  const { version, alerts } = value as { version?: unknown; alerts?: unknown };
  if (version !== 1) return corrupt(`unsupported version ${JSON.stringify(version)}`);
  if (!Array.isArray(alerts)) return corrupt("alerts is not an array");
  const out: OutboxAlert[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of (alerts as unknown[]).entries()) {
    if (typeof raw !== "object" || raw === null) return corrupt(`alerts[${i}] is not an object`);
    const { id, serverId, alert, targetUri } = raw as Record<string, unknown>;
    if (typeof id !== "string" || id === "" || seen.has(id)) return corrupt(`alerts[${i}].id is missing or repeated`);
    if (typeof serverId !== "string") return corrupt(`alerts[${i}].serverId is not a string`);
    if (targetUri !== undefined && typeof targetUri !== "string")
      return corrupt(`alerts[${i}].targetUri is not a string`);
    // The protocol's Generic Alert schema is the one check (docs/protocol.md §3.4 property table).
    const parsed = parseGenericAlert(JSON.stringify(alert ?? null));
    if (!parsed.ok) return corrupt(`alerts[${i}].alert: ${parsed.error.message}`);
    seen.add(id);
    out.push({ id, serverId, alert: parsed.value, ...(targetUri === undefined ? {} : { targetUri }) });
  }
  return ok(out);
}
