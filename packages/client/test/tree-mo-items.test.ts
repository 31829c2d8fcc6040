// MO serialization items from/into the tree (docs/protocol.md §7.1, §6.3 CV, §4.1 HGET storing).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ErrorCode,
  parseClientUri,
  parseMoSerialization,
  resolveClientUri,
  serializeMoSerialization,
} from "@omadm/protocol";
import { moItemFor, storeMoData } from "../src/tree/mo-items.js";
import { readableByServer } from "../src/tree/subtree-encoder.js";
import { serverActor } from "../src/tree/actor.js";
import { SENSOR, errorOf, expectError, must, sensorTree } from "./tree-fixtures.js";

const A = serverActor("srvA");
const PERM = { p: { MOID: "urn:oma:mo:x:1.0" } };

test("items carry the concrete ClientURI, the DDF URL and, for an instance root, the CV", () => {
  const tree = sensorTree();
  must(
    tree.addInstance(SENSOR, {
      actor: A,
      miid: "left",
      moData: { r: { ID: "GPS", Secret: "AQ==", Data: { "a/b": { Date: "1" } }, Perm: PERM } },
    }),
  );
  const root = must(moItemFor(tree, SENSOR, "left", [], { filter: readableByServer }));
  assert.equal(root.ClientURI, `${SENSOR}/left/`);
  assert.equal(root.CV, tree.validator(SENSOR, "left"));
  assert.equal(root.DDF, "https://ddf.example/acme-sensor.ddf");
  assert.equal((root.MOData.left as Record<string, unknown>).Secret, undefined);
  const leaf = must(moItemFor(tree, SENSOR, "left", ["Data", "a/b", "Date"]));
  assert.equal(leaf.ClientURI, `${SENSOR}/left/Data/a%2Fb/Date`);
  assert.equal(leaf.CV, undefined);
  assert.deepEqual(leaf.MOData, { Date: "1" });
  expectError(moItemFor(tree, SENSOR, "left", ["Nope"]), ErrorCode.TREE_NOT_FOUND, 404);
  // The encoded name resolves back to the node.
  const [hit] = must(resolveClientUri(must(parseClientUri(leaf.ClientURI)), tree));
  assert.deepEqual(hit?.path, ["Data", "a/b", "Date"]);
});

test("an instance travels as an item (HPUT) and is stored by another client (HGET) unchanged", () => {
  const from = sensorTree();
  must(
    from.addInstance(SENSOR, {
      actor: A,
      miid: "left",
      moData: { r: { ID: "GPS", Count: 5, Blob: "AAEC", Enabled: false, Perm: PERM } },
    }),
  );
  const body = serializeMoSerialization([must(moItemFor(from, SENSOR, "left", []))]);
  const [item] = must(parseMoSerialization(body));
  assert.ok(item);
  const uri = must(parseClientUri(item.ClientURI));
  if (uri.inst.kind !== "miid") assert.fail("a concrete ClientURI names its MIID");
  const to = sensorTree();
  const stored = must(storeMoData(to, { moid: uri.moid, miid: uri.inst.miid, path: [] }, item.MOData, A));
  assert.deepEqual(stored, { miid: "left", created: true, changed: true });
  assert.deepEqual(must(to.read(SENSOR, "left", [])), must(from.read(SENSOR, "left", [])));
  assert.deepEqual(to.getValue(SENSOR, "left", ["Blob"]), new Uint8Array([0, 1, 2]));
});

test("storeMoData replaces inside an existing instance, creates a new one otherwise, 404 inside a missing one", () => {
  const tree = sensorTree();
  const first = must(storeMoData(tree, { moid: SENSOR, path: [] }, { x: { ID: "1", Perm: PERM } }, A));
  assert.equal(first.created, true);
  const again = must(storeMoData(tree, { moid: SENSOR, miid: first.miid, path: ["ID"] }, { ID: "2" }, A));
  assert.deepEqual(again, { miid: first.miid, created: false, changed: true });
  const same = must(storeMoData(tree, { moid: SENSOR, miid: first.miid, path: ["ID"] }, { ID: "2" }, A));
  assert.equal(same.changed, false);
  const taken = must(storeMoData(tree, { moid: SENSOR, miid: "wanted", path: [] }, { x: { ID: "3", Perm: PERM } }, A));
  assert.equal(taken.miid, "wanted");
  assert.equal(errorOf(storeMoData(tree, { moid: SENSOR, miid: "ghost", path: ["ID"] }, { ID: "x" }, A)).status, 404);
  assert.deepEqual(tree.instances(SENSOR), [first.miid, "wanted"]);
});
