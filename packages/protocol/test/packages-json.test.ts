// The JSON front end every package parser shares (docs/protocol.md §3): strict UTF-8, size limit, nesting-depth
// limit checked before parsing, and syntax errors that name their position.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../src/errors.js";
import type { Result } from "../src/result.js";
import { DEFAULT_JSON_LIMITS } from "../src/packages/json-text.js";
import { parseGenericAlert } from "../src/packages/generic-alert.js";
import { parseMoSerialization } from "../src/packages/mo-serialization.js";
import { parsePackage1 } from "../src/packages/package1.js";
import { parsePackage2 } from "../src/packages/package2.js";
import { parsePackage3 } from "../src/packages/package3.js";

const PARSERS = { parsePackage1, parsePackage2, parsePackage3, parseGenericAlert, parseMoSerialization } as const;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function errorOf(r: Result<unknown>): { code: string; path: string | undefined; status: number; message: string } {
  assert.equal(r.ok, false, "expected an error");
  return r.error;
}

test("a depth bomb of 100k '[' is JSON_TOO_DEEP for every parser, as bytes and as a string", () => {
  const bomb = "[".repeat(100_000);
  for (const [name, parse] of Object.entries(PARSERS)) {
    for (const input of [bomb, utf8(bomb)]) {
      const e = errorOf(parse(input));
      assert.equal(e.code, ErrorCode.JSON_TOO_DEEP, name);
      assert.equal(e.path, `@${DEFAULT_JSON_LIMITS.maxDepth}`, name);
    }
  }
});

test("a balanced object bomb (100k nested objects, valid JSON) is JSON_TOO_DEEP, not a stack overflow", () => {
  const bomb = '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000);
  assert.equal(errorOf(parsePackage3(bomb)).code, ErrorCode.JSON_TOO_DEEP);
});

test("brackets inside strings do not count towards the depth, escaped quotes included", () => {
  const deepText = "[".repeat(500) + '\\"' + "{".repeat(500);
  const r = parsePackage2(JSON.stringify({ CMD: [["GET", deepText]] }));
  assert.ok(r.ok);
  assert.equal(r.value.CMD[0]?.[1], deepText);
});

test("maxDepth is configurable: exactly the limit passes, one more fails", () => {
  // {"CMD":[["END"]]} is 3 levels deep.
  assert.equal(parsePackage2('{"CMD":[["END"]]}', { maxDepth: 3 }).ok, true);
  const e = errorOf(parsePackage2('{"CMD":[["END"]]}', { maxDepth: 2 }));
  assert.equal(e.code, ErrorCode.JSON_TOO_DEEP);
  assert.equal(e.path, "@8");
});

test("inputs over maxBytes are JSON_TOO_LARGE (413) before anything is decoded", () => {
  const big = JSON.stringify({ CMD: [["GET", "x".repeat(DEFAULT_JSON_LIMITS.maxBytes)]] });
  for (const [name, parse] of Object.entries(PARSERS)) {
    for (const input of [big, utf8(big)]) {
      const e = errorOf(parse(input));
      assert.equal(e.code, ErrorCode.JSON_TOO_LARGE, name);
      assert.equal(e.status, 413);
    }
  }
  // Not decoded first: bytes that are not even UTF-8 are still "too large".
  assert.equal(errorOf(parsePackage2(new Uint8Array(11).fill(0xff), { maxBytes: 10 })).code, ErrorCode.JSON_TOO_LARGE);
});

test("the size limit counts UTF-8 bytes of a string, not UTF-16 units", () => {
  const body = JSON.stringify({ CMD: [["GET", "é".repeat(10)]] }); // 10 chars, 20 bytes
  const bytes = utf8(body).byteLength;
  assert.equal(parsePackage2(body, { maxBytes: bytes }).ok, true);
  assert.equal(errorOf(parsePackage2(body, { maxBytes: bytes - 1 })).code, ErrorCode.JSON_TOO_LARGE);
  const astral = JSON.stringify({ CMD: [["GET", "😀".repeat(10)]] }); // 4 bytes each
  assert.equal(parsePackage2(astral, { maxBytes: utf8(astral).byteLength }).ok, true);
  assert.equal(
    errorOf(parsePackage2(astral, { maxBytes: utf8(astral).byteLength - 1 })).code,
    ErrorCode.JSON_TOO_LARGE,
  );
});

test("invalid UTF-8 is JSON_ENCODING naming the offset of the first bad byte", () => {
  const cases: [number[], number][] = [
    [[0x7b, 0xff, 0x7d], 1], // never valid
    [[0x7b, 0x22, 0xc3, 0x22, 0x7d], 2], // truncated 2-byte sequence
    [[0x7b, 0xc0, 0xaf, 0x7d], 1], // overlong "/"
    [[0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d], 2], // encoded surrogate
    [[0x7b, 0xf4, 0x90, 0x80, 0x80], 1], // beyond U+10FFFF
    [[0x7b, 0x22, 0xe2, 0x82], 2], // cut at the end
  ];
  for (const [bytes, at] of cases) {
    const e = errorOf(parsePackage1(Uint8Array.from(bytes)));
    assert.equal(e.code, ErrorCode.JSON_ENCODING, JSON.stringify(bytes));
    assert.equal(e.path, `@${at}`, JSON.stringify(bytes));
  }
});

test("a string with a lone surrogate is JSON_ENCODING; escaped surrogates inside JSON are fine", () => {
  assert.equal(errorOf(parsePackage2('{"CMD":[["\uD800"]]}')).code, ErrorCode.JSON_ENCODING);
  const r = parsePackage2('{"CMD":[["\\ud800"]]}');
  assert.ok(r.ok);
  assert.equal(r.value.CMD[0]?.[0], "\uD800");
});

test("a UTF-8 byte order mark is tolerated (RFC 8259 §8.1 allows ignoring it)", () => {
  const r = parsePackage2(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('{"CMD":[["END"]]}')]));
  assert.ok(r.ok);
});

test("syntax errors are JSON_SYNTAX with the position and the reason", () => {
  const cases: [string, number, RegExp][] = [
    ["", 0, /end of input/],
    ['{"CMD":[["GET","x"]]', 20, /end of input/],
    ['{"CMD":[["GET","x"],,]}', 20, /unexpected character ","/],
    ['{"CMD":[["GET" "x"]]}', 15, /expected ',' or '\]'/],
    ['{"CMD" [["END"]]}', 7, /expected ':'/],
    ["{CMD:1}", 1, /property name in double quotes/],
    ['{"a":01}', 6, /bad number/],
    ['{"a":1.}', 6, /bad number/],
    ['{"a":"\\x"}', 6, /bad escape/],
    ['{"a":"\\u12G4"}', 6, /\\u escape/],
    ['{"a":"tab\there"}', 9, /control character/],
    ['{"a":"open', 10, /end of input|unterminated/],
    ['{"a":tru}', 5, /unexpected character "t"/],
    ['{"a":1} x', 8, /after the JSON value/],
    ["[1,2]]", 5, /after the JSON value/],
  ];
  for (const [text, position, reason] of cases) {
    const e = errorOf(parsePackage1(text));
    assert.equal(e.code, ErrorCode.JSON_SYNTAX, text);
    assert.equal(e.path, `@${position}`, text);
    assert.match(e.message, reason, text);
    assert.match(e.message, new RegExp(`position ${position}`), text);
  }
});

test("JSON errors are status 400 and never echo a huge body in the message", () => {
  const body = '{"CMD":[["GET","' + "x".repeat(100_000) + '"],,]}';
  const e = errorOf(parsePackage2(body));
  assert.equal(e.code, ErrorCode.JSON_SYNTAX);
  assert.equal(e.status, 400);
  assert.ok(e.message.length < 200, e.message);
});

test("numbers JSON.parse would turn into ±Infinity are refused with their path (they cannot be sent back)", () => {
  const cases: [string, string][] = [
    ['{"AlertType":"t","DataType":"x","Data":1e999}', "$.Data"],
    ['{"AlertType":"t","DataType":"x","Data":{"a":[1,-1.8E+308]}}', "$.Data.a[1]"],
    [`{"AlertType":"t","DataType":"x","Data":{"odd key":1${"0".repeat(400)}}}`, '$.Data["odd key"]'],
  ];
  for (const [text, path] of cases) {
    const e = errorOf(parseGenericAlert(text));
    assert.equal(e.code, ErrorCode.SCHEMA_VIOLATION, text.slice(0, 60));
    assert.equal(e.path, path);
    assert.match(e.message, /out of range/);
  }
  // Large but finite numbers, and exponents inside strings, are fine.
  const ok = parseGenericAlert(
    `{"AlertType":"e123","DataType":"x","Data":[1.7e308,1e-999,"1e999",${"9".repeat(250)}e-100]}`,
  );
  assert.ok(ok.ok);
});
