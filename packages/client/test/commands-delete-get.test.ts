// DELETE and GET (docs/protocol.md §4.3, §4.5; docs/protocol.md §4.3, §4.5 (omadm's choice), §6.1, §6.3, §10).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { StatusItem } from "@omadm/protocol";
import { serverActor } from "../src/tree/actor.js";
import { FW, HIDDEN, SENSOR, testHarness, must } from "./commands-fixtures.js";

test("DELETE removes a node with its subtree, or a whole instance, and reports 200", async (t) => {
  const h = testHarness(t);
  const events: string[] = [];
  h.tree.onChange((e) => events.push(`${e.kind}:${e.miid}/${e.path.join("/")}`));
  assert.equal((await h.run({ name: "DELETE", clientUri: `${SENSOR}/left/Data/1` })).status.sc, 200);
  assert.equal(h.tree.node(SENSOR, "left", ["Data", "1"]), undefined);
  assert.equal(h.tree.getValue(SENSOR, "left", ["Data", "2", "Value"]), "b");
  assert.equal((await h.run({ name: "DELETE", clientUri: `${SENSOR}/right/` })).status.sc, 200);
  assert.deepEqual(h.tree.instances(SENSOR), ["left"]);
  assert.deepEqual(events, ["deleted:left/Data/1", "instance-deleted:right/"]);
});

test("DELETE: missing 404, permanent or not deletable 405, no right or unprovisioned MOID 403", async (t) => {
  const h = testHarness(t);
  must(h.tree.addInstance(SENSOR, { actor: serverActor("srvA"), miid: "mine", moData: { r: { ID: "A's" } } }));
  const before = h.tree.snapshot();
  const del = async (clientUri: string, serverId = "srvA") =>
    (await h.run({ name: "DELETE", clientUri }, serverId)).status.sc;
  assert.equal(await del(`${SENSOR}/left/Nope`), 404);
  assert.equal(await del(`${SENSOR}/ghost/`), 404);
  assert.equal(await del(`${SENSOR}/left/Serial`), 405); // Scope Permanent (§8.1)
  assert.equal(await del(`${SENSOR}/left/ID`), 405); // AccessType without Delete (§8.2)
  assert.equal(await del(`${SENSOR}/mine/`, "srvB"), 403); // the creator's exclusive rights (§10 rule 2)
  assert.equal(await del(`${FW}/fw1/PkgURL`, "srvB"), 403);
  assert.equal(await del(`${HIDDEN}/h1/`), 403);
  assert.deepEqual(h.tree.snapshot(), before);
});

test("DELETE with a wildcard deletes every match, or nothing when one of them cannot be deleted", async (t) => {
  const h = testHarness(t);
  const before = h.tree.snapshot();
  // left/* holds ID (no Delete) and Serial (permanent) besides deletable leaves.
  assert.equal((await h.run({ name: "DELETE", clientUri: `${SENSOR}/left/*` })).status.sc, 405);
  assert.deepEqual(h.tree.snapshot(), before);
  assert.equal((await h.run({ name: "DELETE", clientUri: `${SENSOR}/*/Data/1` })).status.sc, 200);
  assert.equal(h.tree.node(SENSOR, "left", ["Data", "1"]), undefined);
  assert.equal(h.tree.node(SENSOR, "right", ["Data", "1"]), undefined);
});

function data(status: StatusItem): unknown[] {
  return (status.Data ?? []).map((i) => [i.ClientURI, i.MOData]);
}

test("GET returns the data in the status item: Data = MO serialization, URI = concrete ClientURIs", async (t) => {
  const h = testHarness(t);
  const leaf = (await h.run({ name: "GET", clientUri: `${SENSOR}/left/Setting` })).status;
  assert.equal(leaf.sc, 200);
  assert.deepEqual(leaf.URI, [`${SENSOR}/left/Setting`]);
  assert.deepEqual(data(leaf), [[`${SENSOR}/left/Setting`, { Setting: "0xA1" }]]);
  const wild = (await h.run({ name: "GET", clientUri: `${SENSOR}/*/Data/*/Value` })).status;
  assert.deepEqual(wild.URI, [
    `${SENSOR}/left/Data/1/Value`,
    `${SENSOR}/left/Data/2/Value`,
    `${SENSOR}/right/Data/1/Value`,
  ]);
  const x = (await h.run({ name: "GET", clientUri: `${SENSOR}/(x)/ID?nv=(x)/Setting:0xB2` })).status;
  assert.deepEqual(data(x), [[`${SENSOR}/right/ID`, { ID: "Temperature" }]]);
});

test("GET of an instance root carries the CV and leaves out No-Get nodes; a current cv is 304 without Data", async (t) => {
  const h = testHarness(t);
  const root = (await h.run({ name: "GET", clientUri: `${SENSOR}/left/` })).status;
  assert.equal(root.sc, 200);
  const [item] = root.Data ?? [];
  const cv = h.tree.validator(SENSOR, "left");
  assert.equal(item?.CV, cv);
  const content = item?.MOData.left as Record<string, unknown>;
  assert.equal(content.Serial, "S-1");
  assert.equal("Secret" in content, false);
  const same = (await h.run({ name: "GET", clientUri: `${SENSOR}/left/ID?cv=${cv ?? ""}` })).status;
  assert.deepEqual(same, { sc: 304 });
  must(h.tree.setValue(SENSOR, "left", ["ID"], "GPS2"));
  const changed = (await h.run({ name: "GET", clientUri: `${SENSOR}/left/ID?cv=${cv ?? ""}` })).status;
  assert.equal(changed.sc, 200);
  assert.deepEqual(data(changed), [[`${SENSOR}/left/ID`, { ID: "GPS2" }]]);
});

test("GET: a leaf with no value 204; No-Get node or unprovisioned MOID 403; unresolvable 404", async (t) => {
  const h = testHarness(t);
  const sc = async (clientUri: string, serverId = "srvA") => (await h.run({ name: "GET", clientUri }, serverId)).status;
  assert.deepEqual(await sc(`${SENSOR}/left/Marker`), { sc: 204 });
  assert.deepEqual(await sc(`${SENSOR}/left/Secret`), { sc: 403 });
  assert.deepEqual(await sc(`${HIDDEN}/h1/`), { sc: 403 });
  assert.deepEqual(await sc(`${FW}/fw1/`, "srvB"), { sc: 403 });
  assert.deepEqual(await sc(`${SENSOR}/left/Nope`), { sc: 404 });
  assert.deepEqual(await sc(`${SENSOR}//`), { sc: 404 });
  assert.deepEqual(await sc("not a uri"), { sc: 400 });
});

test("GET with a wildcard shows only the instances the server may read (§10)", async (t) => {
  const h = testHarness(t);
  must(h.tree.addInstance(SENSOR, { actor: serverActor("srvA"), miid: "mine", moData: { r: { ID: "A's" } } }));
  const forB = (await h.run({ name: "GET", clientUri: `${SENSOR}/*/ID` }, "srvB")).status;
  assert.deepEqual(forB.URI, [`${SENSOR}/left/ID`, `${SENSOR}/right/ID`]);
  const forA = (await h.run({ name: "GET", clientUri: `${SENSOR}/*/ID` }, "srvA")).status;
  assert.deepEqual(forA.URI, [`${SENSOR}/left/ID`, `${SENSOR}/right/ID`, `${SENSOR}/mine/ID`]);
  // Naming srvA's instance directly is a refusal, not an empty answer.
  assert.deepEqual((await h.run({ name: "GET", clientUri: `${SENSOR}/mine/ID` }, "srvB")).status, { sc: 403 });
});
