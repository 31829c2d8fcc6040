// Keeps the in-memory PSK key cache (psk-keys.ts) current with every device change made through this
// server: a store wrapper whose `devices.create/update/delete` tell the cache what changed once the change has
// committed. The REST API (pre-provisioning, credential changes, deletion), the device registry and anything
// else given the wrapped store are covered without knowing about PSK-TLS. A device added through the API can
// complete its first PSK handshake at once instead of failing it on a cache miss (docs/protocol.md §11.2).
//
// Inside `store.transaction(fn)` the changes are collected and applied only after the commit (a rolled-back
// change never reaches the cache). Changes made by another server node are not seen here: psk-keys.ts covers
// those with its store lookup on a miss.
import type { PskKeyCache } from "./psk-keys.js";
import type { DeviceStore, Store, StoreParts } from "../store/store.js";
import type { Device } from "../store/types.js";

type Change = { readonly kind: "changed"; readonly device: Device } | { readonly kind: "removed"; readonly id: string };

/** `store` with device changes reported to `cache`. Everything else is passed through unchanged. */
export function withPskKeySync(store: Store, cache: Pick<PskKeyCache, "deviceChanged" | "deviceRemoved">): Store {
  const apply = (change: Change): void => {
    if (change.kind === "changed") cache.deviceChanged(change.device);
    else cache.deviceRemoved(change.id);
  };
  return {
    ...withDevices(store, syncedDevices(store.devices, apply)),
    kind: store.kind,
    retention: store.retention,
    leases: store.leases,
    events: store.events,
    webhooks: store.webhooks,
    async transaction<T>(fn: (tx: StoreParts) => Promise<T>): Promise<T> {
      const pending: Change[] = [];
      const result = await store.transaction((tx) =>
        fn(
          withDevices(
            tx,
            syncedDevices(tx.devices, (change) => pending.push(change)),
          ),
        ),
      );
      pending.forEach(apply);
      return result;
    },
    close: () => store.close(),
  };
}

function withDevices(parts: StoreParts, devices: DeviceStore): StoreParts {
  return {
    devices,
    commands: parts.commands,
    sessions: parts.sessions,
    alerts: parts.alerts,
    notifications: parts.notifications,
    repository: parts.repository,
    uiSessions: parts.uiSessions,
    apiTokens: parts.apiTokens,
    bootstrap: parts.bootstrap,
    groups: parts.groups,
    capabilities: parts.capabilities,
    audit: parts.audit,
    firmware: parts.firmware,
    consoleSignIns: parts.consoleSignIns,
    campaigns: parts.campaigns,
  };
}

function syncedDevices(devices: DeviceStore, report: (change: Change) => void): DeviceStore {
  return {
    get: (id) => devices.get(id),
    findByCredential: (key) => devices.findByCredential(key),
    // A contact registers devices without credentials and changes none: nothing for the cache.
    recordContact: (id, options) => devices.recordContact(id, options),
    stateOf: (id) => devices.stateOf(id),
    // DevInfo only: no credential changes.
    mergeDevInfo: (id, values) => devices.mergeDevInfo(id, values),
    list: (query) => devices.list(query),
    count: (query) => devices.count(query),
    async create(input) {
      const device = await devices.create(input);
      report({ kind: "changed", device });
      return device;
    },
    async update(id, patch) {
      const device = await devices.update(id, patch);
      report({ kind: "changed", device });
      return device;
    },
    async delete(id) {
      const deleted = await devices.delete(id);
      if (deleted) report({ kind: "removed", id });
      return deleted;
    },
    async importBatch(rows) {
      const results = await devices.importBatch(rows);
      // Only rows that set or cleared a PSK can change the cache; read those devices back as stored.
      const touched = results.filter(
        (r, i) => "outcome" in r && r.outcome !== "unchanged" && rows[i]?.psk !== undefined,
      );
      for (const r of touched) {
        const device = await devices.get(r.id);
        if (device !== null) report({ kind: "changed", device });
      }
      return results;
    },
  };
}
