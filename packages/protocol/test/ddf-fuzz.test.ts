// Time-boxed fuzzing of parseDdf (parsers are total: ARCHITECTURE.md invariant 3). Random text, random bytes and mutations of
// the shipped DMAcc DDF must always come back as a Result: a definition, or a DDF_XML / DDF_STRUCTURE error.
// Each property stops after its time budget (fast-check's interruptAfterTimeLimit); no sleeps, no timing asserts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  ErrorCode,
  ProtocolError,
  parseDdf,
  type MoDefinition,
  type NodeDefinition,
  type Result,
} from "@omadm/protocol";

const BUDGET_MS = 500; // four properties: about 2 s in all
const SEED_DDF = readFileSync(fileURLToPath(import.meta.resolve("@omadm/protocol/ddf/dmacc.ddf")), "utf8");

/** The invariants parseDdf promises for any definition it returns (docs/protocol.md §8.1, §8.3). */
function assertWellFormed(node: NodeDefinition): void {
  if (node.format !== "node") assert.equal(node.children.length, 0, "a leaf has no children");
  const names = node.children.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, "sibling names and placeholders are unique");
  for (const c of node.children) assertWellFormed(c);
}

let definitions = 0;

function assertResult(r: Result<MoDefinition>): void {
  if (r.ok) {
    assert.equal(typeof r.value.moid, "string");
    assert.ok(r.value.moid.length > 0);
    assertWellFormed(r.value.root);
    definitions++;
    return;
  }
  assert.ok(r.error instanceof ProtocolError, "errors are ProtocolErrors");
  assert.ok(r.error.code === ErrorCode.DDF_XML || r.error.code === ErrorCode.DDF_STRUCTURE, r.error.code);
}

function run(property: fc.IProperty<never> | fc.IProperty<[unknown]>): void {
  const details = fc.check(property as fc.IProperty<[unknown]>, {
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: BUDGET_MS,
  });
  if (details.failed) assert.fail(fc.defaultReportMessage(details));
  assert.ok(details.numRuns > 0, "at least one run");
}

// Fragments that hit the parser's branches: DDF elements, markup openers and closers, entities, DOCTYPE parts.
const TOKENS = [
  "<Node>",
  "</Node>",
  "<NodeName>",
  "</NodeName>",
  "<NodeName/>",
  "<DFProperties>",
  "</DFProperties>",
  "<DFFormat><node/></DFFormat>",
  "<DFFormat><chr/></DFFormat>",
  "<DFFormat><bogus/></DFFormat>",
  "<AccessType>",
  "<Get/>",
  "</AccessType>",
  "<Occurrence><ZeroOrN>3</ZeroOrN></Occurrence>",
  "<OneOrN>x</OneOrN>",
  "<Scope><Permanent/></Scope>",
  "<DFType><DDFName>urn:oma:mo:f:1</DDFName></DFType>",
  "<MgmtTree>",
  "</MgmtTree>",
  "<!--",
  "-->",
  "<![CDATA[",
  "]]>",
  "<?pi",
  "?>",
  "<!DOCTYPE MgmtTree [",
  "]>",
  '<!ENTITY a "b">',
  "&amp;",
  "&#x41;",
  "&a;",
  "&#99999999;",
  "<",
  ">",
  "/>",
  '"',
  "'",
  "=",
  " ",
  "\n",
  "<a b='c'>",
  "</a>",
  "\uFEFF",
  "\u0000",
  "\uD800",
];

// UTF-16 code units, mostly ASCII, lone surrogates included (built from integers: fast-check's "binary" string
// unit has a slow first use).
const anyText = fc
  .array(fc.oneof(fc.nat({ max: 0x7f }), fc.nat({ max: 0xffff })), { maxLength: 300 })
  .map((units) => String.fromCharCode(...units));

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.nat({ max: 200 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...TOKENS), fc.string()),
  }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), len: fc.nat({ max: 400 }), to: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  const at = m.at % (text.length + 1);
  switch (m.kind) {
    case "delete":
      return text.slice(0, at) + text.slice(at + m.len);
    case "insert":
      return text.slice(0, at) + m.text + text.slice(at);
    case "duplicate": {
      const to = m.to % (text.length + 1);
      return text.slice(0, to) + text.slice(at, at + m.len) + text.slice(to);
    }
    case "truncate":
      return text.slice(0, at);
  }
}

test("random strings always give a Result", () => {
  run(
    fc.property(anyText, (s) => {
      assertResult(parseDdf(s));
    }),
  );
});

test("random bytes always give a Result", () => {
  run(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      assertResult(parseDdf(b));
    }),
  );
});

test("token soup always gives a Result", () => {
  run(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), (parts) => {
      assertResult(parseDdf(`<MgmtTree>${parts.join("")}</MgmtTree>`));
    }),
  );
});

test("mutations of the shipped DMAcc DDF always give a Result", () => {
  definitions = 0;
  assertResult(parseDdf(SEED_DDF));
  run(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
      const text = mutations.reduce(mutate, SEED_DDF);
      assertResult(parseDdf(text));
      assertResult(parseDdf(new TextEncoder().encode(text)));
    }),
  );
  // Many mutations land in comments, descriptions or whitespace: some documents must still parse.
  assert.ok(definitions > 1, "some mutated documents still parse");
});
