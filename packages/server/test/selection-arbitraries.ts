// fast-check generators for device selection: filters over small pools of labels, DevInfo values and MOIDs (so
// that generated filters hit generated fleets often), and the fleets themselves.
import fc from "fast-check";
import { DEVINFO_FIELDS, type DeviceFilter, type TimeOp } from "../src/selection/filter-ast.js";
import { DeviceState, type JsonValue, type MosInventoryEntry } from "../src/store/types.js";

export const DAY = 86_400_000;
export const LABEL_NAMES = ["site", "tier", "x y"];
export const LABEL_VALUES = ["berlin", "paris", 'a"b', "and"];
export const DEVINFO_VALUES = ["acme", "gw-1", "1.0", "2.0", "not", "Gw 2"];
export const MOIDS = ["urn:oma:mo:oma-dm-devinfo:1.2", "urn:oma:mo:oma-fumo:1.0", "urn:example:x"];
const FIELDS = ["Man", "Mod", "FwV", "SwV"] as const;

const timeOp = fc.constantFrom<TimeOp>("<", "<=", ">", ">=");

/** A `lastContact` bound: an age in days/hours, or a date in January 2026 (the contract clock's month). */
const timeBound = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => ({ ago: n * DAY, text: `${n}d` })),
  fc.integer({ min: 0, max: 900 }).map((n) => ({ ago: n * 3_600_000, text: `${n}h` })),
  fc.integer({ min: 1, max: 31 }).map((day) => {
    const text = `2026-01-${String(day).padStart(2, "0")}`;
    return { at: Date.parse(text), text };
  }),
);

const term: fc.Arbitrary<DeviceFilter> = fc.oneof(
  fc.record({ kind: fc.constant("label" as const), name: fc.constantFrom(...LABEL_NAMES) }),
  fc.record({
    kind: fc.constant("label" as const),
    name: fc.constantFrom(...LABEL_NAMES),
    value: fc.constantFrom(...LABEL_VALUES),
  }),
  fc.record({ kind: fc.constant("mo" as const), moid: fc.constantFrom(...MOIDS) }),
  fc.record({
    kind: fc.constant("devinfo" as const),
    field: fc.constantFrom(...FIELDS),
    value: fc.constantFrom(...DEVINFO_VALUES),
  }),
  fc.record({
    kind: fc.constant("state" as const),
    state: fc.constantFrom(DeviceState.Provisioned, DeviceState.Registered, DeviceState.Disabled),
  }),
  fc.record({ kind: fc.constant("id" as const), id: fc.constantFrom("d-03", "d-10", "nope") }),
  fc.record({ kind: fc.constant("lastContact" as const), op: timeOp, bound: timeBound }),
);

/** A filter tree as the parser builds it: and/or with two or more items, not, and the terms. */
export const filterArb: fc.Arbitrary<DeviceFilter> = fc.letrec<{ f: DeviceFilter }>((tie) => ({
  f: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    term,
    fc.record({ kind: fc.constant("and" as const), items: fc.array(tie("f"), { minLength: 2, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("or" as const), items: fc.array(tie("f"), { minLength: 2, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("not" as const), item: tie("f") }),
  ),
})).f;

/** Any DevInfo field name, spelt in any case (the parser accepts them case-insensitively). */
export const anyFieldName = fc
  .constantFrom(...DEVINFO_FIELDS)
  .chain((f) => fc.constantFrom(f, f.toLowerCase(), f.toUpperCase()));

export interface FleetDevice {
  readonly id: string;
  readonly labels: Record<string, string>;
  readonly devInfo: JsonValue | undefined;
  readonly mos: MosInventoryEntry[] | undefined;
  /** Days after the clock's start of each contact, in order (none: never contacted). */
  readonly contactDays: readonly number[];
  readonly disabled: boolean;
}

const devInfoArb: fc.Arbitrary<JsonValue | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(
    fc.constantFrom(...FIELDS),
    // Non-strings and over-long strings are kept in the record but are not selectable.
    fc.oneof(fc.constantFrom(...DEVINFO_VALUES), fc.constant(2), fc.constant("v".repeat(300))),
  ),
);

const mosArb: fc.Arbitrary<MosInventoryEntry[] | undefined> = fc.option(
  fc.array(
    fc.oneof(
      fc.constantFrom(...MOIDS).map((MOID) => ({ MOID, MIID: ["i0"] })),
      fc.constant({ MIID: ["x"] }),
    ),
    { maxLength: 3 },
  ),
  { nil: undefined },
);

export function fleetArb(size: number): fc.Arbitrary<FleetDevice[]> {
  return fc
    .array(
      fc.record({
        labels: fc.dictionary(fc.constantFrom(...LABEL_NAMES), fc.constantFrom(...LABEL_VALUES)),
        devInfo: devInfoArb,
        mos: mosArb,
        contactDays: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 2 }).map((a) => a.sort((x, y) => x - y)),
        disabled: fc.boolean(),
      }),
      { minLength: size, maxLength: size },
    )
    .map((rows) => rows.map((r, i) => ({ ...r, id: `d-${String(i).padStart(2, "0")}` })));
}
