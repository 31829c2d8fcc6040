// Leaf formats (docs/protocol.md §7.1 table, §8.1): typed values, lenient string forms, clear 400 errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode } from "@omadm/protocol";
import {
  checkLeafValue,
  decodeBase64,
  decodeLeafJson,
  encodeBase64,
  encodeLeafJson,
  leafValueToString,
  leafValuesEqual,
} from "../src/tree/leaf-value.js";
import { errorOf } from "./tree-fixtures.js";

function decoded(format: Parameters<typeof decodeLeafJson>[0], json: unknown): unknown {
  const r = decodeLeafJson(format, json, "x");
  return r.ok ? r.value : r.error;
}

test("each format decodes its JSON type", () => {
  assert.equal(decoded("chr", "abc"), "abc");
  assert.equal(decoded("xml", "<a/>"), "<a/>");
  assert.equal(decoded("int", -42), -42);
  assert.equal(decoded("float", 1.5), 1.5);
  assert.equal(decoded("bool", false), false);
  assert.deepEqual(decoded("bin", "AAEC"), new Uint8Array([0, 1, 2]));
  assert.deepEqual(decoded("b64", "/w=="), new Uint8Array([255]));
  assert.equal(decoded("null", null), null);
  assert.equal(decoded("date", "2016-02-09"), "2016-02-09");
  assert.equal(decoded("date", "20160209"), "20160209");
  assert.equal(decoded("time", "14:05:12Z"), "14:05:12Z");
  assert.equal(decoded("time", "14:05+01:00"), "14:05+01:00");
});

test("decoders accept the string forms of int, float and bool (§7.1)", () => {
  assert.equal(decoded("int", "42"), 42);
  assert.equal(decoded("int", "-7"), -7);
  assert.equal(decoded("float", "2.5e3"), 2500);
  assert.equal(decoded("float", "3"), 3);
  assert.equal(decoded("bool", "true"), true);
  assert.equal(decoded("bool", "FALSE"), false);
  assert.equal(decoded("null", ""), null);
  assert.deepEqual(decoded("bin", "AAE"), new Uint8Array([0, 1]), "unpadded base64 is accepted on input");
});

test("a value that does not fit its format is a 400 TREE_BAD_VALUE naming the format", () => {
  const cases: [Parameters<typeof decodeLeafJson>[0], unknown][] = [
    ["int", 1.5],
    ["int", "12a"],
    ["int", 2 ** 60],
    ["int", true],
    ["float", "NaN"],
    ["float", "1,5"],
    ["bool", "yes"],
    ["bool", 1],
    ["chr", 5],
    ["chr", null],
    ["bin", "not base64!"],
    ["bin", "A"],
    ["date", "2016-13-01"],
    ["date", "9 Feb 2016"],
    ["time", "25:00"],
    ["null", "x"],
  ];
  for (const [format, json] of cases) {
    const e = errorOf(decodeLeafJson(format, json, "urn:x/m/Leaf"));
    assert.equal(e.code, ErrorCode.TREE_BAD_VALUE, `${format} ${JSON.stringify(json)}`);
    assert.equal(e.status, 400);
    assert.match(e.message, new RegExp(format));
  }
});

test("typed values set by local code are checked without string coercion", () => {
  assert.equal(checkLeafValue("int", 3, "x").ok, true);
  assert.equal(checkLeafValue("int", "3", "x").ok, false);
  assert.equal(checkLeafValue("bool", "true", "x").ok, false);
  assert.equal(checkLeafValue("bin", "AAEC", "x").ok, false);
  assert.equal(checkLeafValue("bin", new Uint8Array([1]), "x").ok, true);
  assert.equal(checkLeafValue("float", Number.POSITIVE_INFINITY, "x").ok, false);
  assert.equal(checkLeafValue("null", null, "x").ok, true);
});

test("JSON and string forms: bin/b64 as padded base64, numbers and booleans as such", () => {
  assert.equal(encodeLeafJson(new Uint8Array([0, 1])), "AAE=");
  assert.equal(encodeLeafJson(7), 7);
  assert.equal(encodeLeafJson(true), true);
  assert.equal(leafValueToString(7), "7");
  assert.equal(leafValueToString(false), "false");
  assert.equal(leafValueToString(null), "");
  assert.equal(leafValueToString(new Uint8Array([255])), "/w==");
  assert.equal(leafValuesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.equal(leafValuesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  assert.equal(leafValuesEqual("1", 1), false);
});

test("property: base64 round-trips any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const back = decodeBase64(encodeBase64(bytes));
      assert.ok(back !== undefined);
      assert.ok(leafValuesEqual(back, bytes));
    }),
  );
});

test("property: decode(encode(v)) gives v back for every format", () => {
  const arb = fc.oneof(
    fc.tuple(fc.constant("chr" as const), fc.string()),
    fc.tuple(fc.constant("int" as const), fc.maxSafeInteger()),
    fc.tuple(fc.constant("float" as const), fc.double({ noNaN: true, noDefaultInfinity: true })),
    fc.tuple(fc.constant("bool" as const), fc.boolean()),
    fc.tuple(fc.constant("bin" as const), fc.uint8Array({ maxLength: 32 })),
    fc.tuple(fc.constant("null" as const), fc.constant(null)),
  );
  fc.assert(
    fc.property(arb, ([format, value]) => {
      const r = decodeLeafJson(format, JSON.parse(JSON.stringify(encodeLeafJson(value))) as unknown, "x");
      assert.ok(r.ok);
      assert.ok(leafValuesEqual(r.value, value) || (Object.is(value, -0) && r.value === 0));
    }),
  );
});

test("property: the decoder is total (any JSON value gives a value or a typed error)", () => {
  const formats = ["chr", "int", "float", "bool", "bin", "b64", "null", "date", "time", "xml"] as const;
  fc.assert(
    fc.property(fc.constantFrom(...formats), fc.jsonValue(), (format, json) => {
      const r = decodeLeafJson(format, json, "x");
      if (!r.ok) assert.equal(r.error.code, ErrorCode.TREE_BAD_VALUE);
    }),
  );
});
