// The device filter language's typed syntax tree (docs/filters.md). A filter selects devices of the registry by
// their labels, DevInfo values (docs/protocol.md §9.1), MOS inventory (§3.1), state and last contact. The parser
// (filter-parser.ts) builds it, `formatFilter` writes it back as canonical text, and the memory evaluator
// (filter-eval.ts) and the SQL compiler (filter-sql.ts) give it one meaning.
import { DeviceState } from "../store/types.js";

/** The DevInfo leaves a filter can compare (docs/protocol.md §9.1), by their node names. */
export const DEVINFO_FIELDS = ["DevID", "Man", "Mod", "DmV", "Lang", "DevType", "OEM", "FwV", "SwV", "HwV"] as const;
export type DevInfoField = (typeof DEVINFO_FIELDS)[number];

export const DEVICE_STATES: readonly DeviceState[] = [
  DeviceState.Provisioned,
  DeviceState.Registered,
  DeviceState.Disabled,
];

/** How `lastContact` compares: `<`, `<=`, `>`, `>=`. */
export type TimeOp = "<" | "<=" | ">" | ">=";

/**
 * The bound of a `lastContact` comparison: an age (`7d`: the comparison is about how long ago the contact was)
 * or a point in time (`2026-01-01`: about when it was).
 */
export type TimeBound =
  { readonly ago: number; readonly text: string } | { readonly at: number; readonly text: string };

export type DeviceFilter =
  | { readonly kind: "and"; readonly items: readonly DeviceFilter[] }
  | { readonly kind: "or"; readonly items: readonly DeviceFilter[] }
  | { readonly kind: "not"; readonly item: DeviceFilter }
  /** `label:NAME` (has the label) or `label:NAME=VALUE`. */
  | { readonly kind: "label"; readonly name: string; readonly value?: string }
  /** `mo:MOID`: the device's MOS inventory lists this MOID. */
  | { readonly kind: "mo"; readonly moid: string }
  /** `FIELD=VALUE`: the DevInfo leaf as last read from the device is this string. */
  | { readonly kind: "devinfo"; readonly field: DevInfoField; readonly value: string }
  | { readonly kind: "state"; readonly state: DeviceState }
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "lastContact"; readonly op: TimeOp; readonly bound: TimeBound };

/**
 * What a `lastContact` term asks of the stored time: `lastContactAt OP ms`. An age compares the other way round
 * (`lastContact<7d`: less than 7 days ago, so after now − 7 d). A device that never made contact has no time
 * and matches no comparison.
 */
export function contactCondition(
  term: { readonly op: TimeOp; readonly bound: TimeBound },
  now: number,
): { readonly op: TimeOp; readonly ms: number } {
  if ("at" in term.bound) return { op: term.op, ms: term.bound.at };
  const flipped: Record<TimeOp, TimeOp> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
  return { op: flipped[term.op], ms: now - term.bound.ago };
}

const BARE = /^[A-Za-z0-9_.:/+@-]+$/;
const KEYWORDS = new Set(["and", "or", "not"]);

/** A value as the parser reads it back: bare when it can be, else double-quoted with \" and \\ escapes. */
export function formatValue(value: string): string {
  if (BARE.test(value) && !KEYWORDS.has(value.toLowerCase())) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Canonical text of a filter: `parseFilter(formatFilter(f))` gives `f` back. Parentheses only where needed. */
export function formatFilter(f: DeviceFilter): string {
  switch (f.kind) {
    case "and":
      return f.items.map((i) => (i.kind === "or" ? `(${formatFilter(i)})` : formatFilter(i))).join(" and ");
    case "or":
      return f.items.map(formatFilter).join(" or ");
    case "not":
      return f.item.kind === "and" || f.item.kind === "or"
        ? `not (${formatFilter(f.item)})`
        : `not ${formatFilter(f.item)}`;
    case "label":
      return `label:${formatValue(f.name)}${f.value === undefined ? "" : `=${formatValue(f.value)}`}`;
    case "mo":
      return `mo:${formatValue(f.moid)}`;
    case "devinfo":
      return `${f.field}=${formatValue(f.value)}`;
    case "state":
      return `state=${f.state}`;
    case "id":
      return `id=${formatValue(f.id)}`;
    case "lastContact":
      return `lastContact${f.op}${f.bound.text}`;
  }
}
