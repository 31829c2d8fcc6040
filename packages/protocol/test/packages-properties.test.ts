// Round-trip and truncation properties of the JSON packages (docs/protocol.md §3, §7.1):
// parse(serialize(x)) = x for every valid value, as a string and as UTF-8 bytes, and every proper prefix of a
// serialization is a typed error (never a value, never an exception).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode } from "../src/errors.js";
import type { Result } from "../src/result.js";
import { parseGenericAlert, serializeGenericAlert } from "../src/packages/generic-alert.js";
import { parseMoSerialization, serializeMoSerialization } from "../src/packages/mo-serialization.js";
import { parsePackage1, serializePackage1 } from "../src/packages/package1.js";
import { parsePackage2, serializePackage2 } from "../src/packages/package2.js";
import { parsePackage3, serializePackage3 } from "../src/packages/package3.js";
import { alertArb, moSerializationArb, package1Arb, package2Arb, package3Arb } from "./packages-arbitraries.js";

interface Codec<T> {
  readonly name: string;
  readonly arb: fc.Arbitrary<T>;
  readonly serialize: (x: T) => string;
  readonly parse: (input: Uint8Array | string) => Result<T>;
}

const codec = <T>(
  name: string,
  arb: fc.Arbitrary<T>,
  serialize: (x: T) => string,
  parse: (input: Uint8Array | string) => Result<T>,
): Codec<unknown> => ({ name, arb, serialize, parse }) as Codec<unknown>;

const CODECS: readonly Codec<unknown>[] = [
  codec("Package#1", package1Arb, serializePackage1, parsePackage1),
  codec("Package#2", package2Arb, serializePackage2, parsePackage2),
  codec("Package#3", package3Arb, serializePackage3, parsePackage3),
  codec("Generic Alert", alertArb, serializeGenericAlert, parseGenericAlert),
  codec("MO serialization", moSerializationArb, serializeMoSerialization, parseMoSerialization),
];
const encoder = new TextEncoder();

for (const c of CODECS) {
  test(`${c.name}: parse(serialize(x)) = x, from a string and from UTF-8 bytes`, () => {
    fc.assert(
      fc.property(c.arb, (x) => {
        const text = c.serialize(x);
        const fromText = c.parse(text);
        const fromBytes = c.parse(encoder.encode(text));
        assert.ok(fromText.ok, fromText.ok ? "" : fromText.error.message);
        assert.deepEqual(fromText.value, x);
        assert.ok(fromBytes.ok);
        assert.deepEqual(fromBytes.value, x);
      }),
      { numRuns: 300 },
    );
  });

  test(`${c.name}: serialize is stable (serialize(parse(serialize(x))) = serialize(x))`, () => {
    fc.assert(
      fc.property(c.arb, (x) => {
        const text = c.serialize(x);
        const back = c.parse(text);
        assert.ok(back.ok);
        assert.equal(c.serialize(back.value), text);
      }),
      { numRuns: 200 },
    );
  });

  test(`${c.name}: every proper prefix of a serialization is a typed error`, () => {
    fc.assert(
      fc.property(c.arb, fc.nat(), (x, n) => {
        const bytes = encoder.encode(c.serialize(x));
        const cut = n % bytes.length; // a proper prefix: at least one byte missing
        const r = c.parse(bytes.subarray(0, cut));
        assert.equal(r.ok, false);
        // A cut inside a multi-byte character is an encoding error; anywhere else the JSON is incomplete.
        assert.ok([ErrorCode.JSON_SYNTAX, ErrorCode.JSON_ENCODING].includes(r.error.code as never), r.error.code);
      }),
      { numRuns: 300 },
    );
  });
}
