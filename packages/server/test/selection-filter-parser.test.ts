// The device filter parser (docs/filters.md): canonical text round-trips, every input gets a value or an error
// naming a position inside it (ARCHITECTURE.md invariant 3), and the errors say what was expected.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatFilter, type DeviceFilter } from "../src/selection/filter-ast.js";
import { FILTER_MAX_DEPTH, FILTER_MAX_LENGTH, FILTER_MAX_TERMS, parseFilter } from "../src/selection/filter-parser.js";
import { anyFieldName, filterArb } from "./selection-arbitraries.js";

function parsed(text: string): DeviceFilter {
  const r = parseFilter(text);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

test("canonical text parses back to a filter with the same canonical text", () => {
  fc.assert(
    fc.property(filterArb, (f) => {
      const text = formatFilter(f);
      assert.equal(formatFilter(parsed(text)), text);
    }),
    { numRuns: 500 },
  );
});

test("the documented examples parse to the expected trees", () => {
  assert.deepEqual(parsed("label:site=berlin"), { kind: "label", name: "site", value: "berlin" });
  assert.deepEqual(parsed("label:site"), { kind: "label", name: "site" });
  assert.deepEqual(parsed('label:"rack row" != "A 1"'), {
    kind: "not",
    item: { kind: "label", name: "rack row", value: "A 1" },
  });
  assert.deepEqual(parsed("mo:urn:oma:mo:oma-fumo:1.0"), { kind: "mo", moid: "urn:oma:mo:oma-fumo:1.0" });
  assert.deepEqual(parsed("lastContact<7d"), {
    kind: "lastContact",
    op: "<",
    bound: { ago: 7 * 86_400_000, text: "7d" },
  });
  assert.deepEqual(parsed("lastContact >= 2026-01-01"), {
    kind: "lastContact",
    op: ">=",
    bound: { at: Date.UTC(2026, 0, 1), text: "2026-01-01" },
  });
  assert.deepEqual(parsed("Mod = X and (FwV != Y or NOT state=disabled)"), {
    kind: "and",
    items: [
      { kind: "devinfo", field: "Mod", value: "X" },
      {
        kind: "or",
        items: [
          { kind: "not", item: { kind: "devinfo", field: "FwV", value: "Y" } },
          { kind: "not", item: { kind: "state", state: "disabled" } },
        ],
      },
    ],
  });
  // and binds tighter than or.
  assert.equal(formatFilter(parsed("id=a or id=b and id=c")), "id=a or id=b and id=c");
  assert.equal(formatFilter(parsed("(id=a or id=b) and id=c")), "(id=a or id=b) and id=c");
  fc.assert(
    fc.property(anyFieldName, (name) => {
      const f = parsed(`${name}=v`);
      assert.equal(f.kind, "devinfo", "DevInfo field names are case-insensitive");
    }),
  );
});

test("errors name the position and what was expected there", () => {
  const cases: [string, number, string][] = [
    ["", 0, "expected a filter term"],
    ["label:", 6, "expected a label name after label:"],
    ["label:site=", 11, "expected a value for label site"],
    ["Foo=1", 0, "expected a field (state, lastContact, id, DevID"],
    ["FwV", 3, "expected an operator (=, !=) after FwV"],
    ["FwV < 2", 4, "expected an operator (=, !=) after FwV"],
    ["lastContact=7d", 11, "expected an operator (<, <=, >, >=) after lastContact"],
    ["lastContact<7y", 12, "expected an age"],
    ["lastContact<2026-13-45", 12, "expected an age"],
    ["state=gone", 6, "expected a state (provisioned, registered, disabled)"],
    ["(id=a", 5, 'expected ")", "and" or "or"'],
    ["id=a id=b", 5, 'expected "and", "or" or the end of the filter'],
    ['id="a', 3, 'expected a closing "'],
    ['id="a\\x"', 6, "after a backslash"],
    ['id="a\u0000"', 5, "expected a printable character"],
    ["id=a and", 8, "expected a filter term"],
    ["not", 3, "expected a filter term"],
  ];
  for (const [text, position, expected] of cases) {
    const r = parseFilter(text);
    assert.ok(!r.ok, `${JSON.stringify(text)} must be refused`);
    assert.equal(r.error.position, position, `${JSON.stringify(text)}: ${r.error.message}`);
    assert.ok(r.error.message.includes(expected), `${JSON.stringify(text)}: ${r.error.message}`);
    assert.ok(r.error.message.startsWith(`filter: at position ${position}: expected `), r.error.message);
  }
});

test("length, nesting and term count are bounded", () => {
  assert.ok(!parseFilter(`id=${"a".repeat(FILTER_MAX_LENGTH)}`).ok);
  assert.ok(parseFilter(`${"(".repeat(FILTER_MAX_DEPTH - 1)}id=a${")".repeat(FILTER_MAX_DEPTH - 1)}`).ok);
  const deep = parseFilter(`${"(".repeat(FILTER_MAX_DEPTH + 1)}id=a${")".repeat(FILTER_MAX_DEPTH + 1)}`);
  assert.ok(!deep.ok && deep.error.message.includes(`at most ${FILTER_MAX_DEPTH} levels`));
  const notNot = parseFilter(`${"not ".repeat(10_000)}id=a`);
  assert.ok(!notNot.ok, "a long chain of not is refused, not a stack overflow");
  const terms = (n: number) => Array.from({ length: n }, (_, i) => `id=d${i}`).join(" or ");
  assert.ok(parseFilter(terms(FILTER_MAX_TERMS)).ok);
  const many = parseFilter(terms(FILTER_MAX_TERMS + 1));
  assert.ok(!many.ok && many.error.message.includes(`at most ${FILTER_MAX_TERMS} terms`));
});

test("any text gives a filter or an error at a position inside it; never a throw", () => {
  const pieces = fc.constantFrom(
    "label:",
    "mo:",
    "not ",
    " and ",
    " or ",
    "(",
    ")",
    "=",
    "!=",
    "<",
    ">=",
    '"',
    "\\",
    "state",
    "lastContact",
    "FwV",
    "7d",
    "2026-01-01",
    "x",
    " ",
    "\u0000",
    "é",
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.array(pieces, { maxLength: 20 }).map((a) => a.join("")),
      ),
      (text) => {
        const r = parseFilter(text);
        if (!r.ok) {
          assert.ok(r.error.position >= 0 && r.error.position <= text.length, r.error.message);
          assert.ok(r.error.expected.length > 0);
        }
      },
    ),
    { numRuns: 2000 },
  );
});
