// The memory store's saved groups and device selection (docs/filters.md): the reference the SQL stores are held
// to. Member sets are replaced, never changed in place, so a transaction's snapshot can put them back.
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously (memory-store.ts). */
import { matchesFilter } from "../selection/filter-eval.js";
import { applyGroupPatch, checkGroupId, checkMemberIds, checkNewGroup, filterOrThrow } from "./group-rules.js";
import { groupExists, groupNotFound, requireStatic } from "./group-rules.js";
import { memoryPage, out, requireDevice, type MemoryContext } from "./memory-context.js";
import type { GroupStore } from "./store.js";
import type { Device } from "./types.js";
import { GroupKind, type DeviceGroup, type DeviceSelection } from "./types-selection.js";

/** The test a selection puts on each device (GROUP_NOT_FOUND for an unknown group). */
export function memorySelection(ctx: MemoryContext, selection: DeviceSelection): (d: Device) => boolean {
  const { state, filter, group } = selection;
  const labels = Object.entries(selection.labels ?? {});
  const now = ctx.now();
  let inGroup: (d: Device) => boolean = () => true;
  if (group !== undefined) {
    const g = ctx.data.groups.get(group);
    if (g === undefined) throw groupNotFound(group);
    if (g.kind === GroupKind.Static) {
      const members = ctx.data.groupMembers.get(group) ?? new Set<string>();
      inGroup = (d) => members.has(d.id);
    } else {
      const stored = filterOrThrow(g.filter ?? "");
      inGroup = (d) => matchesFilter(stored, d, now);
    }
  }
  return (d) =>
    (state === undefined || d.state === state) &&
    labels.every(([k, v]) => Object.hasOwn(d.labels, k) && d.labels[k] === v) &&
    (filter === undefined || matchesFilter(filter, d, now)) &&
    inGroup(d);
}

/** Drops a deleted device from every static group (what the SQL foreign key's cascade does). */
export function dropMemberships(ctx: MemoryContext, deviceId: string): void {
  for (const [id, members] of ctx.data.groupMembers) {
    if (!members.has(deviceId)) continue;
    const next = new Set(members);
    next.delete(deviceId);
    ctx.data.groupMembers.set(id, next);
  }
}

export function createMemoryGroups(ctx: MemoryContext): GroupStore {
  const { data } = ctx;
  const requireGroup = (id: string): DeviceGroup => {
    const g = data.groups.get(id);
    if (g === undefined) throw groupNotFound(id);
    return g;
  };
  return {
    create: async (input) => {
      ctx.check();
      const checked = checkNewGroup(input);
      if (data.groups.has(checked.id)) throw groupExists(checked.id);
      const now = ctx.now();
      const group: DeviceGroup = { ...checked, createdAt: now, updatedAt: now };
      data.groups.set(group.id, group);
      if (group.kind === GroupKind.Static) data.groupMembers.set(group.id, new Set());
      return out(group);
    },
    get: async (id) => {
      ctx.check();
      const g = data.groups.get(id);
      return g === undefined ? null : out(g);
    },
    update: async (id, patch) => {
      ctx.check();
      const next = applyGroupPatch(requireGroup(id), patch, ctx.now());
      data.groups.set(id, next);
      return out(next);
    },
    delete: async (id) => {
      ctx.check();
      data.groupMembers.delete(id);
      return data.groups.delete(id);
    },
    list: async (query = {}) => {
      ctx.check();
      return memoryPage(data.groups.values(), query, (g) => [g.id], ["string"]);
    },
    addMembers: async (id, deviceIds) => {
      ctx.check();
      const ids = checkMemberIds(deviceIds);
      requireStatic(requireGroup(checkGroupId(id)));
      for (const d of ids) requireDevice(ctx, d);
      const members = new Set(data.groupMembers.get(id));
      const before = members.size;
      for (const d of ids) members.add(d);
      data.groupMembers.set(id, members);
      touch(ctx, id);
      return { changed: members.size - before };
    },
    removeMembers: async (id, deviceIds) => {
      ctx.check();
      const ids = checkMemberIds(deviceIds);
      requireStatic(requireGroup(checkGroupId(id)));
      const members = new Set(data.groupMembers.get(id));
      const before = members.size;
      for (const d of ids) members.delete(d);
      data.groupMembers.set(id, members);
      touch(ctx, id);
      return { changed: before - members.size };
    },
  };
}

function touch(ctx: MemoryContext, id: string): void {
  const g = ctx.data.groups.get(id);
  if (g !== undefined) ctx.data.groups.set(id, { ...g, updatedAt: ctx.now() });
}
