// Cache validators (docs/protocol.md §6.3) and change events (for SUB, §4.10): both move only on a committed change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChangeKind, type ChangeEvent } from "../src/tree/change-events.js";
import { LOCAL, serverActor } from "../src/tree/actor.js";
import { createDmTree, type DmTree } from "../src/tree/dm-tree.js";
import { SENSOR, must, sensorRegistry, sensorTree } from "./tree-fixtures.js";

const A = serverActor("srvA");
const PERM = { p: { MOID: "urn:oma:mo:x:1.0" } };

function twoInstances(): DmTree {
  const tree = sensorTree();
  must(tree.addInstance(SENSOR, { actor: A, miid: "left", moData: { r: { ID: "GPS", Setting: "0xA1", Perm: PERM } } }));
  must(tree.addInstance(SENSOR, { actor: A, miid: "right", moData: { r: { ID: "Temperature", Perm: PERM } } }));
  return tree;
}

test("each instance has its own validator; it changes on every change of that instance only", () => {
  const tree = twoInstances();
  const left0 = tree.validator(SENSOR, "left");
  const right0 = tree.validator(SENSOR, "right");
  assert.ok(left0 !== undefined && right0 !== undefined);
  assert.notEqual(left0, right0);
  must(tree.read(SENSOR, "left", []));
  tree.getValue(SENSOR, "left", ["ID"]);
  assert.equal(tree.validator(SENSOR, "left"), left0, "reads do not change it");
  must(tree.replace(SENSOR, "left", ["Setting"], { Setting: "0xA2" }, A));
  const left1 = tree.validator(SENSOR, "left");
  assert.notEqual(left1, left0);
  assert.equal(tree.validator(SENSOR, "right"), right0, "another instance's change does not touch it");
  must(tree.setValue(SENSOR, "left", ["Count"], 3));
  const left2 = tree.validator(SENSOR, "left");
  assert.notEqual(left2, left1);
  must(tree.delete(SENSOR, "left", ["Count"], A));
  assert.notEqual(tree.validator(SENSOR, "left"), left2);
});

test("writing identical data is no change: same validator, no event", () => {
  const tree = twoInstances();
  const events: ChangeEvent[] = [];
  tree.onChange((e) => events.push(e));
  const cv = tree.validator(SENSOR, "left");
  assert.deepEqual(must(tree.replace(SENSOR, "left", ["Setting"], { Setting: "0xA1" }, A)), { changed: false });
  assert.deepEqual(must(tree.replace(SENSOR, "left", [], { x: { ID: "GPS", Setting: "0xA1", Perm: PERM } }, A)), {
    changed: false,
  });
  assert.deepEqual(must(tree.setValue(SENSOR, "left", ["ID"], "GPS")), { changed: false });
  assert.equal(tree.validator(SENSOR, "left"), cv);
  assert.equal(events.length, 0);
});

test("a rejected write fires no event and keeps the validator", () => {
  const tree = twoInstances();
  let fired = 0;
  tree.onChange(() => fired++);
  const cv = tree.validator(SENSOR, "left");
  assert.equal(tree.replace(SENSOR, "left", ["Count"], { Count: "x" }, A).ok, false);
  assert.equal(tree.delete(SENSOR, "left", ["ID"], A).ok, false);
  assert.equal(fired, 0);
  assert.equal(tree.validator(SENSOR, "left"), cv);
});

test("a re-created instance with the same MIID gets a new validator; the prefix option is applied", () => {
  const tree = twoInstances();
  const before = tree.validator(SENSOR, "left");
  must(tree.delete(SENSOR, "left", [], A));
  assert.equal(tree.validator(SENSOR, "left"), undefined);
  must(tree.addInstance(SENSOR, { actor: A, miid: "left", moData: { r: { ID: "GPS", Setting: "0xA1", Perm: PERM } } }));
  assert.notEqual(tree.validator(SENSOR, "left"), before);
});

test("events come after the commit, with MOID, MIID, path, kind and actor", () => {
  const tree = sensorTree();
  const seen: { event: ChangeEvent; value: unknown }[] = [];
  tree.onChange((event) => seen.push({ event, value: tree.getValue(event.moid, event.miid, ["Setting"]) }));
  must(tree.addInstance(SENSOR, { actor: A, miid: "left", moData: { r: { ID: "GPS", Perm: PERM } } }));
  must(tree.replace(SENSOR, "left", ["Setting"], { Setting: "on" }, A));
  must(tree.setValue(SENSOR, "left", ["Data", "1", "Date"], "12.1"));
  must(tree.delete(SENSOR, "left", ["Data"], A));
  must(tree.delete(SENSOR, "left", [], LOCAL));
  assert.deepEqual(
    seen.map(({ event }) => [event.kind, event.miid, event.path.join("/"), event.actor.kind]),
    [
      [ChangeKind.InstanceAdded, "left", "", "server"],
      [ChangeKind.Replaced, "left", "Setting", "server"],
      [ChangeKind.Replaced, "left", "Data/1/Date", "local"],
      [ChangeKind.Deleted, "left", "Data", "server"],
      [ChangeKind.InstanceDeleted, "left", "", "local"],
    ],
  );
  assert.equal(seen[1]?.value, "on", "the listener already sees the new value");
  assert.ok(seen.every(({ event }) => event.moid === SENSOR));
});

test("unsubscribe stops events; a throwing listener neither aborts the write nor starves other listeners", () => {
  const errors: unknown[] = [];
  const tree = createDmTree({ registry: sensorRegistry(), onListenerError: (e) => errors.push(e) });
  let a = 0;
  let b = 0;
  const offA = tree.onChange(() => a++);
  tree.onChange(() => {
    throw new Error("listener bug");
  });
  tree.onChange(() => b++);
  must(tree.addInstance(SENSOR, { actor: LOCAL, miid: "m", moData: { r: { ID: "1" } } }));
  offA();
  must(tree.setValue(SENSOR, "m", ["ID"], "2"));
  assert.equal(a, 1);
  assert.equal(b, 2);
  assert.equal(tree.getValue(SENSOR, "m", ["ID"]), "2");
  assert.equal(errors.length, 2);
  assert.match(String(errors[0]), /listener bug/);
});
