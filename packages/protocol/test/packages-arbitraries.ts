// fast-check arbitraries for the JSON packages (docs/protocol.md §3, §7.1): every value they produce is valid
// per the schemas, so parse(serialize(x)) must give x back. Shared by the property and fuzz tests.
import fc from "fast-check";
import { MARKS, type GenericAlert } from "../src/packages/generic-alert.js";
import type { MoItem, MoSerialization } from "../src/packages/mo-serialization.js";
import type { MosEntry, Package1 } from "../src/packages/package1.js";
import type { Package2 } from "../src/packages/package2.js";
import type { Package3, StatusItem } from "../src/packages/package3.js";

/** Any string, including non-ASCII and astral characters. */
export const anyString = fc.string({ unit: "binary", maxLength: 24 });
export const nonEmptyString = fc.string({ unit: "binary", minLength: 1, maxLength: 24 });
/**
 * Any JSON value, far shallower than the depth limit. Normalized through JSON once, because JSON itself cannot
 * carry -0 (it reads back as 0) and plain objects are what JSON.parse builds.
 */
export const jsonValue = fc
  .jsonValue({ maxDepth: 4, stringUnit: "binary" })
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown);

export const alertArb: fc.Arbitrary<GenericAlert> = fc
  .record(
    {
      AlertType: nonEmptyString,
      SourceURI: anyString,
      TargetURI: anyString,
      Mark: fc.constantFrom(...MARKS),
      data: fc.record({ DataType: nonEmptyString, Data: jsonValue }, { noNullPrototype: true }),
    },
    { requiredKeys: ["AlertType"], noNullPrototype: true },
  )
  .map(({ data, ...rest }) => (data === undefined ? rest : { ...rest, ...data }));

export const moItemArb: fc.Arbitrary<MoItem> = fc.record(
  {
    DDF: anyString,
    ClientURI: nonEmptyString,
    CV: anyString,
    MOData: fc.dictionary(anyString, jsonValue, { maxKeys: 3, noNullPrototype: true }),
  },
  { requiredKeys: ["ClientURI", "MOData"], noNullPrototype: true },
);

export const moSerializationArb: fc.Arbitrary<MoSerialization> = fc.array(moItemArb, { maxLength: 4 });

export const mosEntryArb: fc.Arbitrary<MosEntry> = fc.record(
  { DDF: anyString, MOID: nonEmptyString, MIID: fc.array(nonEmptyString, { maxLength: 4 }) },
  { requiredKeys: ["MIID"], noNullPrototype: true },
);

export const package1Arb: fc.Arbitrary<Package1> = fc.record(
  { MOS: fc.array(mosEntryArb, { maxLength: 4 }), Alert: fc.array(alertArb, { maxLength: 4 }) },
  { requiredKeys: [], noNullPrototype: true },
);

export const package2Arb: fc.Arbitrary<Package2> = fc.record(
  { CMD: fc.array(fc.array(anyString, { maxLength: 5 }), { minLength: 1, maxLength: 8 }) },
  { noNullPrototype: true },
);

export const statusItemArb: fc.Arbitrary<StatusItem> = fc.record(
  {
    sc: fc.integer({ min: 100, max: 999 }),
    URI: fc.array(anyString, { maxLength: 3 }),
    Data: moSerializationArb,
  },
  { requiredKeys: ["sc"], noNullPrototype: true },
);

export const package3Arb: fc.Arbitrary<Package3> = fc.record(
  { Status: fc.array(statusItemArb, { maxLength: 8 }), Alert: fc.array(alertArb, { maxLength: 3 }) },
  { requiredKeys: ["Status"], noNullPrototype: true },
);
