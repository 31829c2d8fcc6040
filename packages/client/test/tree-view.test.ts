// The DM Tree as the shared TreeView (docs/protocol.md §6.1): the protocol's ClientURI resolver runs over it; the
// ten §6.1 examples; locate(); a 10,000-node instance; snapshot/restore.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, parseClientUri, resolveClientUri } from "@omadm/protocol";
import { LOCAL, serverActor } from "../src/tree/actor.js";
import { createDmTree, type DmTree } from "../src/tree/dm-tree.js";
import { SENSOR, errorOf, must, sensorRegistry, sensorTree } from "./tree-fixtures.js";

const A = serverActor("srvA");
const PERM = { p: { MOID: "urn:oma:mo:x:1.0" } };

function exampleTree(): DmTree {
  const tree = sensorTree();
  const left = {
    ID: "GPS",
    Setting: "0xA1",
    Data: { "1": { Date: "12.1", Value: "l1" }, "2": { Date: "12.2", Value: "l2" } },
    Perm: PERM,
  };
  const right = {
    ID: "Temperature",
    Setting: "0xB2",
    Data: { "1": { Date: "12.1", Value: "r1" }, "2": { Date: "12.3", Value: "r2" } },
    Perm: PERM,
  };
  must(tree.addInstance(SENSOR, { actor: A, miid: "left", moData: { left } }));
  must(tree.addInstance(SENSOR, { actor: A, miid: "right", moData: { right } }));
  return tree;
}

function resolve(tree: DmTree, text: string): string[] | string {
  const uri = must(parseClientUri(text));
  const r = resolveClientUri(uri, tree);
  return r.ok ? r.value.map((n) => `${n.miid}/${n.path.join("/")}`) : `${r.error.status}`;
}

test("the ten ClientURI examples of §6.1 resolve over the DM Tree", () => {
  const tree = exampleTree();
  const m = SENSOR;
  assert.deepEqual(resolve(tree, `${m}/left/`), ["left/"]);
  assert.equal(resolve(tree, `${m}//`), "404");
  assert.deepEqual(resolve(tree, `${m}/(x)/?nv=(x)/ID:Temperature`), ["right/"]);
  assert.deepEqual(resolve(tree, `${m}/(x)/Data/1/Value?nv=(x)/ID:GPS`), ["left/Data/1/Value"]);
  assert.deepEqual(resolve(tree, `${m}/right/Data/(x)/Value?nv=(x)/Date:12.1`), ["right/Data/1/Value"]);
  assert.deepEqual(resolve(tree, `${m}/(x)/Data/(y)/Value?nv=(x)/ID:GPS&nv=(y)/Date:12.2`), ["left/Data/2/Value"]);
  assert.deepEqual(resolve(tree, `${m}/*/Setting`), ["left/Setting", "right/Setting"]);
  assert.deepEqual(resolve(tree, `${m}/(x)/Data/*/Value?nv=(x)/ID:GPS`), ["left/Data/1/Value", "left/Data/2/Value"]);
  assert.equal(resolve(tree, `${m}/(x)/Data/*/Value?nv=(x)/ID:GPS&nv=(x)/Setting:0xB2`), "404");
  assert.equal((resolve(tree, `${m}/*/Data/*/Value`) as string[]).length, 4);
});

test("nv= compares the string form of typed leaves; the root is named by the MIID when unnamed", () => {
  const tree = exampleTree();
  must(tree.setValue(SENSOR, "right", ["Count"], 7));
  must(tree.setValue(SENSOR, "right", ["Enabled"], true));
  assert.deepEqual(resolve(tree, `${SENSOR}/(x)/ID?nv=(x)/Count:7&nv=(x)/Enabled:true`), ["right/ID"]);
  assert.equal(tree.root(SENSOR, "right")?.name, "right");
  assert.equal(tree.root(SENSOR, "right")?.child("ID")?.value(), "Temperature");
  assert.equal(tree.root(SENSOR, "right")?.value(), undefined);
});

test("locate() maps a resolved view back to MOID/MIID/path; detached views are not located", () => {
  const tree = exampleTree();
  const [hit] = must(resolveClientUri(must(parseClientUri(`${SENSOR}/left/Data/2/Value`)), tree));
  assert.ok(hit);
  assert.deepEqual(tree.locate(hit.node), { moid: SENSOR, miid: "left", path: ["Data", "2", "Value"] });
  assert.equal(
    tree.locate({ name: "x", isLeaf: true, children: () => [], child: () => undefined, value: () => "v" }),
    undefined,
  );
  must(tree.replace(SENSOR, "left", ["Data", "2", "Value"], { Value: "new" }, A));
  assert.equal(tree.locate(hit.node), undefined, "a replaced node is detached");
  assert.equal(tree.node(SENSOR, "left", ["Data", "2", "Value"])?.definition.format, "chr");
});

test("read serializes typed JSON; readableByServer leaves out No-Get nodes", async () => {
  const { readableByServer } = await import("../src/tree/subtree-encoder.js");
  const tree = exampleTree();
  must(tree.setValue(SENSOR, "left", ["Secret"], new Uint8Array([1, 2])));
  const full = must(tree.read(SENSOR, "left", []));
  assert.deepEqual((full.left as Record<string, unknown>).Secret, "AQI=");
  const server = must(tree.read(SENSOR, "left", [], { filter: readableByServer }));
  const left = server.left as Record<string, unknown>;
  assert.equal(left.Secret, undefined);
  assert.equal(left.Perm, undefined, "Perm (Add only) is never serialized for a server");
  assert.equal(left.ID, "GPS");
  assert.equal(errorOf(tree.read(SENSOR, "left", ["Nope"])).code, ErrorCode.TREE_NOT_FOUND);
});

test("10,000 placeholder children: direct lookups, resolver, one-node replace and serialization", () => {
  const tree = sensorTree();
  const data: Record<string, { Date: string; Value: string }> = {};
  for (let i = 0; i < 10_000; i++) data[`n${i}`] = { Date: `d${i}`, Value: `v${i}` };
  must(tree.addInstance(SENSOR, { actor: LOCAL, miid: "big", moData: { big: { ID: "B", Data: data } } }));
  assert.equal(tree.node(SENSOR, "big", ["Data"])?.childCount, 10_000);
  assert.equal(tree.getValue(SENSOR, "big", ["Data", "n9876", "Value"]), "v9876");
  assert.deepEqual(resolve(tree, `${SENSOR}/big/Data/n4321/Date`), ["big/Data/n4321/Date"]);
  assert.deepEqual(resolve(tree, `${SENSOR}/big/Data/(x)/Value?nv=(x)/Date:d7777`), ["big/Data/n7777/Value"]);
  for (let i = 0; i < 1000; i++) must(tree.replace(SENSOR, "big", ["Data", `n${i}`, "Value"], { Value: `w${i}` }, A));
  assert.equal(tree.getValue(SENSOR, "big", ["Data", "n999", "Value"]), "w999");
  assert.equal(Object.keys(must(tree.read(SENSOR, "big", ["Data"])).Data as object).length, 10_000);
});

test("snapshot/restore keeps values, types, MIIDs, validators, creators and counters", () => {
  const tree = exampleTree();
  must(tree.setValue(SENSOR, "left", ["Blob"], new Uint8Array([0, 255])));
  must(tree.setValue(SENSOR, "left", ["Ratio"], 2));
  must(tree.setValue(SENSOR, "left", ["Ext", "v", "on"], true));
  must(tree.addInstance(SENSOR, { actor: LOCAL, moData: { r: { ID: "gen" } } }));
  const snap = JSON.parse(JSON.stringify(tree.snapshot())) as ReturnType<DmTree["snapshot"]>;
  const copy = createDmTree({ registry: sensorRegistry() });
  must(copy.restore(snap));
  assert.deepEqual(copy.instances(SENSOR), tree.instances(SENSOR));
  for (const miid of tree.instances(SENSOR)) {
    assert.deepEqual(must(copy.read(SENSOR, miid, [])), must(tree.read(SENSOR, miid, [])));
    assert.equal(copy.validator(SENSOR, miid), tree.validator(SENSOR, miid));
    assert.deepEqual(copy.creator(SENSOR, miid), tree.creator(SENSOR, miid));
  }
  assert.deepEqual(copy.getValue(SENSOR, "left", ["Blob"]), new Uint8Array([0, 255]));
  assert.equal(copy.node(SENSOR, "left", ["Ratio"])?.definition.format, "float");
  // Counters continue: a new instance gets a fresh MIID and validators do not repeat.
  const next = must(copy.addInstance(SENSOR, { actor: LOCAL, moData: { r: { ID: "n" } } })).miid;
  assert.ok(!tree.instances(SENSOR).includes(next));
  const cvs = copy.instances(SENSOR).map((m) => copy.validator(SENSOR, m));
  assert.equal(new Set(cvs).size, cvs.length);
});

test("restore of a bad snapshot is a typed error and leaves the tree as it was", () => {
  const tree = exampleTree();
  const good = tree.snapshot();
  const badValue = { ...good, instances: [{ moid: SENSOR, miid: "x", cv: "1", creator: LOCAL, data: { ID: 5 } }] };
  assert.equal(errorOf(tree.restore(badValue)).code, ErrorCode.TREE_BAD_VALUE);
  const unknownMo = {
    ...good,
    instances: [{ moid: "urn:oma:mo:gone:1.0", miid: "x", cv: "1", creator: LOCAL, data: {} }],
  };
  assert.equal(errorOf(tree.restore(unknownMo)).code, ErrorCode.TREE_UNKNOWN_MO);
  assert.deepEqual(tree.instances(SENSOR), ["left", "right"]);
});

test("validatorPrefix marks every new validator", () => {
  const tree = createDmTree({ registry: sensorRegistry() }, { validatorPrefix: "b7-" });
  must(tree.addInstance(SENSOR, { actor: LOCAL, miid: "a", moData: { r: { ID: "1" } } }));
  assert.match(tree.validator(SENSOR, "a") ?? "", /^b7-/);
});
