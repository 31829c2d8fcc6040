// SUB and UNSUB as commands, and the subscription registry (docs/protocol.md §4.10–§4.11).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "@omadm/protocol";
import { createSubscriptionRegistry, type SubscriptionChange } from "../src/subscriptions/subscription-registry.js";
import { serverActor } from "../src/tree/actor.js";
import { FW, HIDDEN, SENSOR, testHarness, must } from "./commands-fixtures.js";

test("SUB registers (200); a second SUB for the same ClientURI replaces the ServerURI; per server", async (t) => {
  const h = testHarness(t);
  const changes: SubscriptionChange["kind"][] = [];
  h.subscriptions.onChange((c) => changes.push(c.kind));
  const uri = `${SENSOR}/left/`;
  assert.deepEqual((await h.run({ name: "SUB", serverUri: "https://a.example/sub/1", clientUri: uri })).status, {
    sc: 200,
  });
  assert.deepEqual((await h.run({ name: "SUB", serverUri: "https://a.example/sub/2", clientUri: uri })).status, {
    sc: 200,
  });
  assert.deepEqual((await h.run({ name: "SUB", serverUri: "https://b.example/sub", clientUri: uri }, "srvB")).status, {
    sc: 200,
  });
  assert.deepEqual(h.subscriptions.list("srvA"), [
    { srvId: "srvA", clientUri: uri, serverUri: "https://a.example/sub/2", createdAt: 1_700_000_000_000 },
  ]);
  assert.equal(h.subscriptions.list().length, 2);
  assert.deepEqual(changes, ["added", "replaced", "added"]);
});

test("UNSUB matches an earlier SUB's ClientURI string-exactly (200), anything else is 404", async (t) => {
  const h = testHarness(t);
  const uri = `${SENSOR}/left/Data/`;
  await h.run({ name: "SUB", serverUri: "https://a.example/sub", clientUri: uri });
  const unsub = async (clientUri: string, serverId = "srvA") =>
    (await h.run({ name: "UNSUB", clientUri }, serverId)).status.sc;
  assert.equal(await unsub(`${SENSOR}/left/Data`), 404); // same node, different text
  assert.equal(await unsub(uri, "srvB"), 404); // another server's subscription
  assert.equal(await unsub(`${SENSOR}/right/`), 404);
  assert.equal(await unsub(uri), 200);
  assert.equal(await unsub(uri), 404);
  assert.deepEqual(h.subscriptions.list(), []);
});

test("SUB refusals: bad syntax 400, unprovisioned MOID or unreadable node 403; a part not there yet is accepted", async (t) => {
  const h = testHarness(t);
  must(h.tree.addInstance(SENSOR, { actor: serverActor("srvA"), miid: "mine", moData: { r: { ID: "A's" } } }));
  const sub = async (clientUri: string, serverId = "srvA", serverUri = "https://a.example/sub") =>
    (await h.run({ name: "SUB", serverUri, clientUri }, serverId)).status.sc;
  assert.equal(await sub("urn:oma:mo:acme-sensor:1.0"), 400);
  assert.equal(await sub(`${SENSOR}/left/`, "srvA", "mailto:x@example.com"), 400);
  assert.equal(await sub(`${HIDDEN}/h1/`), 403);
  assert.equal(await sub(`${FW}/fw1/`, "srvB"), 403);
  assert.equal(await sub(`${SENSOR}/mine/`, "srvB"), 403);
  assert.equal(await sub(`${SENSOR}/left/Secret`), 403);
  assert.equal(h.subscriptions.list().length, 0);
  // A subscription to every instance covers those created later; so does one to an instance yet to come.
  assert.equal(await sub(`${SENSOR}/*/`), 200);
  assert.equal(await sub(`${SENSOR}/future/`), 200);
  assert.equal(h.subscriptions.list().length, 2);
});

test("subscriptions survive a restart through snapshot()/restore(); a corrupt snapshot changes nothing", () => {
  const clock = { now: () => 5 };
  const a = createSubscriptionRegistry({ clock });
  a.subscribe("srvA", `${SENSOR}/left/`, "https://a.example/1");
  a.subscribe("srvB", `${SENSOR}/*/ID`, "https://b.example/1");
  const b = createSubscriptionRegistry({ clock });
  const seen: string[] = [];
  b.onChange((c) => seen.push(c.kind));
  assert.equal(b.restore(a.snapshot()).ok, true);
  assert.deepEqual(b.list(), a.list());
  assert.deepEqual(seen, ["restored"]);
  const dup = b.restore([...a.snapshot(), ...a.snapshot()]);
  assert.equal(dup.ok ? "" : dup.error.code, ErrorCode.STATE_CORRUPT);
  const bad = b.restore([{ srvId: "s", clientUri: "nope", serverUri: "https://x/", createdAt: 1 }]);
  assert.equal(bad.ok, false);
  assert.deepEqual(b.list(), a.list());
  assert.equal(b.get("srvA", `${SENSOR}/left/`)?.serverUri, "https://a.example/1");
});
