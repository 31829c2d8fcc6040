// The memory store: the reference implementation of the Store contract, for tests and for trying things out.
// Each method runs synchronously to completion inside its promise, so each is atomic by construction; every
// check happens before the first change, so a refused call changes nothing. Records go out as deep copies and
// JSON goes through a JSON round trip, so callers see exactly what the SQL stores would give them.
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously: `async`
   turns every throw into a rejection, as callers of a real database would see it. */
import { ServerError, ServerErrorCode } from "../errors.js";
import { applyDevicePatch, checkDevicePatch, checkNewDevice, newDeviceRecord } from "./device-rules.js";
import { mergeDevInfo, stateAfterContact, type CheckedDevicePatch } from "./device-rules.js";
import { createMemoryAudit, createMemoryCapabilities } from "./memory-access.js";
import { createMemoryBootstrap } from "./memory-bootstrap.js";
import { createMemoryContent } from "./memory-content.js";
import { createMemoryGroups, dropMemberships, memorySelection } from "./memory-groups.js";
import { createMemoryFirmware } from "./memory-firmware.js";
import { createMemoryCampaigns } from "./memory-campaigns.js";
import { createMemoryConsoleSignIns } from "./memory-console.js";
import { memoryImportBatch } from "./memory-import.js";
import { createMemoryEventLog } from "./memory-events.js";
import { createMemoryWebhooks } from "./memory-webhooks.js";
import { createMemoryCommands } from "./memory-queue.js";
import { createMemorySessions } from "./memory-sessions.js";
import { MemoryStoreData, memoryPage, out, requireDevice, type MemoryContext } from "./memory-context.js";
import { idSource, requireText } from "./rules.js";
import { StoreKind, type DeviceStore, type Store, type StoreParts } from "./store.js";
import { checkActive, TransactionScope, wrapMethods, wrapParts } from "./transaction-support.js";
import type { TransactionState } from "./transaction-support.js";
import { createMemoryRetention } from "./memory-retention.js";
import { createMemoryLeases } from "./memory-leases.js";
import { DeviceState, type Device } from "./types.js";
import type { StoreDeps } from "./types.js";

export interface MemoryStoreOptions {
  readonly data?: MemoryStoreData | undefined;
}

export function createMemoryStore(deps: StoreDeps, options: MemoryStoreOptions = {}): Store {
  let closed = false;
  const data = options.data ?? new MemoryStoreData();
  const newId = idSource(deps);
  const ctx: MemoryContext = {
    data,
    now: () => deps.clock.now(),
    newId,
    check: () => {
      if (closed) throw new ServerError(ServerErrorCode.STORE_CLOSED, "the store is closed");
    },
    nextSeq: () => ++data.seq,
  };
  const parts: StoreParts = {
    devices: createMemoryDevices(ctx),
    commands: createMemoryCommands(ctx),
    sessions: createMemorySessions(ctx),
    ...createMemoryContent(ctx),
    bootstrap: createMemoryBootstrap(ctx, data.bootstrap),
    groups: createMemoryGroups(ctx),
    capabilities: createMemoryCapabilities(ctx),
    audit: createMemoryAudit(ctx),
    firmware: createMemoryFirmware(ctx),
    campaigns: createMemoryCampaigns(ctx),
    consoleSignIns: createMemoryConsoleSignIns(ctx),
  };
  // A running transaction holds the gate: other callers wait for it, so they see all of it or none of it.
  const scope = new TransactionScope();
  let gate: Promise<void> | undefined;
  const passGate = async () => {
    while (gate !== undefined) await gate;
  };
  const outside = wrapParts(parts, async (call) => {
    scope.checkOutside();
    await passGate();
    return call();
  });
  const outsideOnly = async (call: () => Promise<unknown>) => {
    scope.checkOutside();
    await passGate();
    return call();
  };
  const retention = wrapMethods(createMemoryRetention(ctx), outsideOnly);
  return {
    kind: StoreKind.Memory,
    ...outside,
    retention,
    leases: wrapMethods(createMemoryLeases(ctx), outsideOnly),
    events: createMemoryEventLog(data, () => {
      ctx.check();
    }),
    webhooks: createMemoryWebhooks(data, ctx),
    transaction: async (fn) => {
      scope.checkOutside();
      // No await between seeing the gate open and closing it, or two transactions could both pass.
      while (gate !== undefined) await gate;
      ctx.check();
      let release: () => void = () => undefined;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const restore = data.snapshot();
      const state: TransactionState = { active: true };
      // Each memory method is atomic on its own (it checks everything before its first change).
      const tx = wrapParts(parts, async (call) => {
        checkActive(state);
        return call();
      });
      try {
        return await scope.run(state, () => fn(tx));
      } catch (error) {
        restore();
        throw error;
      } finally {
        state.active = false;
        gate = undefined;
        release();
      }
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}

function credentialConflict(ctx: MemoryContext, id: string, patch: CheckedDevicePatch): void {
  for (const other of ctx.data.devices.values()) {
    if (other.id === id) continue;
    const clash =
      (patch.certFingerprint != null && other.certFingerprint === patch.certFingerprint) ||
      (patch.psk != null && other.psk?.identity === patch.psk.identity) ||
      (patch.http != null && other.http?.username === patch.http.username);
    if (clash) {
      throw new ServerError(ServerErrorCode.CREDENTIAL_CONFLICT, `device ${other.id} already uses that credential`);
    }
  }
}

function createMemoryDevices(ctx: MemoryContext): DeviceStore {
  const { data } = ctx;
  return {
    create: async (input) => {
      ctx.check();
      const { id, patch } = checkNewDevice(input);
      if (data.devices.has(id)) throw new ServerError(ServerErrorCode.DEVICE_EXISTS, `device ${id} exists`);
      credentialConflict(ctx, id, patch);
      const now = ctx.now();
      const device = applyDevicePatch(newDeviceRecord(id, DeviceState.Provisioned, now, false), patch, now);
      data.devices.set(id, device);
      return out(device);
    },
    get: async (id) => {
      ctx.check();
      const device = data.devices.get(id);
      return device === undefined ? null : out(device);
    },
    findByCredential: async (key) => {
      ctx.check();
      for (const d of data.devices.values()) {
        if ("certFingerprint" in key && d.certFingerprint === key.certFingerprint) return out(d);
        if ("pskIdentity" in key && d.psk?.identity === key.pskIdentity) return out(d);
        if ("httpUsername" in key && d.http?.username === key.httpUsername) return out(d);
      }
      return null;
    },
    recordContact: async (id, options) => {
      ctx.check();
      requireText(id, "device id");
      // Checked before anything is written: a malformed inventory changes nothing.
      const checked = options.mos === undefined ? {} : checkDevicePatch({ mos: options.mos });
      const now = ctx.now();
      const existing = data.devices.get(id);
      if (existing === undefined && !options.autoRegister) return null;
      const contacted: Device =
        existing === undefined
          ? newDeviceRecord(id, DeviceState.Registered, now, true)
          : {
              ...existing,
              state: stateAfterContact(existing.state),
              firstContactAt: existing.firstContactAt ?? now,
              lastContactAt: now,
              updatedAt: now,
            };
      // A disabled device's contact is recorded, not its inventory (the caller refuses it).
      const device = contacted.state === DeviceState.Disabled ? contacted : applyDevicePatch(contacted, checked, now);
      data.devices.set(id, device);
      return out(device);
    },
    stateOf: async (id) => {
      ctx.check();
      return data.devices.get(id)?.state ?? null;
    },
    mergeDevInfo: async (id, values) => {
      ctx.check();
      const existing = data.devices.get(id);
      if (existing === undefined) return false;
      const patch = checkDevicePatch({ devInfo: mergeDevInfo(existing.devInfo, values) });
      data.devices.set(id, applyDevicePatch(existing, patch, ctx.now()));
      return true;
    },
    importBatch: async (rows) => memoryImportBatch(ctx, rows),
    update: async (id, patch) => {
      ctx.check();
      const checked = checkDevicePatch(patch);
      const device = requireDevice(ctx, id);
      credentialConflict(ctx, id, checked);
      const next = applyDevicePatch(device, checked, ctx.now());
      data.devices.set(id, next);
      return out(next);
    },
    delete: async (id) => {
      ctx.check();
      if (!data.devices.delete(id)) return false;
      // Cascade as the SQL foreign keys do.
      for (const map of [data.commands, data.alerts, data.notifications, data.uploads]) {
        for (const [k, v] of map) if (v.rec.deviceId === id) map.delete(k);
      }
      for (const [k, s] of data.sessions) if (s.deviceId === id) data.sessions.delete(k);
      for (const [k, u] of data.uiSessions) if (u.deviceId === id) data.uiSessions.delete(k);
      for (const [k, r] of data.repository) if (r.item.deviceId === id) data.repository.delete(k);
      for (const [k, c] of data.capabilities) if (c.deviceId === id) data.capabilities.delete(k);
      dropMemberships(ctx, id);
      for (const [k, c] of data.campaignDevices) if (c.deviceId === id) data.campaignDevices.delete(k);
      return true;
    },
    list: async (query = {}) => {
      ctx.check();
      const selected = memorySelection(ctx, query);
      return memoryPage([...data.devices.values()].filter(selected), query, (d) => [d.id], ["string"]);
    },
    count: async (query = {}) => {
      ctx.check();
      const selected = memorySelection(ctx, query);
      let n = 0;
      for (const d of data.devices.values()) if (selected(d)) n++;
      return n;
    },
  };
}
