// Trees restored from one snapshot share its nodes and copy only what they write (dm-node.ts, dm-tree.ts): each
// stays its own as the protocol sees it (§7.1 Replace, §8.1 Delete, §6.3 validators), and the snapshot, the
// template of a fleet of simulated devices, never changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LOCAL, serverActor } from "../src/tree/actor.js";
import { createDmTree, type DmTree } from "../src/tree/dm-tree.js";
import type { TreeSnapshot } from "../src/tree/tree-snapshot.js";
import { SENSOR, must, sensorRegistry } from "./tree-fixtures.js";

const A = serverActor("srvA");
const registry = sensorRegistry();

function template(): { tree: DmTree; snapshot: TreeSnapshot; data: unknown } {
  const tree = createDmTree({ registry });
  must(
    tree.addInstance(SENSOR, {
      actor: LOCAL,
      miid: "s1",
      moData: { s1: { ID: "GPS", Setting: "a", Data: { "1": { Date: "12.1", Value: "x" } } } },
    }),
  );
  const snapshot = tree.snapshot();
  return { tree, snapshot, data: JSON.parse(JSON.stringify(snapshot)) };
}

function restored(snapshot: TreeSnapshot): DmTree {
  const tree = createDmTree({ registry });
  must(tree.restore(snapshot));
  return tree;
}

test("two trees restored from one snapshot diverge on a Replace; the snapshot and the template are unchanged", () => {
  const t = template();
  const a = restored(t.snapshot);
  const b = restored(t.snapshot);
  // Nothing is copied by the restore: both hold the template's nodes.
  assert.equal(a.node(SENSOR, "s1", ["Data", "1"]), t.tree.node(SENSOR, "s1", ["Data", "1"]));
  assert.equal(a.node(SENSOR, "s1", ["Data", "1"]), b.node(SENSOR, "s1", ["Data", "1"]));

  assert.deepEqual(must(a.replace(SENSOR, "s1", ["Data", "1", "Value"], { Value: "y" }, A)), { changed: true });
  assert.equal(a.getValue(SENSOR, "s1", ["Data", "1", "Value"]), "y");
  assert.equal(b.getValue(SENSOR, "s1", ["Data", "1", "Value"]), "x");
  assert.equal(t.tree.getValue(SENSOR, "s1", ["Data", "1", "Value"]), "x");
  assert.deepEqual(JSON.parse(JSON.stringify(t.snapshot)), t.data, "the snapshot reads as when it was taken");
  // Only the written path was copied: a sibling subtree is still the template's node.
  assert.notEqual(a.node(SENSOR, "s1", ["Data"]), b.node(SENSOR, "s1", ["Data"]));
  assert.equal(a.node(SENSOR, "s1", ["ID"]), b.node(SENSOR, "s1", ["ID"]));
  assert.notEqual(a.validator(SENSOR, "s1"), b.validator(SENSOR, "s1"), "only the written tree's validator moves");
  assert.equal(b.validator(SENSOR, "s1"), t.tree.validator(SENSOR, "s1"));
});

test("setValue, a new leaf and Delete on a restored tree leave the other trees and the template alone", () => {
  const t = template();
  const a = restored(t.snapshot);
  const b = restored(t.snapshot);
  must(a.setValue(SENSOR, "s1", ["ID"], "GLONASS", A));
  must(a.setValue(SENSOR, "s1", ["Count"], 7, A));
  must(a.delete(SENSOR, "s1", ["Data", "1"], A));
  must(b.setValue(SENSOR, "s1", ["Setting"], "b", A));
  assert.equal(a.getValue(SENSOR, "s1", ["ID"]), "GLONASS");
  assert.equal(a.getValue(SENSOR, "s1", ["Count"]), 7);
  assert.equal(a.node(SENSOR, "s1", ["Data", "1"]), undefined);
  assert.equal(a.getValue(SENSOR, "s1", ["Setting"]), "a");
  assert.equal(b.getValue(SENSOR, "s1", ["ID"]), "GPS");
  assert.equal(b.getValue(SENSOR, "s1", ["Count"]), undefined);
  assert.equal(b.getValue(SENSOR, "s1", ["Data", "1", "Value"]), "x");
  assert.equal(b.getValue(SENSOR, "s1", ["Setting"]), "b");
  assert.equal(t.tree.getValue(SENSOR, "s1", ["Setting"]), "a");
  assert.deepEqual(JSON.parse(JSON.stringify(t.snapshot)), t.data);
  // The template itself still writes: its own nodes are copied away from the snapshot too.
  must(t.tree.setValue(SENSOR, "s1", ["Setting"], "c", A));
  assert.equal(t.tree.getValue(SENSOR, "s1", ["Setting"]), "c");
  assert.equal(a.getValue(SENSOR, "s1", ["Setting"]), "a");
  assert.deepEqual(JSON.parse(JSON.stringify(t.snapshot)), t.data);
});

test("a snapshot read from its JSON restores into nodes of the tree's own, equal to the template's", () => {
  const t = template();
  const fromJson = restored(JSON.parse(JSON.stringify(t.snapshot)) as TreeSnapshot);
  assert.notEqual(fromJson.node(SENSOR, "s1", ["ID"]), t.tree.node(SENSOR, "s1", ["ID"]));
  assert.deepEqual(must(fromJson.read(SENSOR, "s1", [])), must(t.tree.read(SENSOR, "s1", [])));
});
