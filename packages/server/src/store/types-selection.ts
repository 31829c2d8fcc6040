// Device selection records and queries (docs/filters.md): a device list narrowed by a filter or a saved group,
// and the saved groups themselves. A campaign takes "a group or a filter" as a `DeviceSelection` and walks its
// devices with `devices.list` in id order, one bounded page at a time.
import type { DeviceFilter } from "../selection/filter-ast.js";
import type { DeviceQuery, PageQuery } from "./types.js";

/** Which devices: every condition given must hold. */
export interface DeviceSelection {
  readonly state?: DeviceQuery["state"];
  /** Every given label must match exactly. */
  readonly labels?: DeviceQuery["labels"];
  /** A parsed filter (`parseFilter`); `lastContact` ages count back from the store's clock. */
  readonly filter?: DeviceFilter | undefined;
  /** The devices of this saved group: a static group's members, a dynamic group's filter. GROUP_NOT_FOUND. */
  readonly group?: string | undefined;
}

/** A page of a selection, ordered by device id (keyset: the cursor is the last id). */
export type DeviceListQuery = DeviceSelection & PageQuery;

export const GroupKind = {
  /** An explicit list of device ids, changed by adding and removing members. */
  Static: "static",
  /** A filter, evaluated whenever the group's devices are listed. */
  Dynamic: "dynamic",
} as const;
export type GroupKind = (typeof GroupKind)[keyof typeof GroupKind];

export interface DeviceGroup {
  /** Chosen by the operator: 1–64 of letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
  readonly id: string;
  readonly kind: GroupKind;
  readonly description: string;
  /** A dynamic group's filter in canonical form (`formatFilter`); null for a static group. */
  readonly filter: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewDeviceGroup {
  readonly id: string;
  readonly kind: GroupKind;
  readonly description?: string | undefined;
  /** Required for a dynamic group, refused for a static one. */
  readonly filter?: string | undefined;
}

export interface DeviceGroupPatch {
  readonly description?: string | undefined;
  /** Dynamic groups only. */
  readonly filter?: string | undefined;
}

/** What a bulk add or remove changed. */
export interface MembershipChange {
  /** Devices that became (or stopped being) members; ids already in (or not in) the group are not counted. */
  readonly changed: number;
}
