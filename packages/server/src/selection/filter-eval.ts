// The device filter's meaning over a device record, for the memory store (docs/filters.md). The SQL compiler
// (filter-sql.ts) gives the same answers over the side tables; the store contract's selection suite holds the
// three stores to it on generated fleets.
import type { Device } from "../store/types.js";
import { contactCondition, type DeviceFilter, type TimeOp } from "./filter-ast.js";

/** Whether `device` is selected by `filter` at time `now` (epoch ms, for `lastContact<7d`). */
export function matchesFilter(filter: DeviceFilter, device: Device, now: number): boolean {
  switch (filter.kind) {
    case "and":
      return filter.items.every((f) => matchesFilter(f, device, now));
    case "or":
      return filter.items.some((f) => matchesFilter(f, device, now));
    case "not":
      return !matchesFilter(filter.item, device, now);
    case "label": {
      if (!Object.hasOwn(device.labels, filter.name)) return false;
      return filter.value === undefined || device.labels[filter.name] === filter.value;
    }
    case "mo":
      return mosMoids(device.mos).includes(filter.moid);
    case "devinfo":
      return devInfoValues(device.devInfo).get(filter.field) === filter.value;
    case "state":
      return device.state === filter.state;
    case "id":
      return device.id === filter.id;
    case "lastContact": {
      if (device.lastContactAt === null) return false;
      const { op, ms } = contactCondition(filter, now);
      return compare(device.lastContactAt, op, ms);
    }
  }
}

function compare(a: number, op: TimeOp, b: number): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

/**
 * The longest DevInfo name, value or MOID a filter can select on. The SQL stores index them, and a B-tree entry
 * has a size limit (about 2.7 kB in PostgreSQL); real DevInfo values and MOIDs are far shorter.
 */
export const SELECTABLE_MAX_LENGTH = 256;

/** Also without NUL, which PostgreSQL text cannot hold. */
const fits = (text: string) => text.length <= SELECTABLE_MAX_LENGTH && !text.includes("\u0000");
const selectable = (text: string) => text.length > 0 && fits(text);

/**
 * The DevInfo values a filter can select on: the string leaves at the top of the stored DevInfo record (what
 * the registry captures, docs/protocol.md §9.1). The SQL stores keep exactly these in `device_attributes`.
 */
export function devInfoValues(devInfo: unknown): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (typeof devInfo !== "object" || devInfo === null || Array.isArray(devInfo)) return out;
  for (const [name, value] of Object.entries(devInfo)) {
    if (typeof value === "string" && selectable(name) && fits(value)) out.set(name, value);
  }
  return out;
}

/** The distinct MOIDs of a MOS inventory (docs/protocol.md §3.1), as `device_mos` keeps them. */
export function mosMoids(mos: readonly { readonly MOID?: string }[] | null): readonly string[] {
  const out = new Set<string>();
  for (const entry of mos ?? []) if (typeof entry.MOID === "string" && selectable(entry.MOID)) out.add(entry.MOID);
  return [...out];
}
