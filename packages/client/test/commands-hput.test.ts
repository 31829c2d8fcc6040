// HPUT and HPOST over real loopback HTTP (docs/protocol.md §4.2, §1.6, omadm's choice).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMoSerialization } from "@omadm/protocol";
import { DEV_ID, FW, HIDDEN, SENSOR, bodyJson, deadUrl, testHarness, repositoryForFile } from "./commands-fixtures.js";

const repo = repositoryForFile("/repo/hput");
const { path, requestsTo } = repo;

const DDF_URL = "https://ddf.example/acme-sensor.ddf";

test("HPUT sends one MO serialization with an item per resolved node and concrete ClientURIs", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => ({ status: 204 }));
  const { status } = await h.run({
    name: "HPUT",
    serverUri: repo.base + p,
    clientUris: [`${SENSOR}/*/Setting`, `${SENSOR}/left/`, `${FW}/fw1/PkgURL`],
  });
  assert.equal(status.sc, 200);
  const [req] = requestsTo(p);
  assert.ok(req);
  assert.equal(req.method, "PUT");
  assert.equal(req.headers["content-type"], "application/dmmo+json");
  assert.equal(req.headers["omadm-devid"], DEV_ID);
  const parsed = parseMoSerialization(req.body);
  assert.ok(parsed.ok);
  const items = parsed.value;
  assert.deepEqual(
    items.map((i) => i.ClientURI),
    [`${SENSOR}/left/Setting`, `${SENSOR}/right/Setting`, `${SENSOR}/left/`, `${FW}/fw1/PkgURL`],
  );
  assert.deepEqual(items[0]?.MOData, { Setting: "0xA1" });
  assert.deepEqual(items[1]?.MOData, { Setting: "0xB2" });
  // An instance root carries its cache validator (§6.3); "No Get" data (Secret) is never sent (§10).
  const root = items[2];
  assert.equal(root?.CV, h.tree.validator(SENSOR, "left"));
  const data = root?.MOData.left as Record<string, unknown>;
  assert.equal(data.ID, "GPS");
  assert.equal("Secret" in data, false);
});

test("HPOST sends the same serialization with POST", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => ({ status: 201 }));
  const { status } = await h.run({ name: "HPOST", serverUri: repo.base + p, clientUris: [`${SENSOR}/right/ID`] });
  assert.equal(status.sc, 200);
  const [req] = requestsTo(p);
  assert.equal(req?.method, "POST");
  assert.deepEqual(bodyJson(req), [{ DDF: DDF_URL, ClientURI: `${SENSOR}/right/ID`, MOData: { ID: "Temperature" } }]);
});

test("HPUT: 415 with OMADM-Accept is retried once in a listed type the client writes", async (t) => {
  const h = testHarness(t);
  const p = path();
  // The repository refuses the default JSON type once and lists another one.
  repo.route(p, (req) =>
    req.headers["content-type"] === "application/json"
      ? { status: 200 }
      : { status: 415, headers: { "OMADM-Accept": "application/vnd.syncml.dmtnds+xml, application/json;q=0.5" } },
  );
  const { status } = await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/ID`] });
  assert.equal(status.sc, 200);
  const reqs = requestsTo(p);
  assert.deepEqual(
    reqs.map((r) => r.headers["content-type"]),
    ["application/dmmo+json", "application/json"],
  );
  assert.deepEqual(bodyJson(reqs[1]!), [{ DDF: DDF_URL, ClientURI: `${SENSOR}/left/ID`, MOData: { ID: "GPS" } }]);
});

test("HPUT: 415 whose OMADM-Accept lists only the type just sent is retried once in it, not answered 406", async (t) => {
  const h = testHarness(t);
  const p = path();
  // §4.2: retry once in a listed type the client supports; 406 only when there is none. Here the one listed type
  // is the one the client sent: the retry uses it, and the repository takes the second attempt.
  let refused = false;
  repo.route(p, () => {
    if (refused) return { status: 204 };
    refused = true;
    return { status: 415, headers: { "OMADM-Accept": "application/dmmo+json" } };
  });
  const { status } = await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/ID`] });
  assert.equal(status.sc, 200);
  assert.deepEqual(
    requestsTo(p).map((r) => r.headers["content-type"]),
    ["application/dmmo+json", "application/dmmo+json"],
  );
});

test("HPUT: 415 whose OMADM-Accept lists nothing the client writes is 406, with no retry", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => ({ status: 415, headers: { "OMADM-Accept": "application/vnd.syncml.dmtnds+xml" } }));
  const { status } = await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/ID`] });
  assert.equal(status.sc, 406);
  assert.equal(requestsTo(p).length, 1);
});

test("HPUT: a 415 without OMADM-Accept, or a second 415, is copied (one retry at most)", async (t) => {
  const h = testHarness(t);
  const bare = path();
  repo.route(bare, () => ({ status: 415 }));
  assert.equal(
    (await h.run({ name: "HPUT", serverUri: repo.base + bare, clientUris: [`${SENSOR}/left/ID`] })).status.sc,
    415,
  );
  assert.equal(requestsTo(bare).length, 1);
  const stubborn = path();
  repo.route(stubborn, () => ({ status: 415, headers: { "OMADM-Accept": "application/json" } }));
  assert.equal(
    (await h.run({ name: "HPUT", serverUri: repo.base + stubborn, clientUris: [`${SENSOR}/left/ID`] })).status.sc,
    415,
  );
  assert.equal(requestsTo(stubborn).length, 2);
});

test("HPUT copies other HTTP errors and answers 503 when nothing answers", async (t) => {
  const h = testHarness(t);
  for (const code of [403, 404, 500, 507]) {
    const p = path();
    repo.route(p, () => ({ status: code }));
    const r = await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/ID`] });
    assert.equal(r.status.sc, code);
  }
  const dead = await h.run({ name: "HPOST", serverUri: await deadUrl(), clientUris: [`${SENSOR}/left/ID`] });
  assert.equal(dead.status.sc, 503);
});

test("HPUT with a cv equal to the instance validator is 304 and sends nothing (§6.3)", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => ({ status: 200 }));
  const cv = h.tree.validator(SENSOR, "left");
  assert.ok(cv !== undefined);
  const same = await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/?cv=${cv}`] });
  assert.equal(same.status.sc, 304);
  assert.equal(requestsTo(p).length, 0);
  const stale = await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/?cv=old`] });
  assert.equal(stale.status.sc, 200);
  assert.equal(requestsTo(p).length, 1);
});

test("HPUT uses the best type the server advertised in OMADM-Accept (docs/protocol.md §1.6)", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => ({ status: 200 }));
  h.executor.setServerAccept("srvA", "application/vnd.syncml.dmtnds+xml, application/json;q=0.8");
  await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/ID`] });
  // srvB advertised nothing: the mandatory type.
  await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/ID`] }, "srvB");
  h.executor.setServerAccept("srvA", undefined);
  await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [`${SENSOR}/left/ID`] });
  assert.deepEqual(
    requestsTo(p).map((r) => r.headers["content-type"]),
    ["application/json", "application/dmmo+json", "application/dmmo+json"],
  );
});

test("HPUT refuses what the server may not read: unprovisioned MOID or No-Get node 403, unresolvable 404", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => ({ status: 200 }));
  const run = async (clientUri: string, serverId = "srvA") =>
    (await h.run({ name: "HPUT", serverUri: repo.base + p, clientUris: [clientUri] }, serverId)).status.sc;
  assert.equal(await run(`${HIDDEN}/h1/`), 403);
  assert.equal(await run(`${FW}/fw1/`, "srvB"), 403);
  assert.equal(await run(`${SENSOR}/left/Secret`), 403);
  assert.equal(await run(`${SENSOR}/left/Nope`), 404);
  assert.equal(await run(`${SENSOR}//`), 404); // two instances: "" is unresolvable (§6.1)
  assert.equal(requestsTo(p).length, 0);
});
