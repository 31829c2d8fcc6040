// HGET over real loopback HTTP (docs/protocol.md §4.1 and omadm's status rules there).
import { test } from "node:test";
import assert from "node:assert/strict";
import { concreteClientUri } from "@omadm/protocol";
import { APP, DEV_ID, FW, HIDDEN, SENSOR, deadUrl, testHarness, json, repositoryForFile } from "./commands-fixtures.js";

const repo = repositoryForFile("/repo/hget");
const { path } = repo;

test("HGET without ClientURI creates an instance with a client-assigned MIID and returns its ClientURI", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => json([{ ClientURI: `${APP}//`, MOData: { app: { PkgURL: "https://pkg.example/2" } } }]));
  const { status } = await h.run({ name: "HGET", serverUri: repo.base + p });
  assert.equal(status.sc, 200);
  const [miid] = h.tree.instances(APP);
  assert.ok(miid !== undefined, "an instance was created");
  assert.deepEqual(status.URI, [`${APP}/${miid}/`]);
  assert.equal(h.tree.getValue(APP, miid, ["PkgURL"]), "https://pkg.example/2");
  // The creating server gets the instance (§10 rule 2).
  assert.deepEqual(h.tree.creator(APP, miid), { kind: "server", srvId: "srvA" });
  // Step 1: Accept lists the MO formats we read; OMADM-DevID is sent (§1.3, omadm's choice).
  const req = repo.requests.find((r) => r.path === p);
  assert.ok(req, "the repository was asked");
  assert.equal(req.method, "GET");
  assert.match(String(req.headers.accept), /application\/dmmo\+json/);
  assert.equal(req.headers["omadm-devid"], DEV_ID);
});

test("HGET without ClientURI: a MIID that does not exist creates that instance; an existing one is replaced", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () =>
    json([
      { ClientURI: `${SENSOR}/new1/`, MOData: { r: { ID: "Humidity" } } },
      { ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "0xFF" } },
    ]),
  );
  const { status } = await h.run({ name: "HGET", serverUri: repo.base + p });
  assert.equal(status.sc, 200);
  assert.deepEqual(status.URI, [`${SENSOR}/new1/`, `${SENSOR}/left/Setting`]);
  assert.equal(h.tree.getValue(SENSOR, "new1", ["ID"]), "Humidity");
  assert.equal(h.tree.getValue(SENSOR, "left", ["Setting"]), "0xFF");
});

test("HGET with a ClientURI stores the one item there, replacing everything below it", async (t) => {
  const h = testHarness(t);
  const p = path();
  // The item's own ClientURI is only checked for its MOID (§4.1, omadm's choice).
  repo.route(p, () => json([{ ClientURI: `${SENSOR}/elsewhere/Data`, MOData: { Data: { "9": { Date: "1.1" } } } }]));
  const { status } = await h.run({ name: "HGET", serverUri: repo.base + p, clientUri: `${SENSOR}/left/Data` });
  assert.equal(status.sc, 200);
  assert.deepEqual(status.URI, [`${SENSOR}/left/Data`]);
  assert.deepEqual(h.tree.read(SENSOR, "left", ["Data"]), { ok: true, value: { Data: { "9": { Date: "1.1" } } } });
  assert.equal(h.tree.root(SENSOR, "elsewhere"), undefined);
});

test("HGET with a ClientURI naming a new MIID creates that instance", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => json({ ClientURI: `${SENSOR}//`, MOData: { r: { ID: "Wind" } } }));
  const { status } = await h.run({ name: "HGET", serverUri: repo.base + p, clientUri: `${SENSOR}/wind/` });
  assert.equal(status.sc, 200);
  assert.deepEqual(status.URI, [concreteClientUri(SENSOR, "wind", [])]);
  assert.equal(h.tree.getValue(SENSOR, "wind", ["ID"]), "Wind");
});

test("HGET is all-or-nothing: one bad item leaves the tree unchanged (400)", async (t) => {
  const h = testHarness(t);
  const before = h.tree.snapshot();
  const p = path();
  repo.route(p, () =>
    json([
      { ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "0x00" } },
      { ClientURI: `${APP}//`, MOData: { app: { PkgURL: "https://x.example/" } } },
      { ClientURI: `${SENSOR}/right/Count`, MOData: { Count: "not a number" } },
    ]),
  );
  const { status } = await h.run({ name: "HGET", serverUri: repo.base + p });
  assert.equal(status.sc, 400);
  assert.equal(status.URI, undefined);
  assert.deepEqual(h.tree.snapshot(), before);
});

test("HGET with a ClientURI needs exactly one item with the same MOID (400 otherwise)", async (t) => {
  const h = testHarness(t);
  const before = h.tree.snapshot();
  const two = path();
  repo.route(two, () =>
    json([
      { ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "1" } },
      { ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "2" } },
    ]),
  );
  const other = path();
  repo.route(other, () => json([{ ClientURI: `${FW}/fw1/PkgURL`, MOData: { PkgURL: "https://x/" } }]));
  const target = `${SENSOR}/left/Setting`;
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + two, clientUri: target })).status.sc, 400);
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + other, clientUri: target })).status.sc, 400);
  assert.deepEqual(h.tree.snapshot(), before);
});

test("HGET refuses wildcards and x-names in its target (400) without downloading", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => json([{ ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "1" } }]));
  const wild = await h.run({ name: "HGET", serverUri: repo.base + p, clientUri: `${SENSOR}/*/Setting` });
  assert.equal(wild.status.sc, 400);
  const xname = await h.run({
    name: "HGET",
    serverUri: repo.base + p,
    clientUri: `${SENSOR}/(x)/Setting?nv=(x)/ID:GPS`,
  });
  assert.equal(xname.status.sc, 400);
  assert.equal(repo.requests.filter((r) => r.path === p).length, 0);
  // An item whose own ClientURI is a pattern is refused too.
  const q = path();
  repo.route(q, () => json([{ ClientURI: `${SENSOR}/*/Setting`, MOData: { Setting: "1" } }]));
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + q })).status.sc, 400);
  assert.equal(h.tree.getValue(SENSOR, "left", ["Setting"]), "0xA1");
});

test("HGET for a MOID not provisioned for the server is 403 (§10)", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => json([{ ClientURI: `${FW}/fw1/PkgURL`, MOData: { PkgURL: "https://evil/" } }]));
  const direct = await h.run({ name: "HGET", serverUri: repo.base + p, clientUri: `${HIDDEN}/h1/PkgURL` });
  assert.equal(direct.status.sc, 403);
  // srvB is provisioned for SENSOR only: the item for FW is refused after the download.
  const viaItem = await h.run({ name: "HGET", serverUri: repo.base + p }, "srvB");
  assert.equal(viaItem.status.sc, 403);
  assert.equal(h.tree.getValue(FW, "fw1", ["PkgURL"]), "https://pkg.example/1");
});

test("HGET on a permanent or not writable node is 405", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => json([{ ClientURI: `${SENSOR}/left/Serial`, MOData: { Serial: "S-2" } }]));
  assert.equal(
    (await h.run({ name: "HGET", serverUri: repo.base + p, clientUri: `${SENSOR}/left/Serial` })).status.sc,
    405,
  );
  const q = path();
  repo.route(q, () => json([{ ClientURI: `${FW}/fw1/Status`, MOData: { Status: "hacked" } }]));
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + q })).status.sc, 405);
  assert.equal(h.tree.getValue(SENSOR, "left", ["Serial"]), "S-1");
  assert.equal(h.tree.getValue(FW, "fw1", ["Status"]), "idle");
});

test("HGET copies a repository error status into sc (404, 406, 500)", async (t) => {
  const h = testHarness(t);
  for (const code of [404, 406, 500]) {
    const p = path();
    repo.route(p, () => ({ status: code, body: "no" }));
    const { status } = await h.run({ name: "HGET", serverUri: repo.base + p });
    assert.equal(status.sc, code);
  }
});

test("HGET with no repository answering is 503 (connection refused, timeout)", async (t) => {
  const h = testHarness(t, { executor: { timeouts: { transferMs: 200 } } });
  assert.equal((await h.run({ name: "HGET", serverUri: await deadUrl() })).status.sc, 503);
  const p = path();
  repo.route(p, () => "hang");
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + p })).status.sc, 503);
});

test("HGET of a format the client does not read is 415; an undecodable body 400; an oversized one 413", async (t) => {
  const h = testHarness(t, { executor: { maxBodyBytes: 256 } });
  const before = h.tree.snapshot();
  const text = path();
  repo.route(text, () => ({ status: 200, headers: { "Content-Type": "text/plain" }, body: "PkgURL=x" }));
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + text })).status.sc, 415);
  const broken = path();
  repo.route(broken, () => ({ status: 200, headers: { "Content-Type": "application/dmmo+json" }, body: "[{" }));
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + broken })).status.sc, 400);
  const big = path();
  repo.route(big, () => json([{ ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "x".repeat(1000) } }]));
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + big })).status.sc, 413);
  // An alias type (§7.2: application/json is accepted on input) is read.
  const alias = path();
  repo.route(alias, () => ({
    status: 200,
    headers: { "Content-Type": "application/json; charset=utf-8" },
    body: JSON.stringify([{ ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "0x01" } }]),
  }));
  assert.deepEqual(h.tree.snapshot(), before);
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + alias })).status.sc, 200);
  assert.equal(h.tree.getValue(SENSOR, "left", ["Setting"]), "0x01");
});

test("HGET with a ServerURI that is not http(s), or plain http when not allowed, is 400", async (t) => {
  const h = testHarness(t, { executor: { allowHttp: false } });
  const p = path();
  repo.route(p, () => json([{ ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "1" } }]));
  assert.equal((await h.run({ name: "HGET", serverUri: repo.base + p })).status.sc, 400);
  assert.equal((await h.run({ name: "HGET", serverUri: "ftp://127.0.0.1/x" })).status.sc, 400);
  assert.equal(repo.requests.filter((r) => r.path === p).length, 0);
});
