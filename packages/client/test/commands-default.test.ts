// DEFAULT and its fallback (docs/protocol.md §4.9, omadm's choice): one ServerURI per MOID, replaced by a
// newer DEFAULT; when device software needs a MOID the tree lacks, the HGET procedure runs against the stored URI
// and no status goes to any DM Server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "@omadm/protocol";
import { createDefaultUriStore } from "../src/commands/default-uri-store.js";
import { APP, FW, HIDDEN, SENSOR, testHarness, json, repositoryForFile } from "./commands-fixtures.js";

const repo = repositoryForFile("/repo/default");
const { path } = repo;

test("DEFAULT stores one ServerURI per MOID (200); a newer DEFAULT replaces the older", async (t) => {
  const h = testHarness(t);
  const changes: number[] = [];
  h.defaults.onChange(() => changes.push(h.defaults.list().length));
  assert.deepEqual((await h.run({ name: "DEFAULT", serverUri: "https://r.example/app/1", moid: APP })).status, {
    sc: 200,
  });
  assert.deepEqual((await h.run({ name: "DEFAULT", serverUri: "https://r.example/fw", moid: FW })).status, { sc: 200 });
  assert.deepEqual((await h.run({ name: "DEFAULT", serverUri: "https://r.example/app/2", moid: APP })).status, {
    sc: 200,
  });
  assert.deepEqual(h.defaults.get(APP), {
    moid: APP,
    serverUri: "https://r.example/app/2",
    srvId: "srvA",
    setAt: 1_700_000_000_000,
  });
  assert.equal(h.defaults.list().length, 2);
  assert.deepEqual(changes, [1, 2, 2]);
});

test("DEFAULT: a malformed MOID or ServerURI is 400, a MOID not provisioned for the server 403", async (t) => {
  const h = testHarness(t);
  const run = async (serverUri: string, moid: string, serverId = "srvA") =>
    (await h.run({ name: "DEFAULT", serverUri, moid }, serverId)).status.sc;
  assert.equal(await run("https://r.example/", "urn:oma:mo:"), 400);
  assert.equal(await run("https://r.example/", "acme-app"), 400);
  assert.equal(await run("not a uri", APP), 400);
  assert.equal(await run("https://r.example/", HIDDEN), 403);
  assert.equal(await run("https://r.example/", FW, "srvB"), 403);
  assert.deepEqual(h.defaults.list(), []);
});

test("requestConfiguration: a MOID the tree lacks is fetched from its DEFAULT URI, with no status sent", async (t) => {
  const h = testHarness(t);
  const p = path();
  repo.route(p, () => json([{ ClientURI: `${APP}//`, MOData: { app: { PkgURL: "https://pkg.example/cfg" } } }]));
  assert.equal((await h.run({ name: "DEFAULT", serverUri: repo.base + p, moid: APP })).status.sc, 200);
  const before = repo.requests.length;
  const outcome = await h.executor.requestConfiguration(APP);
  assert.equal(outcome.kind, "fetched");
  const [miid] = h.tree.instances(APP);
  assert.ok(miid !== undefined);
  assert.deepEqual(outcome, { kind: "fetched", uris: [`${APP}/${miid}/`], serverUri: repo.base + p });
  assert.equal(h.tree.getValue(APP, miid, ["PkgURL"]), "https://pkg.example/cfg");
  // Exactly the one HGET request went out; nothing was queued for a DM Server (no status, no alert).
  const sent = repo.requests.slice(before);
  assert.deepEqual(
    sent.map((r) => [r.method, r.path]),
    [["GET", p]],
  );
  assert.equal(h.outbox.size, 0);
  // Now the MOID is present: no second download.
  assert.deepEqual(await h.executor.requestConfiguration(APP), { kind: "present", miids: [miid] });
  assert.equal(repo.requests.length, before + 1);
});

test("requestConfiguration: present, no DEFAULT, concurrent callers share one download", async (t) => {
  const h = testHarness(t);
  assert.deepEqual(await h.executor.requestConfiguration(SENSOR), { kind: "present", miids: ["left", "right"] });
  assert.deepEqual(await h.executor.requestConfiguration(APP), { kind: "no-default" });
  const p = path();
  repo.route(p, () => json([{ ClientURI: `${APP}//`, MOData: { app: {} } }]));
  assert.equal((await h.run({ name: "DEFAULT", serverUri: repo.base + p, moid: APP })).status.sc, 200);
  const [a, b] = await Promise.all([h.executor.requestConfiguration(APP), h.executor.requestConfiguration(APP)]);
  assert.equal(a.kind, "fetched");
  assert.deepEqual(a, b);
  assert.equal(repo.requests.filter((r) => r.path === p).length, 1);
  assert.equal(h.tree.instances(APP).length, 1);
});

test("requestConfiguration: a failed fallback HGET reports to the caller only and changes nothing", async (t) => {
  const h = testHarness(t);
  const missing = path();
  repo.route(missing, () => ({ status: 404 }));
  const other = path();
  // Data for another MOID is not what the DEFAULT for APP may write.
  repo.route(other, () => json([{ ClientURI: `${SENSOR}/left/Setting`, MOData: { Setting: "0x00" } }]));
  const before = h.tree.snapshot();
  await h.run({ name: "DEFAULT", serverUri: repo.base + missing, moid: APP });
  const r404 = await h.executor.requestConfiguration(APP);
  assert.equal(r404.kind === "failed" ? r404.sc : r404.kind, 404);
  await h.run({ name: "DEFAULT", serverUri: repo.base + other, moid: APP });
  const r400 = await h.executor.requestConfiguration(APP);
  assert.equal(r400.kind === "failed" ? r400.sc : 0, 400);
  assert.deepEqual(h.tree.snapshot(), before);
  assert.equal(h.outbox.size, 0);
  assert.ok(h.logger.lines.some((l) => l.level === "warn" && /DEFAULT fallback/.test(l.message)));
});

test("DEFAULT URIs survive a restart through snapshot()/restore(); a corrupt snapshot changes nothing", () => {
  const a = createDefaultUriStore();
  a.set({ moid: APP, serverUri: "https://r.example/1", srvId: "srvA", setAt: 1 });
  a.set({ moid: FW, serverUri: "https://r.example/2", srvId: "srvB", setAt: 2 });
  const b = createDefaultUriStore();
  assert.equal(b.restore(a.snapshot()).ok, true);
  assert.deepEqual(b.list(), a.list());
  const dup = b.restore([...a.snapshot(), { moid: APP, serverUri: "https://x/", srvId: "s", setAt: 3 }]);
  assert.equal(dup.ok ? "" : dup.error.code, ErrorCode.STATE_CORRUPT);
  const bad = b.restore([{ moid: "nope", serverUri: "https://x/", srvId: "s", setAt: 3 }]);
  assert.equal(bad.ok, false);
  assert.deepEqual(b.list(), a.list());
  assert.equal(b.delete(APP), true);
  assert.equal(b.delete(APP), false);
  assert.equal(b.get(APP), undefined);
});
