// ClientURI resolution (docs/protocol.md §6.1): the ten example resolutions over the acme-sensor tree, the forms
// seen in the sources, 404/400 decisions, and a check that a concrete URI never enumerates the tree.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ErrorCode,
  parseClientUri,
  resolveClientUri,
  type ClientUri,
  type ResolvedNode,
  type Result,
  type TreeNodeView,
  type TreeView,
} from "@omadm/protocol";

// ---- a small in-memory TreeView (a hand-written fake of the interface the DM Tree implements) ----

type Spec = { readonly [name: string]: Spec | string };

/** Counts how the resolver touches the tree, so tests can show it does not scan. */
interface Counters {
  children: number;
  child: number;
  instances: number;
}

class MemNode implements TreeNodeView {
  readonly name: string;
  readonly isLeaf: boolean;
  readonly #value: string | undefined;
  readonly #kids = new Map<string, MemNode>();
  readonly #counters: Counters;

  constructor(name: string, spec: Spec | string, counters: Counters) {
    this.name = name;
    this.#counters = counters;
    this.isLeaf = typeof spec === "string";
    this.#value = typeof spec === "string" ? spec : undefined;
    if (typeof spec !== "string") {
      for (const [k, v] of Object.entries(spec)) this.#kids.set(k, new MemNode(k, v, counters));
    }
  }

  children(): Iterable<TreeNodeView> {
    this.#counters.children++;
    return this.#kids.values();
  }

  child(name: string): TreeNodeView | undefined {
    this.#counters.child++;
    return this.#kids.get(name);
  }

  value(): string | undefined {
    return this.#value;
  }
}

class MemTree implements TreeView {
  readonly counters: Counters = { children: 0, child: 0, instances: 0 };
  readonly #mos = new Map<string, Map<string, MemNode>>();

  add(moid: string, miid: string, rootName: string, spec: Spec): this {
    const byMiid = this.#mos.get(moid) ?? new Map<string, MemNode>();
    byMiid.set(miid, new MemNode(rootName, spec, this.counters));
    this.#mos.set(moid, byMiid);
    return this;
  }

  instances(moid: string): readonly string[] {
    this.counters.instances++;
    return [...(this.#mos.get(moid)?.keys() ?? [])];
  }

  root(moid: string, miid: string): TreeNodeView | undefined {
    return this.#mos.get(moid)?.get(miid);
  }
}

// ---- the acme-sensor tree of §6.1 ----

const M = "urn:oma:mo:acme-sensor:1.0";

function acme(): MemTree {
  return new MemTree()
    .add(M, "left", "Sensor", {
      ID: "GPS",
      Setting: "0xA1",
      Data: { "1": { Date: "12.1", Value: "L1" }, "2": { Date: "12.2", Value: "L2" } },
    })
    .add(M, "right", "Sensor", {
      ID: "Temperature",
      Setting: "0xB2",
      Data: { "1": { Date: "12.1", Value: "R1" }, "2": { Date: "12.3", Value: "R2" } },
    });
}

function uri(text: string): ClientUri {
  const r = parseClientUri(text);
  if (!r.ok) assert.fail(`${text}: ${r.error.message}`);
  return r.value;
}

function targets(r: Result<ResolvedNode[]>): string[] {
  if (!r.ok) assert.fail(r.error.message);
  return r.value.map((n) => n.clientUri);
}

function failsWith(r: Result<ResolvedNode[]>, code: string, status: number): void {
  assert.equal(r.ok, false);
  assert.equal(r.error.code, code);
  assert.equal(r.error.status, status);
}

test("§6.1 example resolutions over the acme-sensor tree", () => {
  const tree = acme();
  const cases: [string, string[] | 404][] = [
    [`${M}/left/`, [`${M}/left/`]],
    [`${M}//`, 404],
    // S1 says "moroot2/ID" for this one; with an empty path it is the root (docs/protocol.md §6.1 note).
    [`${M}/(x)/?nv=(x)/ID:Temperature`, [`${M}/right/`]],
    [`${M}/(x)/Data/1/Value?nv=(x)/ID:GPS`, [`${M}/left/Data/1/Value`]],
    [`${M}/right/Data/(x)/Value?nv=(x)/Date:12.1`, [`${M}/right/Data/1/Value`]],
    [`${M}/(x)/Data/(y)/Value?nv=(x)/ID:GPS&nv=(y)/Date:12.2`, [`${M}/left/Data/2/Value`]],
    [`${M}/*/Setting`, [`${M}/left/Setting`, `${M}/right/Setting`]],
    [`${M}/(x)/Data/*/Value?nv=(x)/ID:GPS`, [`${M}/left/Data/1/Value`, `${M}/left/Data/2/Value`]],
    [`${M}/(x)/Data/*/Value?nv=(x)/ID:GPS&nv=(x)/Setting:0xB2`, 404],
    [
      `${M}/*/Data/*/Value`,
      [`${M}/left/Data/1/Value`, `${M}/left/Data/2/Value`, `${M}/right/Data/1/Value`, `${M}/right/Data/2/Value`],
    ],
  ];
  for (const [text, expected] of cases) {
    const r = resolveClientUri(uri(text), tree);
    if (expected === 404) failsWith(r, ErrorCode.URI_NOT_FOUND, 404);
    else assert.deepEqual(targets(r), expected, text);
  }
});

test("resolved nodes carry moid, miid, path and the tree node", () => {
  const r = resolveClientUri(uri(`${M}/(x)/Data/(y)/Value?nv=(x)/ID:GPS&nv=(y)/Date:12.2`), acme());
  assert.ok(r.ok);
  const [n] = r.value;
  assert.ok(n);
  assert.equal(n.moid, M);
  assert.equal(n.miid, "left");
  assert.deepEqual(n.path, ["Data", "2", "Value"]);
  assert.equal(n.node.name, "Value");
  assert.equal(n.node.value(), "L2");
  const root = resolveClientUri(uri(`${M}/right/`), acme());
  assert.ok(root.ok);
  const [r0] = root.value;
  assert.ok(r0);
  assert.equal(r0.node.name, "Sensor");
  assert.deepEqual(r0.path, []);
});

test('mo-inst "" resolves only with exactly one instance; the concrete form names the real MIID', () => {
  const one = new MemTree().add(M, "only1", "Sensor", { ID: "GPS" });
  assert.deepEqual(targets(resolveClientUri(uri(`${M}//ID`), one)), [`${M}/only1/ID`]);
  const none = resolveClientUri(uri(`${M}//`), new MemTree());
  failsWith(none, ErrorCode.URI_NOT_FOUND, 404);
  assert.match(none.ok ? "" : none.error.message, /no instance of the MOID/);
  const two = resolveClientUri(uri(`${M}//`), acme());
  assert.match(two.ok ? "" : two.error.message, /2 instances/);
});

test("nv-fields: the rel-path must end at a leaf whose value equals (string compare), ANDed per letter", () => {
  const tree = acme();
  // Data is interior: never equal to a value.
  failsWith(resolveClientUri(uri(`${M}/(x)/?nv=(x)/Data:`), tree), ErrorCode.URI_NOT_FOUND, 404);
  // Deeper rel-path.
  assert.deepEqual(targets(resolveClientUri(uri(`${M}/(x)/ID?nv=(x)/Data/2/Date:12.3`), tree)), [`${M}/right/ID`]);
  // Missing rel-path node.
  failsWith(resolveClientUri(uri(`${M}/(x)/?nv=(x)/Nope:1`), tree), ErrorCode.URI_NOT_FOUND, 404);
  // String compare: "12.10" is not "12.1".
  failsWith(resolveClientUri(uri(`${M}/left/Data/(d)?nv=(d)/Date:12.10`), tree), ErrorCode.URI_NOT_FOUND, 404);
  // Two conditions on the same letter, both true.
  assert.deepEqual(targets(resolveClientUri(uri(`${M}/(x)/?nv=(x)/ID:GPS&nv=(x)/Setting:0xA1`), tree)), [`${M}/left/`]);
  // Decoded values compare: a value with a space.
  const spaced = new MemTree().add(M, "a", "S", { Name: "x y" }).add(M, "b", "S", { Name: "x" });
  assert.deepEqual(targets(resolveClientUri(uri(`${M}/(n)/?nv=(n)/Name:x%20y`), spaced)), [`${M}/a/`]);
});

test("unknown MIID, MOID or node → 404 naming the problem; * over a leaf → 404", () => {
  const tree = acme();
  const miss = resolveClientUri(uri(`${M}/middle/`), tree);
  failsWith(miss, ErrorCode.URI_NOT_FOUND, 404);
  assert.match(miss.ok ? "" : miss.error.message, /no instance "middle"/);
  failsWith(resolveClientUri(uri("urn:oma:mo:other:1.0/*/"), tree), ErrorCode.URI_NOT_FOUND, 404);
  const deep = resolveClientUri(uri(`${M}/left/Data/9/Value`), tree);
  assert.match(deep.ok ? "" : deep.error.message, /path segment 2/);
  failsWith(resolveClientUri(uri(`${M}/left/ID/*`), tree), ErrorCode.URI_NOT_FOUND, 404);
});

test("single: more than one match is URI_AMBIGUOUS (400); exactly one is fine", () => {
  const tree = acme();
  failsWith(resolveClientUri(uri(`${M}/*/Setting`), tree, { single: true }), ErrorCode.URI_AMBIGUOUS, 400);
  assert.deepEqual(targets(resolveClientUri(uri(`${M}/left/Setting`), tree, { single: true })), [`${M}/left/Setting`]);
  // Not-found wins over ambiguity.
  failsWith(resolveClientUri(uri(`${M}/*/Nope`), tree, { single: true }), ErrorCode.URI_NOT_FOUND, 404);
});

test("cv and other query fields do not change the result", () => {
  assert.deepEqual(targets(resolveClientUri(uri(`${M}/left/ID?cv=abc&ui=7`), acme())), [`${M}/left/ID`]);
});

test("forms seen in the sources resolve", () => {
  const tree = new MemTree()
    .add("urn:oma:mo:oma-dm-devinfo:1.0", "devinfo", "DevInfo", { DevID: "IMEI:493005100592800", Man: "Acme" })
    .add("urn:oma:mo:oma-sessioninfomo:1.0", "s0", "SessionInfo", { CBT: "2" })
    .add("urn:oma:mo:oma-scomo:1.0", "SCOMO1", "SCOMO", {
      Download: { Package1: { Operations: { DownloadInstall: "", Download: "" } } },
    })
    .add("urn:oma:mo:oma-fumo:1.0", "apps", "fumo", { DownloadAndUpdate: { PkgURL: "https://127.0.0.1/p" } })
    .add("urn:oma:mo:oma-mo:1.0", "miid1", "X", {});
  const cases: [string, string][] = [
    ["urn:oma:mo:oma-dm-devinfo:1.0//", "urn:oma:mo:oma-dm-devinfo:1.0/devinfo/"],
    ["urn:oma:mo:oma-sessioninfomo:1.0//CBT", "urn:oma:mo:oma-sessioninfomo:1.0/s0/CBT"],
    [
      "urn:oma:mo:oma-scomo:1.0/SCOMO1/Download/Package1/Operations/DownloadInstall",
      "urn:oma:mo:oma-scomo:1.0/SCOMO1/Download/Package1/Operations/DownloadInstall",
    ],
    ["urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate/PkgURL", "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate/PkgURL"],
    ["urn:oma:mo:oma-mo:1.0/miid1/", "urn:oma:mo:oma-mo:1.0/miid1/"],
  ];
  for (const [text, concrete] of cases) {
    assert.deepEqual(targets(resolveClientUri(uri(text), tree, { single: true })), [concrete], text);
  }
  // A trailing "/" on a non-root node addresses the same node.
  assert.deepEqual(targets(resolveClientUri(uri("urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate/"), tree)), [
    "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate",
  ]);
});

test("node names needing encoding resolve and come back encoded in the concrete form", () => {
  const tree = new MemTree().add(M, "a", "S", { "x y": { "p/q": "1" } });
  const r = resolveClientUri(uri(`${M}/a/x%20y/p%2Fq`), tree);
  assert.deepEqual(targets(r), [`${M}/a/x%20y/p%2Fq`]);
  assert.deepEqual(r.ok && r.value[0]?.path, ["x y", "p/q"]);
  assert.deepEqual(targets(resolveClientUri(uri(`${M}/a/*/*`), tree)), [`${M}/a/x%20y/p%2Fq`]);
});

test("a concrete URI over 10,000 nodes uses child lookups only: no enumeration, no instance listing", () => {
  const tree = new MemTree();
  for (let i = 0; i < 100; i++) {
    const data: Record<string, Spec> = {};
    for (let j = 0; j < 48; j++) data[String(j)] = { Value: `v${i}.${j}` };
    tree.add(M, `i${i}`, "Sensor", { ID: `id${i}`, Data: data });
  }
  const r = resolveClientUri(uri(`${M}/i73/Data/41/Value`), tree, { single: true });
  assert.deepEqual(targets(r), [`${M}/i73/Data/41/Value`]);
  assert.equal(r.ok && r.value[0]?.node.value(), "v73.41");
  assert.deepEqual(tree.counters, { children: 0, child: 3, instances: 0 });
  // An nv-filtered instance selection reads one leaf per instance, not the whole tree.
  tree.counters.child = 0;
  assert.deepEqual(targets(resolveClientUri(uri(`${M}/(x)/Data/7/Value?nv=(x)/ID:id5`), tree)), [
    `${M}/i5/Data/7/Value`,
  ]);
  assert.equal(tree.counters.children, 0);
  assert.equal(tree.counters.child, 100 + 3);
});
