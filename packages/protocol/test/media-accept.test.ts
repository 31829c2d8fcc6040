// Accept / OMADM-Accept / Content-Type syntax (RFC 9110 §8.3.1, §12.4.2, §12.5.1; docs/protocol.md §1.3, §1.6).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode, MT_MO_JSON, mediaTypeEssence, parseAccept, parseMediaType, type MediaRange } from "@omadm/protocol";
import { formatAccept, formatMediaType } from "../src/media/media-range.js";

function ranges(header: string): MediaRange[] {
  const r = parseAccept(header);
  if (!r.ok) assert.fail(`${header}: ${r.error.message}`);
  return r.value;
}

function rejects(header: string, message: RegExp): void {
  const r = parseAccept(header);
  assert.equal(r.ok, false, header);
  assert.equal(r.error.code, ErrorCode.MEDIA_RANGE_SYNTAX);
  assert.equal(r.error.status, 400);
  assert.match(r.error.message, /^Accept: /);
  assert.match(r.error.message, message);
  assert.match(r.error.path ?? "", /^@\d+$/);
}

test("type/subtype, wildcards, parameters and q-values", () => {
  assert.deepEqual(ranges("application/dmmo+json"), [{ type: "application", subtype: "dmmo+json", params: [], q: 1 }]);
  assert.deepEqual(ranges("text/*;q=0.3, */*;q=0.1, Text/HTML;Level=1"), [
    { type: "text", subtype: "*", params: [], q: 0.3 },
    { type: "*", subtype: "*", params: [], q: 0.1 },
    { type: "text", subtype: "html", params: [["level", "1"]], q: 1 },
  ]);
  // RFC 9110 §12.5.1 example.
  assert.deepEqual(
    ranges("text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, text/plain;format=fixed;q=0.4, */*;q=0.5").map(
      (r) => r.q,
    ),
    [0.3, 0.7, 1, 0.4, 0.5],
  );
  for (const [q, n] of [
    ["0", 0],
    ["0.", 0],
    ["0.5", 0.5],
    ["0.125", 0.125],
    ["1", 1],
    ["1.", 1],
    ["1.000", 1],
  ] as const) {
    assert.equal(ranges(`a/b;q=${q}`)[0]?.q, n, q);
  }
  // Q is case-insensitive; parameters after q are accept-ext and dropped.
  assert.deepEqual(ranges("a/b;Q=0.2;ext=1"), [{ type: "a", subtype: "b", params: [], q: 0.2 }]);
});

test("whitespace, empty list elements, quoted parameter values", () => {
  assert.deepEqual(ranges(""), []);
  assert.deepEqual(ranges("  \t "), []);
  assert.deepEqual(ranges(" , ,a/b ,, c/d ; q=0.5 ,"), [
    { type: "a", subtype: "b", params: [], q: 1 },
    { type: "c", subtype: "d", params: [], q: 0.5 },
  ]);
  assert.deepEqual(ranges("a/b ; p = v"), [{ type: "a", subtype: "b", params: [["p", "v"]], q: 1 }]);
  assert.deepEqual(ranges('a/b;p="x, y;\\"z\\"";q=1, c/d'), [
    { type: "a", subtype: "b", params: [["p", 'x, y;"z"']], q: 1 },
    { type: "c", subtype: "d", params: [], q: 1 },
  ]);
  assert.deepEqual(ranges("a/b;;p=1;"), [{ type: "a", subtype: "b", params: [["p", "1"]], q: 1 }]);
});

test("malformed Accept values → MEDIA_RANGE_SYNTAX naming the problem", () => {
  rejects("application", /expected "\/" after "application"/);
  rejects("application/", /expected a subtype/);
  rejects("/json", /expected a media type/);
  rejects("*/json", /"\*\/json" is not a media range/);
  rejects("a/b;q=1.5", /q=1.5 is not a qvalue/);
  rejects("a/b;q=0.1234", /is not a qvalue/);
  rejects("a/b;q=-1", /is not a qvalue/);
  rejects("a/b;q=.5", /is not a qvalue/);
  rejects("a/b;q=", /expected a value/);
  rejects('a/b;q="0.5"', /q value must not be quoted/);
  rejects("a/b;q=0.5;q=0.4", /more than one q/);
  rejects("a/b;p", /expected "=" after parameter "p"/);
  rejects("a/b;=v", /expected a parameter name/);
  rejects('a/b;p="open', /unterminated/);
  rejects('a/b;p="\u0001"', /invalid quoted value/);
  rejects('a/b;p="\u0100"', /invalid quoted value/);
  rejects("a/b c/d", /expected "," or the end/);
  rejects("a/b/c", /expected "," or the end/);
  rejects("a b/c", /expected "\/"/);
  rejects("a/b;p=v w", /expected "," or the end/);
  rejects("é/b", /expected a media type/);
});

test("parseMediaType: one type, no wildcards, parameters kept; essence lower-cased", () => {
  assert.deepEqual(parseMediaType(" Application/DMMO+JSON ; charset=UTF-8 "), {
    ok: true,
    value: { type: "application", subtype: "dmmo+json", params: [["charset", "UTF-8"]] },
  });
  // In a Content-Type "q" is an ordinary parameter.
  assert.deepEqual(parseMediaType("a/b;q=5"), { ok: true, value: { type: "a", subtype: "b", params: [["q", "5"]] } });
  for (const bad of ["", "*/*", "text/*", "a/b, c/d", "a", "a/b;"]) {
    const r = parseMediaType(bad);
    if (bad === "a/b;") {
      assert.ok(r.ok); // an empty parameter is allowed
      continue;
    }
    assert.equal(r.ok, false, bad);
    assert.equal(r.error.code, ErrorCode.MEDIA_RANGE_SYNTAX);
  }
  assert.equal(mediaTypeEssence("Application/Json; charset=utf-8"), "application/json");
  assert.equal(mediaTypeEssence("nope"), undefined);
  assert.equal(formatMediaType({ type: "a", subtype: "b", params: [["p", "x y"]] }), 'a/b;p="x y"');
});

test("formatAccept: q omitted at 1, at most 3 decimals, values quoted when not tokens", () => {
  assert.equal(
    formatAccept([
      { type: "application", subtype: "dmmo+json", params: [], q: 1 },
      { type: "application", subtype: "*", params: [["v", 'a"b']], q: 0.5 },
      { type: "*", subtype: "*", params: [], q: 0.0004 },
      { type: "x", subtype: "y", params: [], q: 7 },
      { type: "x", subtype: "z", params: [], q: Number.NaN },
    ]),
    'application/dmmo+json, application/*;v="a\\"b";q=0.5, */*;q=0, x/y;q=1, x/z;q=0',
  );
  assert.equal(formatAccept([]), "");
  assert.deepEqual(ranges(formatAccept([{ type: "a", subtype: "b", params: [], q: 0.1234 }])), [
    { type: "a", subtype: "b", params: [], q: 0.123 },
  ]);
  assert.equal(mediaTypeEssence(MT_MO_JSON), MT_MO_JSON);
});

// ---- properties ----

const tokenArb = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9a-z]{1,8}$/);
const valueArb = fc.oneof(
  tokenArb,
  fc.string({ maxLength: 8 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
);
const rangeArb: fc.Arbitrary<MediaRange> = fc
  .record({
    kind: fc.constantFrom("all", "type", "full"),
    type: tokenArb.filter((t) => t !== "*"),
    subtype: tokenArb.filter((t) => t !== "*"),
    params: fc.array(
      fc.tuple(
        tokenArb.filter((k) => k !== "q"),
        valueArb,
      ),
      { maxLength: 3 },
    ),
    q: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
  })
  .map((g) => ({
    type: g.kind === "all" ? "*" : g.type,
    subtype: g.kind === "full" ? g.subtype : "*",
    params: g.params,
    q: g.q,
  }));

test("property: parseAccept(formatAccept(x)) = x", () => {
  fc.assert(
    fc.property(fc.array(rangeArb, { maxLength: 5 }), (list) => {
      assert.deepEqual(parseAccept(formatAccept(list)), { ok: true, value: list });
    }),
    { numRuns: 500 },
  );
});

test("property: parseAccept and parseMediaType never throw; q always within 0–1", () => {
  const piece = fc.constantFrom("a", "/", "*", ";", "q", "=", "0.5", "1", ",", " ", '"', "\\", "\t", "é", "x+y");
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.array(piece, { maxLength: 20 }).map((a) => a.join("")),
  );
  fc.assert(
    fc.property(text, (t) => {
      const r = parseAccept(t);
      if (r.ok) for (const m of r.value) assert.ok(m.q >= 0 && m.q <= 1);
      else assert.equal(r.error.code, ErrorCode.MEDIA_RANGE_SYNTAX);
      const m = parseMediaType(t);
      if (!m.ok) assert.equal(m.error.code, ErrorCode.MEDIA_RANGE_SYNTAX);
    }),
    { numRuns: 2000 },
  );
});
