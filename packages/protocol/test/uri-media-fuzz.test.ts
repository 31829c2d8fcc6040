// Time-boxed fuzzing (~2 s, no sleeps) of every parser the uri/ and media/ modules export: mutated valid inputs
// and arbitrary strings. Each parser must return a Result with its own error codes, never throw, and what it
// accepts must format back to something it accepts again.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ErrorCode,
  canonicalClientUri,
  checkRequestContentType,
  isMoJsonType,
  negotiateResponse,
  parseAccept,
  parseClientUri,
  parseMediaType,
  parseServerUri,
  resolveClientUri,
  type TreeNodeView,
  type TreeView,
} from "@omadm/protocol";
import { formatAccept } from "../src/media/media-range.js";
import { formatClientUri, parseConcreteClientUri } from "../src/uri/client-uri-format.js";

const URI_SEEDS = [
  "urn:oma:mo:acme-sensor:1.0/left/",
  "urn:oma:mo:acme-sensor:1.0//",
  "urn:oma:mo:acme-sensor:1.0/(x)/Data/(y)/Value?nv=(x)/ID:GPS&nv=(y)/Date:12.2",
  "urn:oma:mo:acme-sensor:1.0/*/Data/*/Value",
  "urn:oma:mo:acme-sensor:1.0/right/Data/(x)/Value?nv=(x)/Date:12.1&cv=ab12&ui=s:1/2",
  "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate/PkgURL",
  "urn:oma:mo:x/a/b%2Fc/%C3%A9?nv=(q)/a%3Ab:v%20w",
];
const SERVER_SEEDS = ["https://127.0.0.1:8443/dm?ui=7", "http://[::1]/repo/x", "https://h.example/a/b#f"];
const MEDIA_SEEDS = [
  "application/dmmo+json",
  "text/*;q=0.3, */*;q=0.1, text/html;level=1",
  'application/vnd.syncml.dmtnds+xml;charset="utf-8";q=0.125',
  "application/json; charset=utf-8",
];
const ALPHABET = Array.from("/()*?&=%:@;,\"\\ \t.-_~!$'+#[]qxvnc019AFé\u0000\u00ff\u{1F600}");

type Edit = { readonly op: 0 | 1 | 2; readonly at: number; readonly ch: string };

function mutate(seed: string, edits: readonly Edit[]): string {
  let s = seed;
  for (const e of edits) {
    const i = s.length === 0 ? 0 : e.at % (s.length + 1);
    if (e.op === 0) s = s.slice(0, i) + e.ch + s.slice(i);
    else if (e.op === 1) s = s.slice(0, i) + s.slice(i + 1);
    else s = s.slice(0, i) + e.ch + s.slice(i + 1);
  }
  return s;
}

const editArb: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom(0 as const, 1 as const, 2 as const),
  at: fc.nat(200),
  ch: fc.oneof(fc.constantFrom(...ALPHABET), fc.string({ unit: "binary", minLength: 1, maxLength: 2 })),
});

const inputArb = (seeds: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(editArb, { maxLength: 4 })).map(([s, e]) => mutate(s, e)),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
  );

/** A tiny fixed tree (two acme-sensor instances) to resolve whatever parses. */
function leaf(name: string, value: string): TreeNodeView {
  return { name, isLeaf: true, children: () => [], child: () => undefined, value: () => value };
}
function interior(name: string, kids: TreeNodeView[]): TreeNodeView {
  return {
    name,
    isLeaf: false,
    children: () => kids,
    child: (n) => kids.find((k) => k.name === n),
    value: () => undefined,
  };
}
const sensor = (id: string): TreeNodeView =>
  interior("Sensor", [
    leaf("ID", id),
    interior("Data", [
      interior("1", [leaf("Date", "12.1"), leaf("Value", "v")]),
      interior("2", [leaf("Date", "12.2")]),
    ]),
  ]);
const roots = new Map([
  ["left", sensor("GPS")],
  ["right", sensor("Temperature")],
]);
const tree: TreeView = {
  instances: (moid) => (moid === "urn:oma:mo:acme-sensor:1.0" ? [...roots.keys()] : []),
  root: (moid, miid) => (moid === "urn:oma:mo:acme-sensor:1.0" ? roots.get(miid) : undefined),
};

const URI_CODES = new Set<string>([ErrorCode.URI_SYNTAX, ErrorCode.URI_NOT_CONCRETE]);
const RESOLVE_CODES = new Set<string>([ErrorCode.URI_NOT_FOUND, ErrorCode.URI_AMBIGUOUS]);
const SERVER_CODES = new Set<string>([ErrorCode.SERVER_URI_INVALID, ErrorCode.SERVER_URI_INSECURE]);

function fuzzClientUri(text: string, single: boolean): void {
  const r = parseClientUri(text);
  const c = parseConcreteClientUri(text);
  const canon = canonicalClientUri(text);
  if (!r.ok) {
    assert.equal(r.error.code, ErrorCode.URI_SYNTAX);
    assert.equal(c.ok, false);
    assert.equal(canon.ok, false);
    return;
  }
  if (!c.ok) assert.ok(URI_CODES.has(c.error.code));
  assert.ok(canon.ok);
  const again = parseClientUri(canon.value);
  assert.ok(again.ok, canon.value);
  assert.deepEqual(again.value, r.value);
  assert.equal(formatClientUri(again.value), canon.value);
  const res = resolveClientUri(r.value, tree, { single });
  if (!res.ok) assert.ok(RESOLVE_CODES.has(res.error.code), res.error.code);
  else {
    assert.ok(res.value.length > 0 && (!single || res.value.length === 1));
    for (const n of res.value) assert.equal(parseConcreteClientUri(n.clientUri).ok, true, n.clientUri);
  }
}

function fuzzServerUri(text: string, allowHttp: boolean): void {
  const r = parseServerUri(text, { allowHttp });
  if (!r.ok) {
    assert.ok(SERVER_CODES.has(r.error.code));
    return;
  }
  assert.ok(r.value.protocol === "https:" || (allowHttp && r.value.protocol === "http:"));
  assert.equal(r.value.username + r.value.password + r.value.hash, "");
}

function fuzzMedia(text: string): void {
  const a = parseAccept(text);
  if (!a.ok) assert.equal(a.error.code, ErrorCode.MEDIA_RANGE_SYNTAX);
  else assert.deepEqual(parseAccept(formatAccept(a.value)), a);
  const m = parseMediaType(text);
  if (!m.ok) assert.equal(m.error.code, ErrorCode.MEDIA_RANGE_SYNTAX);
  const n = negotiateResponse(text, ["application/dmmo+json", text]);
  if (!n.ok)
    assert.ok(n.error.code === ErrorCode.MEDIA_RANGE_SYNTAX || n.error.code === ErrorCode.MEDIA_NOT_ACCEPTABLE);
  const ct = checkRequestContentType(text, ["application/dmmo+json"]);
  if (!ct.ok) assert.equal(ct.error.code, ErrorCode.MEDIA_UNSUPPORTED);
  assert.equal(typeof isMoJsonType(text), "boolean");
}

test("fuzz (time-boxed, ~2 s): every exported URI and media parser is total and self-consistent", (t) => {
  let runs = 0;
  const job = fc.oneof(
    fc.tuple(fc.constant("client" as const), inputArb(URI_SEEDS), fc.boolean()),
    fc.tuple(fc.constant("server" as const), inputArb(SERVER_SEEDS), fc.boolean()),
    fc.tuple(fc.constant("media" as const), inputArb(MEDIA_SEEDS), fc.boolean()),
  );
  fc.assert(
    fc.property(job, ([kind, text, flag]) => {
      runs++;
      if (kind === "client") fuzzClientUri(text, flag);
      else if (kind === "server") fuzzServerUri(text, flag);
      else fuzzMedia(text);
    }),
    { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: 2000 },
  );
  assert.ok(runs >= 100, `only ${runs} runs`);
  t.diagnostic(`fuzz runs: ${runs}`);
});
