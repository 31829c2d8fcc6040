// The DmClient's device-software API and lifecycle over real loopback HTTP: leaf reads and writes by ClientURI,
// Generic Alerts, DEFAULT fallback, EXEC behaviours that run a real process, SHOW through the launcher, a server
// provisioning a new DM Account (its BootstrapComplete session follows, §14 step 6), misuse errors, stopping
// during a session, and a state file that cannot be used.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AT_BOOTSTRAP_COMPLETE, AT_EXEC_COMPLETE, ErrorCode, MT_MO_JSON } from "@omadm/protocol";
import { createInbox } from "../../../test-support/async-inbox.js";
import { createRecordingBrowserLauncher } from "../src/commands/browser-launcher.js";
import { DmClientError, DmClientErrorCode } from "../src/dm-client/dm-client-error.js";
import { nodeProcessRunner } from "../src/dm-client/exec-behaviours.js";
import { createFileStateStore } from "../src/state/file-state-store.js";
import { nodeStateFs } from "../src/state/state-fs.js";
import { DMACC, GATEWAY, deviceJson, makeClient, p1Of, testConfig } from "./dm-client-fixtures.js";
import { type Exchange, type Reply, type ScriptedServer, p2, startScriptedServer } from "./http-fixtures.js";

let server: ScriptedServer;
const routes = new Map<string, (ex: Exchange) => Reply>();

before(async () => {
  server = await startScriptedServer((ex) => (routes.get(ex.path) ?? (() => p2(["END"])))(ex));
});
after(() => server.close());

const moJson = (body: unknown): Reply => ({
  status: 200,
  headers: { "content-type": MT_MO_JSON },
  body: JSON.stringify(body),
});

function config(extra: Record<string, unknown> = {}) {
  return testConfig(deviceJson(server.url("/dm"), extra));
}

test("leaf values by ClientURI: text is read per the DDF format, bad values and bad targets change nothing", async (t) => {
  const c = makeClient(config());
  t.after(() => c.close());
  const saved = c.events("state-saved");
  await c.client.start();
  await saved.next();
  const mtu = `${GATEWAY}/main/Wan/Mtu`;
  assert.deepEqual(await c.client.setValue(mtu, "1492"), { ok: true, value: { changed: true } });
  assert.deepEqual(c.client.getValue(mtu), { ok: true, value: 1492 });
  await saved.next(); // the change was saved
  const bad = await c.client.setValue(mtu, "jumbo");
  if (bad.ok) assert.fail("a non-integer for an int leaf must be refused");
  assert.equal(bad.error.code, ErrorCode.TREE_BAD_VALUE);
  assert.deepEqual(c.client.getValue(mtu), { ok: true, value: 1492 }, "unchanged");
  assert.deepEqual(await c.client.setValue(mtu, 1400), { ok: true, value: { changed: true } });
  const noInstance = await c.client.setValue(`${GATEWAY}/nope/Wan/Mtu`, "1");
  assert.equal(noInstance.ok ? 0 : noInstance.error.status, 404);
  const noNode = await c.client.setValue(`${GATEWAY}/main/Wan/Speed`, "1");
  assert.equal(noNode.ok ? 0 : noNode.error.status, 404);
  const interior = await c.client.setValue(`${GATEWAY}/main/Wan`, "x");
  assert.equal(interior.ok, false);
  assert.equal(c.client.getValue(`${GATEWAY}/main/Wan`).ok, false, "an interior node has no value");
  // A subtree is replaced with MO data (§7.1) in one write.
  const replaced = await c.client.replace(`${GATEWAY}/main/Wan`, { Wan: { Mode: "static", Mtu: 1300 } });
  assert.deepEqual(replaced, { ok: true, value: { changed: true } });
  assert.deepEqual(c.client.getValue(`${GATEWAY}/main/Wan/Mode`), { ok: true, value: "static" });
  const ambiguous = await c.client.replace(`${DMACC}/*/Name`, { Name: "x" });
  assert.equal(ambiguous.ok, false, "a replace needs exactly one node");
  // Read: wildcards resolve like a server's GET would, but nothing is hidden locally.
  const read = c.client.read(`${DMACC}/*/SrvID`);
  assert.ok(read.ok);
  assert.deepEqual(read.value.map((n) => c.client.tree.getValue(n.moid, n.miid, n.path)).sort(), [
    "dm1",
    "legacy",
    "plain",
  ]);
});

test("raiseAlert queues a checked Generic Alert for a known server only", async (t) => {
  const c = makeClient(config());
  t.after(() => c.close());
  await c.client.start();
  const unknown = await c.client.raiseAlert("nobody", { AlertType: "urn:x:a" });
  assert.equal(unknown.ok, false);
  const bad = await c.client.raiseAlert("dm1", { AlertType: "urn:x:a", Mark: "loud" as "fatal" });
  assert.equal(bad.ok ? "" : bad.error.code, ErrorCode.SCHEMA_VIOLATION);
  assert.deepEqual(c.client.pendingAlerts(), [], "nothing queued by a refused alert");
  const good = await c.client.raiseAlert("dm1", { AlertType: "urn:x:a", Mark: "minor" });
  assert.ok(good.ok);
  assert.deepEqual(
    c.client.pendingAlerts().map((a) => a.alert),
    [{ AlertType: "urn:x:a", Mark: "minor" }],
  );
});

test("runSession refuses misuse with typed errors: not started, unknown server, several accounts and none named", async (t) => {
  const c = makeClient(config());
  t.after(() => c.close());
  await assert.rejects(
    c.client.runSession("dm1"),
    (e: unknown) => e instanceof DmClientError && e.code === DmClientErrorCode.STATE,
  );
  await c.client.start();
  await assert.rejects(c.client.runSession("nobody"), { code: DmClientErrorCode.UNKNOWN_SERVER });
  await assert.rejects(c.client.runSession(), { code: DmClientErrorCode.UNKNOWN_SERVER });
  await assert.rejects(c.client.start(), { code: DmClientErrorCode.STATE });
});

test("a DMAcc created by a server's HGET is owed BootstrapComplete: its session to the new SrvURI follows (§14)", async (t) => {
  const c = makeClient(config());
  t.after(() => c.close());
  const sessions = c.events("session");
  await c.client.start();
  assert.equal((await c.client.runSession("dm1")).trigger.kind, "bootstrap-complete");
  routes.set("/dm", () => p2(["HGET", server.url("/repo/account")], ["END"]));
  routes.set("/repo/account", () =>
    moJson([
      {
        ClientURI: `${DMACC}/newsrv/`,
        MOData: {
          acc: { SrvID: "dm2", SrvURI: server.url("/dm2"), Name: "second", Perm: { p1: { MOID: GATEWAY } } },
        },
      },
    ]),
  );
  t.after(() => {
    routes.delete("/dm");
    routes.delete("/repo/account");
  });
  const outcome = await c.client.runSession("dm1");
  assert.deepEqual(
    outcome.commands.map((r) => r.status.sc),
    [200, 200],
  );
  await c.client.idle();
  const dm2 = server.received.find((ex) => ex.path === "/dm2");
  assert.ok(dm2, "a session was opened to the new account's SrvURI");
  assert.deepEqual(p1Of(dm2).Alert, [{ AlertType: AT_BOOTSTRAP_COMPLETE }]);
  assert.deepEqual(c.client.bootstrapPending(), ["plain", "legacy"], "dm2 got its BootstrapComplete");
  const kinds = [(await sessions.next()).serverId, (await sessions.next()).serverId, (await sessions.next()).serverId];
  assert.deepEqual(kinds, ["dm1", "dm1", "dm2"]);
});

test("requestConfiguration: with no instance, HGET from the MOID's DEFAULT URI (docs/protocol.md §4.9)", async (t) => {
  const c = makeClient(config({ mos: [{ ddf: "ddf/gateway.ddf" }] }));
  t.after(() => c.close());
  await c.client.start();
  assert.deepEqual(await c.client.requestConfiguration(GATEWAY), { kind: "no-default" });
  routes.set("/dm", () => p2(["DEFAULT", server.url("/repo/default"), GATEWAY], ["END"]));
  routes.set("/repo/default", () =>
    moJson([
      {
        ClientURI: `${GATEWAY}/cfg/`,
        MOData: {
          r: {
            Hostname: "from-default",
            LogLevel: "warn",
            Wan: { Mode: "dhcp", Mtu: 1500 },
            Ops: { Reboot: null, Diagnostics: null },
          },
        },
      },
    ]),
  );
  t.after(() => {
    routes.delete("/dm");
    routes.delete("/repo/default");
  });
  assert.equal((await c.client.runSession("dm1")).commands[0]?.status.sc, 200);
  assert.equal(c.client.defaults()[0]?.serverUri, server.url("/repo/default"));
  const outcome = await c.client.requestConfiguration(GATEWAY);
  assert.equal(outcome.kind, "fetched", JSON.stringify(outcome));
  assert.deepEqual(c.client.getValue(`${GATEWAY}/cfg/Hostname`), { ok: true, value: "from-default" });
  assert.deepEqual(await c.client.requestConfiguration(GATEWAY), { kind: "present", miids: ["cfg"] });
});

test("an EXEC behaviour that runs a process: 202, then its exit status reaches the SrvURI in a new session", async (t) => {
  const exec = [
    { moid: GATEWAY, path: "Ops/Diagnostics", command: [process.execPath, "-e", "process.exit(3)"] },
    { moid: GATEWAY, path: "Ops/Reboot", command: [process.execPath, "-e", "process.exit(0)"] },
  ];
  const c = makeClient(config({ exec }), { runProcess: nodeProcessRunner });
  t.after(() => c.close());
  const sessions = c.events("session");
  await c.client.start();
  await c.client.runSession("dm1");
  await sessions.next();
  routes.set("/dm", () =>
    p2(["EXEC", `${GATEWAY}/main/Ops/Diagnostics`], ["EXEC", `${GATEWAY}/main/Ops/Reboot`], ["END"]),
  );
  t.after(() => routes.delete("/dm"));
  const outcome = await c.client.runSession("dm1");
  assert.deepEqual(
    outcome.commands.map((r) => r.status.sc),
    [202, 202, 200],
  );
  routes.delete("/dm");
  await c.client.idle();
  const alerts = server.received
    .filter((ex) => ex.path === "/dm")
    .flatMap((ex) => p1Of(ex).Alert ?? [])
    .filter((a) => a.AlertType === AT_EXEC_COMPLETE);
  const bySource = new Map(alerts.map((a) => [a.SourceURI, a.Data]));
  assert.deepEqual(bySource.get(`${GATEWAY}/main/Ops/Diagnostics`), { sc: 500 }, "exit 3 → 500");
  assert.deepEqual(bySource.get(`${GATEWAY}/main/Ops/Reboot`), { sc: 200 }, "exit 0 → 200");
  assert.deepEqual(c.client.pendingAlerts(), []);
});

test("SHOW starts the Web Browser Component through the launcher and the session goes on (§4.6)", async (t) => {
  const browser = createRecordingBrowserLauncher();
  const c = makeClient(config(), { browser });
  t.after(() => c.close());
  await c.client.start();
  await c.client.runSession("dm1");
  routes.set("/dm", () => p2(["SHOW", server.url("/ui/page")], ["END"]));
  t.after(() => routes.delete("/dm"));
  const outcome = await c.client.runSession("dm1");
  assert.equal(outcome.commands[0]?.status.sc, 200);
  assert.deepEqual(browser.launched, [server.url("/ui/page")]);
});

test("stop() during a session that hangs cancels it; the outcome is aborted and alerts stay queued", async (t) => {
  const c = makeClient(config());
  t.after(() => c.close());
  await c.client.start();
  await c.client.runSession("dm1");
  const arrived = createInbox<Exchange>();
  routes.set("/dm", (ex) => {
    arrived.push(ex);
    return { hang: true };
  });
  t.after(() => routes.delete("/dm"));
  assert.ok((await c.client.raiseAlert("dm1", { AlertType: "urn:x:kept" })).ok);
  const running = c.client.runSession("dm1");
  const queued = c.client.runSession("dm1");
  await arrived.next(); // the Package#1 is in flight and will never be answered
  await c.client.stop();
  const outcome = await running;
  assert.equal(outcome.kind, "aborted");
  assert.equal(outcome.reason.code, "cancelled");
  await assert.rejects(queued, { code: DmClientErrorCode.STOPPED });
  assert.deepEqual(
    c.client.pendingAlerts().map((a) => a.alert.AlertType),
    ["urn:x:kept"],
  );
});

test("a state file that cannot be decoded stops start() with OMADM_CLIENT_STATE and is left as it was", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "omadm-client-bad-state-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const path = join(dir, "state.json");
  writeFileSync(path, "{ this is not a state document");
  const c = makeClient(config(), { store: createFileStateStore({ fs: nodeStateFs() }, { path }) });
  t.after(() => c.close());
  await assert.rejects(c.client.start(), { code: DmClientErrorCode.STATE });
  await c.close();
  assert.equal(readFileSync(path, "utf8"), "{ this is not a state document", "not overwritten");
});
