// Replace / setValue / delete (docs/protocol.md §7.1 MOData decoding, §8.1 permanent vs dynamic, §8.2 AccessType,
// §14 write-once Perm): every rejected write is a typed error and changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "@omadm/protocol";
import { LOCAL, serverActor } from "../src/tree/actor.js";
import type { DmTree } from "../src/tree/dm-tree.js";
import { SENSOR, expectError, must, sensorTree } from "./tree-fixtures.js";

const A = serverActor("srvA");

function withLeft(): DmTree {
  const tree = sensorTree();
  must(
    tree.addInstance(SENSOR, {
      actor: A,
      miid: "left",
      moData: {
        left: {
          ID: "GPS",
          Setting: "0xA1",
          Data: { "1": { Date: "12.1", Value: "a" } },
          Perm: { p: { MOID: "urn:oma:mo:x:1.0" } },
        },
      },
    }),
  );
  return tree;
}

test("replace stores typed values; string forms of int/float/bool are accepted", () => {
  const tree = withLeft();
  const data = {
    left: {
      ID: "GPS",
      Count: "42",
      Ratio: "0.25",
      Enabled: "true",
      Blob: "AAEC",
      Day: "2016-02-09",
      Marker: null,
      Perm: { p: { MOID: "urn:oma:mo:x:1.0" } },
    },
  };
  assert.deepEqual(must(tree.replace(SENSOR, "left", [], data, A)), { changed: true });
  assert.equal(tree.getValue(SENSOR, "left", ["Count"]), 42);
  assert.equal(tree.getValue(SENSOR, "left", ["Ratio"]), 0.25);
  assert.equal(tree.getValue(SENSOR, "left", ["Enabled"]), true);
  assert.deepEqual(tree.getValue(SENSOR, "left", ["Blob"]), new Uint8Array([0, 1, 2]));
  assert.equal(tree.getValue(SENSOR, "left", ["Marker"]), null);
  const out = must(tree.read(SENSOR, "left", []));
  assert.deepEqual(out.left, {
    ID: "GPS",
    Count: 42,
    Ratio: 0.25,
    Enabled: true,
    Blob: "AAEC",
    Day: "2016-02-09",
    Marker: null,
    Mode: "auto",
    Perm: { p: { MOID: "urn:oma:mo:x:1.0" } },
  });
});

test("a bad value anywhere in the data is 400 and changes nothing", () => {
  const tree = withLeft();
  const before = JSON.stringify(must(tree.read(SENSOR, "left", [])));
  const cv = tree.validator(SENSOR, "left");
  const bad = tree.replace(
    SENSOR,
    "left",
    [],
    { left: { ID: "new", Setting: "s", Count: "many", Perm: { p: { MOID: "urn:oma:mo:x:1.0" } } } },
    A,
  );
  expectError(bad, ErrorCode.TREE_BAD_VALUE, 400);
  assert.equal(JSON.stringify(must(tree.read(SENSOR, "left", []))), before);
  assert.equal(tree.validator(SENSOR, "left"), cv);
  expectError(tree.replace(SENSOR, "left", ["ID"], { ID: { nested: 1 } }, A), ErrorCode.TREE_BAD_DATA, 400);
  expectError(tree.replace(SENSOR, "left", ["Data"], { Data: "flat" }, A), ErrorCode.TREE_BAD_DATA, 400);
  expectError(
    tree.replace(SENSOR, "left", ["Data"], { Data: { "1": { Date: "x", Bogus: "y" } } }, A),
    ErrorCode.TREE_BAD_DATA,
    400,
  );
  expectError(
    tree.replace(SENSOR, "left", ["Data"], { Data: { "*": { Date: "x" } } }, A),
    ErrorCode.TREE_BAD_DATA,
    400,
  );
  expectError(tree.replace(SENSOR, "left", ["ID"], { ID: "a", other: "b" }, A), ErrorCode.TREE_BAD_DATA, 400);
  expectError(tree.replace(SENSOR, "left", ["ID"], [], A), ErrorCode.TREE_BAD_DATA, 400);
  expectError(tree.replace(SENSOR, "left", ["NoSuch"], { NoSuch: "x" }, A), ErrorCode.TREE_NOT_FOUND, 404);
  expectError(tree.replace(SENSOR, "nope", ["ID"], { ID: "x" }, A), ErrorCode.TREE_NOT_FOUND, 404);
  assert.equal(JSON.stringify(must(tree.read(SENSOR, "left", []))), before);
});

test("MOData leniency: the leaf's own key, or the MO root walked down to the target; any key for a root", () => {
  const tree = withLeft();
  must(tree.replace(SENSOR, "left", ["Setting"], { Setting: "one" }, A));
  assert.equal(tree.getValue(SENSOR, "left", ["Setting"]), "one");
  // Another DM 2.0 implementation's test server sends {"fumo":{"DownloadAndUpdate":{"PkgURL":"…"}}} for a leaf target.
  must(tree.replace(SENSOR, "left", ["Data", "1", "Value"], { sensor: { Data: { "1": { Value: "two" } } } }, A));
  assert.equal(tree.getValue(SENSOR, "left", ["Data", "1", "Value"]), "two");
  const wrong = tree.replace(SENSOR, "left", ["Data", "1", "Value"], { sensor: { Data: { "2": { Value: "x" } } } }, A);
  expectError(wrong, ErrorCode.TREE_BAD_DATA, 400);
  must(
    tree.replace(SENSOR, "left", [], { "acme-sensor": { ID: "GPS", Perm: { p: { MOID: "urn:oma:mo:x:1.0" } } } }, A),
  );
  assert.equal(tree.getValue(SENSOR, "left", ["Setting"]), undefined, "a root replace drops dynamic nodes left out");
});

test("replace below a missing node creates the path (HGET with a deeper ClientURI)", () => {
  const tree = withLeft();
  must(tree.replace(SENSOR, "left", ["Data", "2", "Date"], { Date: "12.2" }, A));
  assert.equal(tree.getValue(SENSOR, "left", ["Data", "2", "Date"]), "12.2");
  assert.deepEqual(
    [...(tree.node(SENSOR, "left", ["Data"])?.children() ?? [])].map((n) => n.name),
    ["1", "2"],
  );
  expectError(tree.replace(SENSOR, "left", ["ID", "below"], { below: "x" }, A), ErrorCode.TREE_NOT_FOUND, 404);
});

test("§8.1: a server cannot create a permanent node under an existing parent (405); local code can", () => {
  const tree = withLeft();
  expectError(tree.replace(SENSOR, "left", ["Serial"], { Serial: "S1" }, A), ErrorCode.TREE_NOT_ALLOWED, 405);
  assert.equal(tree.getValue(SENSOR, "left", ["Serial"]), undefined);
  must(tree.setValue(SENSOR, "left", ["Serial"], "S1"));
  assert.equal(tree.getValue(SENSOR, "left", ["Serial"]), "S1");
  // A permanent node the new data leaves out is kept, a dynamic one is deleted.
  must(tree.replace(SENSOR, "left", [], { left: { ID: "GPS", Perm: { p: { MOID: "urn:oma:mo:x:1.0" } } } }, A));
  assert.equal(tree.getValue(SENSOR, "left", ["Serial"]), "S1");
  assert.equal(tree.node(SENSOR, "left", ["Data"]), undefined);
});

test("§8.2 AccessType: Replace, Add and Delete are checked for a server (405)", () => {
  const tree = withLeft();
  must(tree.setValue(SENSOR, "left", ["Locked"], "L"));
  expectError(tree.replace(SENSOR, "left", ["Locked"], { Locked: "M" }, A), ErrorCode.TREE_NOT_ALLOWED, 405);
  expectError(tree.setValue(SENSOR, "left", ["Locked"], "M", A), ErrorCode.TREE_NOT_ALLOWED, 405);
  assert.equal(tree.getValue(SENSOR, "left", ["Locked"]), "L");
  // Leaving Locked out of a root replace would delete it, and Locked has no Delete.
  const drop = tree.replace(SENSOR, "left", [], { left: { ID: "GPS", Perm: { p: { MOID: "urn:oma:mo:x:1.0" } } } }, A);
  expectError(drop, ErrorCode.TREE_NOT_ALLOWED, 405);
  assert.equal(tree.getValue(SENSOR, "left", ["Setting"]), "0xA1", "nothing changed");
  // The same value again is no change at all, so no right is needed.
  assert.deepEqual(must(tree.replace(SENSOR, "left", ["Locked"], { Locked: "L" }, A)), { changed: false });
});

test("§14: write-once Perm accepts data only together with its new parent", () => {
  const tree = withLeft();
  expectError(
    tree.replace(SENSOR, "left", ["Perm", "q", "MOID"], { MOID: "urn:oma:mo:y:1.0" }, A),
    ErrorCode.TREE_NOT_ALLOWED,
    405,
  );
  expectError(
    tree.replace(SENSOR, "left", ["Perm", "p", "MOID"], { MOID: "urn:oma:mo:y:1.0" }, A),
    ErrorCode.TREE_NOT_ALLOWED,
    405,
  );
  const root = {
    left: {
      ID: "GPS",
      Setting: "0xA1",
      Data: { "1": { Date: "12.1", Value: "a" } },
      Perm: { p: { MOID: "urn:oma:mo:x:1.0" }, q: { MOID: "urn:oma:mo:y:1.0" } },
    },
  };
  expectError(tree.replace(SENSOR, "left", [], root, A), ErrorCode.TREE_NOT_ALLOWED, 405);
  expectError(tree.delete(SENSOR, "left", ["Perm", "p"], A), ErrorCode.TREE_NOT_ALLOWED, 405);
  assert.deepEqual(must(tree.read(SENSOR, "left", ["Perm"])), { Perm: { p: { MOID: "urn:oma:mo:x:1.0" } } });
  must(tree.replace(SENSOR, "left", ["Perm", "q", "MOID"], { MOID: "urn:oma:mo:y:1.0" }, LOCAL));
});

test("placeholder occurrence limits (ZeroOrN) and required placeholders (OneOrMore)", () => {
  const tree = withLeft();
  must(tree.replace(SENSOR, "left", ["Slots"], { Slots: { a: 1, b: 2 } }, A));
  expectError(tree.replace(SENSOR, "left", ["Slots", "c"], { c: 3 }, A), ErrorCode.TREE_BAD_DATA, 400);
  expectError(
    tree.replace(SENSOR, "left", ["Slots"], { Slots: { a: 1, b: 2, c: 3 } }, A),
    ErrorCode.TREE_BAD_DATA,
    400,
  );
  expectError(tree.setValue(SENSOR, "left", ["Slots", "c"], 3), ErrorCode.TREE_BAD_DATA, 400);
  const noPerm = tree.addInstance(SENSOR, { actor: A, moData: { r: { ID: "x", Perm: {} } } });
  expectError(noPerm, ErrorCode.TREE_BAD_DATA, 400);
});

test("delete: subtree removed; permanent, required or missing nodes refused", () => {
  const tree = withLeft();
  must(tree.setValue(SENSOR, "left", ["Serial"], "S1"));
  expectError(tree.delete(SENSOR, "left", ["Serial"], A), ErrorCode.TREE_NOT_ALLOWED, 405);
  expectError(tree.delete(SENSOR, "left", ["ID"], A), ErrorCode.TREE_NOT_ALLOWED, 405);
  expectError(tree.delete(SENSOR, "left", ["Nope"], A), ErrorCode.TREE_NOT_FOUND, 404);
  must(tree.delete(SENSOR, "left", ["Data"], A));
  assert.equal(tree.node(SENSOR, "left", ["Data", "1", "Value"]), undefined);
  must(tree.delete(SENSOR, "left", ["Serial"], LOCAL));
  must(tree.delete(SENSOR, "left", [], A));
  assert.deepEqual(tree.instances(SENSOR), []);
  assert.equal(tree.root(SENSOR, "left"), undefined);
});

test("setValue creates missing interior nodes, checks the format and types open Ext nodes by value", () => {
  const tree = withLeft();
  must(tree.setValue(SENSOR, "left", ["Data", "9", "Value"], "v"));
  assert.equal(tree.node(SENSOR, "left", ["Data", "9"])?.isLeaf, false);
  expectError(tree.setValue(SENSOR, "left", ["Count"], "3"), ErrorCode.TREE_BAD_VALUE, 400);
  expectError(tree.setValue(SENSOR, "left", ["Data"], "x"), ErrorCode.TREE_BAD_DATA, 400);
  must(tree.setValue(SENSOR, "left", ["Ext", "Vendor", "Blob"], new Uint8Array([9])));
  must(tree.setValue(SENSOR, "left", ["Ext", "Vendor", "N"], 5));
  assert.equal(tree.node(SENSOR, "left", ["Ext", "Vendor", "Blob"])?.definition.format, "bin");
  assert.deepEqual(must(tree.read(SENSOR, "left", ["Ext"])), { Ext: { Vendor: { Blob: "CQ==", N: 5 } } });
});

test("open (extension) nodes take any data, typed by the JSON; nesting is bounded", () => {
  const tree = withLeft();
  must(
    tree.replace(
      SENSOR,
      "left",
      ["Ext"],
      { Ext: { acme: { level: 3, ratio: 0.5, on: true, note: "n", none: null } } },
      A,
    ),
  );
  assert.equal(tree.node(SENSOR, "left", ["Ext", "acme", "level"])?.definition.format, "int");
  assert.equal(tree.node(SENSOR, "left", ["Ext", "acme", "ratio"])?.definition.format, "float");
  // An open leaf may change type: that is a Replace of it.
  must(tree.replace(SENSOR, "left", ["Ext", "acme", "level"], { level: "high" }, A));
  assert.equal(tree.getValue(SENSOR, "left", ["Ext", "acme", "level"]), "high");
  let deep: unknown = "x";
  for (let i = 0; i < 100; i++) deep = { d: deep };
  expectError(tree.replace(SENSOR, "left", ["Ext"], { Ext: deep }, A), ErrorCode.TREE_BAD_DATA, 400);
});

test("the node name __proto__ is stored and serialized as an ordinary name", () => {
  const tree = withLeft();
  must(tree.replace(SENSOR, "left", ["Ext"], JSON.parse('{"Ext":{"__proto__":{"a":1}}}') as unknown, A));
  const out = must(tree.read(SENSOR, "left", ["Ext"]));
  assert.equal(JSON.stringify(out), '{"Ext":{"__proto__":{"a":1}}}');
});
