// MO registry and instance creation (docs/protocol.md §4.1 MIID assignment, §8.1 permanent roots).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "@omadm/protocol";
import { LOCAL, serverActor } from "../src/tree/actor.js";
import { counterMiidSource, randomMiidSource } from "../src/tree/miid.js";
import { createDmTree } from "../src/tree/dm-tree.js";
import { createMoRegistry } from "../src/tree/mo-registry.js";
import { defineInterior, defineLeaf, defineMo } from "../src/tree/define.js";
import { SENSOR, SINGLE, errorOf, expectError, must, sensorRegistry, sensorTree } from "./tree-fixtures.js";

const A = serverActor("srvA");

test("registry rejects a duplicate MOID and broken definitions with TREE_BAD_DEFINITION", () => {
  const registry = sensorRegistry();
  assert.equal(
    errorOf(registry.register(defineMo(SENSOR, defineInterior(undefined, [])))).code,
    ErrorCode.TREE_BAD_DEFINITION,
  );
  const broken = [
    defineMo("urn:oma:mo:leaf-root:1.0", defineLeaf("X", "chr")),
    defineMo("urn:oma:mo:two-x:1.0", defineInterior("R", [defineLeaf(undefined, "chr"), defineLeaf(undefined, "int")])),
    defineMo("urn:oma:mo:dup-names:1.0", defineInterior("R", [defineLeaf("A", "chr"), defineLeaf("A", "int")])),
    defineMo(
      "urn:oma:mo:bad-n:1.0",
      defineInterior("R", [defineLeaf(undefined, "chr", { occurrence: { kind: "ZeroOrN", n: 0 } })]),
    ),
    defineMo("urn:oma:mo:bad/moid", defineInterior("R", [])),
  ];
  for (const def of broken) {
    assert.equal(errorOf(createMoRegistry().register(def)).code, ErrorCode.TREE_BAD_DEFINITION, def.moid);
  }
  assert.deepEqual(registry.moids(), [SENSOR, SINGLE]);
  assert.equal(registry.ddfUrl(SENSOR), "https://ddf.example/acme-sensor.ddf");
  assert.equal(registry.definitionAt(SENSOR, ["Data", "7", "Value"])?.format, "chr");
  assert.equal(registry.definitionAt(SENSOR, ["Nope"]), undefined);
});

test("a requested MIID is kept when free and valid; otherwise the client generates one (DM 2.0 §5.3.1)", () => {
  const tree = sensorTree();
  assert.equal(must(tree.addInstance(SENSOR, { actor: A, miid: "left", moData: { x: { ID: "GPS" } } })).miid, "left");
  const taken = must(tree.addInstance(SENSOR, { actor: A, miid: "left", moData: { x: { ID: "T" } } })).miid;
  assert.notEqual(taken, "left");
  const invalid = must(tree.addInstance(SENSOR, { actor: A, miid: "bad/miid", moData: { x: { ID: "T" } } })).miid;
  assert.notEqual(invalid, "bad/miid");
  const none = must(tree.addInstance(SENSOR, { actor: A, moData: { x: { ID: "T" } } })).miid;
  assert.deepEqual(tree.instances(SENSOR), ["left", taken, invalid, none]);
  assert.equal(new Set(tree.instances(SENSOR)).size, 4);
  for (const miid of tree.instances(SENSOR)) assert.match(miid, /^[A-Za-z0-9._~-]{1,64}$/);
});

test("MIIDs come from the injected source, skipping taken and invalid candidates", () => {
  const candidates = ["a", "not valid", "a", "b"];
  const tree = createDmTree({ registry: sensorRegistry(), nextMiid: () => candidates.shift() ?? "z" });
  assert.equal(must(tree.addInstance(SENSOR, { actor: LOCAL, moData: { r: { ID: "1" } } })).miid, "a");
  assert.equal(must(tree.addInstance(SENSOR, { actor: LOCAL, moData: { r: { ID: "2" } } })).miid, "b");
  const counter = createDmTree({ registry: sensorRegistry(), nextMiid: counterMiidSource(7, "s") });
  assert.equal(must(counter.addInstance(SENSOR, { actor: LOCAL, moData: { r: { ID: "1" } } })).miid, "s7");
  let seed = 0;
  const random = createDmTree({
    registry: sensorRegistry(),
    nextMiid: randomMiidSource((n) => new Uint8Array(n).fill(seed++)),
  });
  assert.equal(must(random.addInstance(SENSOR, { actor: LOCAL, moData: { r: { ID: "1" } } })).miid, "0000000000000000");
});

test("a source that never yields a free MIID gives TREE_MIID_EXHAUSTED, not a hang", () => {
  const tree = createDmTree({ registry: sensorRegistry(), nextMiid: () => "same" });
  must(tree.addInstance(SENSOR, { actor: LOCAL, moData: { r: { ID: "1" } } }));
  expectError(
    tree.addInstance(SENSOR, { actor: LOCAL, moData: { r: { ID: "2" } } }),
    ErrorCode.TREE_MIID_EXHAUSTED,
    500,
  );
  assert.equal(tree.instances(SENSOR).length, 1);
});

test("an unsupported MOID is 404 TREE_UNKNOWN_MO", () => {
  expectError(sensorTree().addInstance("urn:oma:mo:unknown:1.0", { actor: A }), ErrorCode.TREE_UNKNOWN_MO, 404);
});

test("a single-instance MO with a permanent root: created locally once; a server gets 405 (§8.1)", () => {
  const tree = sensorTree();
  expectError(
    tree.addInstance(SINGLE, { actor: A, moData: { Single: { Name: "n" } } }),
    ErrorCode.TREE_NOT_ALLOWED,
    405,
  );
  const miid = must(tree.addInstance(SINGLE, { actor: LOCAL, moData: { Single: { Name: "n" } } })).miid;
  assert.equal(tree.root(SINGLE, miid)?.name, "Single", "a named root keeps its DDF name");
  expectError(
    tree.addInstance(SINGLE, { actor: LOCAL, moData: { Single: { Name: "m" } } }),
    ErrorCode.TREE_NOT_ALLOWED,
    405,
  );
});

test("an unnamed root is named by its MIID; a server's new instance must hold its required nodes", () => {
  const tree = sensorTree();
  const miid = must(tree.addInstance(SENSOR, { actor: A, miid: "left", moData: { whatever: { ID: "GPS" } } })).miid;
  assert.equal(tree.root(SENSOR, miid)?.name, "left");
  assert.equal(tree.getValue(SENSOR, miid, ["Mode"]), "auto", "a missing required leaf gets its DDF default");
  const missing = errorOf(tree.addInstance(SENSOR, { actor: A, moData: { x: { Setting: "0xA1" } } }));
  assert.equal(missing.status, 400);
  assert.match(missing.message, /required node ID/);
  assert.deepEqual(tree.instances(SENSOR), ["left"], "a rejected creation adds nothing");
  assert.deepEqual(tree.creator(SENSOR, "left"), A);
});
