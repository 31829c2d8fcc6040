// Time-boxed fuzz of every parser this module exports (JSON packages, Generic Alert, MO serialization, command
// validation, DM 1.x alert XML and mapping): random and mutated inputs must always give a Result — a value or a
// typed ProtocolError — and never throw. Accepted values must survive serialize → parse unchanged.
// Bounded by a deadline (about 2 s) and an iteration cap; OMADM_FUZZ_SEED replays a run.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode, ProtocolError } from "../src/errors.js";
import type { Result } from "../src/result.js";
import {
  parseGenericAlert,
  readNotificationId,
  serializeGenericAlert,
  type GenericAlert,
} from "../src/packages/generic-alert.js";
import { parseMoSerialization, serializeMoSerialization } from "../src/packages/mo-serialization.js";
import { parsePackage1, serializePackage1 } from "../src/packages/package1.js";
import { parsePackage2, serializePackage2 } from "../src/packages/package2.js";
import { parsePackage3, serializePackage3 } from "../src/packages/package3.js";
import { validateCommand, validateCommands } from "../src/packages/command-validate.js";
import { createDm1xPathMapping } from "../src/interworking/path-mapping.js";
import { dm1xAlertToDm2, dm2AlertToDm1x } from "../src/interworking/dm1x-mapping.js";
import { parseDm1xAlertXml, serializeDm1xAlertXml } from "../src/interworking/dm1x-alert-xml.js";
import { alertArb, moSerializationArb, package1Arb, package2Arb, package3Arb } from "./packages-arbitraries.js";
import { fuzzSeed, prng, runTimeBoxed } from "../../../test-support/fuzz.js";

const BUDGET_MS = 2000;
const MAX_ITERATIONS = 500_000;
const CODES = new Set<string>(Object.values(ErrorCode));
const encoder = new TextEncoder();
const lossy = new TextDecoder("utf-8");
const mapping = createDm1xPathMapping([
  { rootPath: "./FUMO/apps", moid: "urn:oma:mo:oma-fumo:1.0", miid: "apps" },
  { rootPath: "./DevInfo", moid: "urn:oma:mo:oma-dm-devinfo:1.2", miid: "" },
]);

const TOKENS = [
  "[",
  "]",
  "{",
  "}",
  '"',
  "\\",
  ",",
  ":",
  "null",
  "-",
  "1e999",
  "0.5",
  '"sc"',
  '"Data"',
  "\uD800",
  "é",
  "<",
  ">",
  "</Item>",
  "<Item>",
  "&amp;",
  "&#x0;",
  "<![CDATA[",
  "]]>",
  "<!--",
  "-->",
];

function mutate(corpus: readonly Uint8Array[], rand: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = (): Uint8Array => corpus[int(corpus.length)] ?? new Uint8Array(0);
  const src = pick();
  const at = int(src.length + 1);
  const join = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  switch (int(9)) {
    case 0:
      return Uint8Array.from({ length: int(64) }, () => int(256));
    case 1: {
      const out = Uint8Array.from(src);
      if (at < out.length) out[at] = (out[at] ?? 0) ^ (1 << int(8));
      return out;
    }
    case 2: {
      const out = Uint8Array.from(src);
      if (at < out.length) out[at] = int(128);
      return out;
    }
    case 3:
      return join(src.subarray(0, at), encoder.encode(TOKENS[int(TOKENS.length)] ?? ""), src.subarray(at));
    case 4:
      return join(src.subarray(0, at), src.subarray(at + 1 + int(8)));
    case 5: {
      const end = at + int(32);
      return join(src.subarray(0, end), src.subarray(at, end), src.subarray(end));
    }
    case 6: {
      const other = pick();
      const from = int(other.length + 1);
      return join(src.subarray(0, at), other.subarray(from, from + int(48)), src.subarray(at));
    }
    case 7:
      return src.subarray(0, at);
    default: {
      // Nest the whole input a few hundred levels deep.
      const n = int(300);
      return join(encoder.encode('{"a":'.repeat(n)), src, encoder.encode("}".repeat(n)));
    }
  }
}

function checkResult<T>(r: Result<T>, what: string): T | undefined {
  assert.equal(typeof r.ok, "boolean", what);
  if (r.ok) return r.value;
  assert.ok(r.error instanceof ProtocolError, what);
  assert.ok(CODES.has(r.error.code), `${what}: unknown code ${r.error.code}`);
  assert.equal(typeof r.error.message, "string");
  return undefined;
}

/** Runs every parser on one input; values that parse must round-trip and feed the next stage. */
function exercise(bytes: Uint8Array): void {
  const inputs: (Uint8Array | string)[] = [bytes, lossy.decode(bytes)];
  for (const input of inputs) {
    const p1 = checkResult(parsePackage1(input), "parsePackage1");
    if (p1 !== undefined) {
      stable(p1, serializePackage1, parsePackage1);
      for (const a of p1.Alert ?? []) exerciseAlert(a);
    }
    const p2 = checkResult(parsePackage2(input), "parsePackage2");
    if (p2 !== undefined) {
      stable(p2, serializePackage2, parsePackage2);
      for (const r of validateCommands(p2, { allowHttp: true })) checkResult(r, "validateCommands");
    }
    const p3 = checkResult(parsePackage3(input), "parsePackage3");
    if (p3 !== undefined) {
      stable(p3, serializePackage3, parsePackage3);
      for (const a of p3.Alert ?? []) exerciseAlert(a);
    }
    const alert = checkResult(parseGenericAlert(input), "parseGenericAlert");
    if (alert !== undefined) {
      stable(alert, serializeGenericAlert, parseGenericAlert);
      exerciseAlert(alert);
    }
    const mos = checkResult(parseMoSerialization(input), "parseMoSerialization");
    if (mos !== undefined) stable(mos, serializeMoSerialization, parseMoSerialization);
    const dm1x = checkResult(parseDm1xAlertXml(input), "parseDm1xAlertXml");
    if (dm1x !== undefined) {
      assert.deepEqual(parseDm1xAlertXml(serializeDm1xAlertXml(dm1x)), { ok: true, value: dm1x });
      const mapped = checkResult(dm1xAlertToDm2(dm1x, mapping.toClientUri), "dm1xAlertToDm2");
      for (const a of mapped ?? []) exerciseAlert(a);
    }
  }
  // Whatever JSON came in, its arrays are also fed to validateCommand as raw items.
  try {
    const raw: unknown = JSON.parse(lossy.decode(bytes));
    if (Array.isArray(raw)) checkResult(validateCommand(raw), "validateCommand");
  } catch {
    // not JSON: nothing to feed
  }
}

/**
 * An accepted value serializes to text that parses back and serializes to the same text. (Compared as text:
 * JSON cannot tell -0 from 0, so a value-level comparison would flag a difference no peer can see.)
 */
function stable<T>(v: T, serialize: (x: T) => string, parse: (t: string) => Result<T>): void {
  const text = serialize(v);
  const back = parse(text);
  assert.ok(back.ok, back.ok ? "" : `serialized value does not parse back: ${back.error.message}`);
  assert.equal(serialize(back.value), text);
}

function exerciseAlert(alert: GenericAlert): void {
  const id = readNotificationId(alert);
  assert.ok(id === undefined || (Number.isInteger(id) && id >= 0 && id <= 0xffff));
  checkResult(dm2AlertToDm1x(alert, mapping.toDm1xPath), "dm2AlertToDm1x");
}

function corpus(seed: number): Uint8Array[] {
  const texts: string[] = [
    '{"CMD":[["CONT","https://dm.example/dm20/s/7f3a"],["HPOST","https://dm.example/repo/x","urn:oma:mo:oma-dm-devinfo:1.2//"],["HGET","https://dm.example/repo/new-fumo"],["GET","urn:oma:mo:oma-sessioninfomo:1.0//CBT"],["END"]]}',
    '{"CMD":[["EXEC","urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate","http://127.0.0.1/x"],["DEFAULT","https://dm.example/d","urn:oma:mo:oma-fumo:1.0"],["SUB","https://dm.example/s","urn:oma:mo:oma-fumo:1.0/*/State"],["UNSUB","urn:oma:mo:oma-fumo:1.0/*/State"],["FOO"],[]]}',
    '{"Status":[{"sc":200},{"sc":200,"URI":["urn:oma:mo:oma-fumo:1.0/apps2/"]},{"sc":200,"MOData":{"ClientURI":"urn:oma:mo:oma-sessioninfomo:1.0/s0/CBT","MOData":{"CBT":"2"}}}],"Alert":[{"AlertType":"urn:oma:at:dm:2.0:ExecComplete","SourceURI":"urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate","DataType":"application/json","Data":{"sc":200}}]}',
    '{"MOS":[{"DDF":"https://dm.example/ddf/fumo-1.0.ddf","MOID":"urn:oma:mo:oma-fumo:1.0","MIID":["rootfs","apps"]}],"Alert":[{"AlertType":"urn:oma:at:dm:2.0:ServerInitiatedMgmt","DataType":"int","Data":{"NOTIFICATION-ID":4660}}]}',
    '{"AlertType":"x","TargetURI":"urn:oma:mo:oma-dm-devinfo:1.2//Ext","Mark":"fatal","DataType":"int","Data":{"DM1x":200,"Correlator":"c"}}',
    '[{"DDF":"d","ClientURI":"urn:oma:mo:oma-dm-devinfo:1.2//","CV":"a1","MOData":{"DevInfo":{"DevID":"IMEI:1","Ext":{}}}}]',
    '<Alert><CmdID>4</CmdID><Data>1226</Data><Correlator>c</Correlator><Item><Target><LocURI>./DevInfo/Ext</LocURI></Target><Source><LocURI>./FUMO/apps/DownloadAndUpdate</LocURI></Source><Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">urn:oma:at:x</Type><Mark xmlns="syncml:metinf">critical</Mark></Meta><Data>200</Data></Item><Item><Data><![CDATA[<a>&amp;</a>]]></Data></Item></Alert>',
  ];
  // Plus generated valid packages, so the mutations start from many shapes.
  const generated = fc.sample(
    fc.oneof(
      package1Arb.map(serializePackage1),
      package2Arb.map(serializePackage2),
      package3Arb.map(serializePackage3),
      alertArb.map(serializeGenericAlert),
      moSerializationArb.map(serializeMoSerialization),
    ),
    { numRuns: 40, seed },
  );
  return [...texts, ...generated].map((t) => encoder.encode(t));
}

test("fuzz: every parser returns a Result for random and mutated input, and accepted values round-trip", () => {
  const seed = fuzzSeed();
  const rand = prng(seed);
  const seeds = corpus(seed);
  for (const s of seeds) exercise(s); // the corpus itself must be handled too
  const iterations = runTimeBoxed({
    budgetMs: BUDGET_MS,
    maxIterations: MAX_ITERATIONS,
    next: () => mutate(seeds, rand),
    check: exercise,
    fail: (last, iteration, e) => {
      const shown = lossy.decode(last.subarray(0, 300));
      assert.fail(
        `fuzz failure (OMADM_FUZZ_SEED=${seed}, iteration ${iteration}) on ${JSON.stringify(shown)}: ${String(e)}`,
      );
    },
  });
  assert.ok(iterations > 100, `only ${iterations} iterations ran`);
  console.log(`# fuzz: ${iterations} inputs in ${BUDGET_MS} ms (OMADM_FUZZ_SEED=${seed})`);
});
