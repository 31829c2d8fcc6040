// A full scripted DM session through the DmClient facade over real loopback HTTP: a scripted DM server and Data
// Repository on 127.0.0.1 (one node:http server, routed by path). BootstrapComplete first (§14); then HGET from
// the repository, GET, EXEC with a ServerURI (202, and later a new session to that URI carrying the result
// alert, §4.4), SUB, END; then a local change reported by a PUT to the SUB ServerURI (§4.10).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  AT_BOOTSTRAP_COMPLETE,
  AT_CLIENT_INIT,
  AT_EXEC_COMPLETE,
  MT_MO_JSON,
  parseMoSerialization,
} from "@omadm/protocol";
import type { SessionOutcome } from "../src/session/session-types.js";
import type { Inbox } from "../../../test-support/async-inbox.js";
import {
  DEV_ID,
  DEVINFO,
  GATEWAY,
  type TestClient,
  deviceJson,
  makeClient,
  p1Of,
  testConfig,
} from "./dm-client-fixtures.js";
import { type Exchange, type Reply, type ScriptedServer, bodyP3, p2, startScriptedServer } from "./http-fixtures.js";

const GUEST_DATA = {
  guest: {
    Hostname: "guest-ap",
    LogLevel: "debug",
    Wan: { Mode: "static", Mtu: 1400 },
    Ops: { Reboot: null, Diagnostics: null },
  },
};

let server: ScriptedServer;
let t: TestClient;
let sessions: Inbox<SessionOutcome>;
/** What the DM endpoint answers next; each test sets its own script. */
let dmScript: (ex: Exchange) => Reply = () => p2(["END"]);

before(async () => {
  server = await startScriptedServer((ex) => {
    if (ex.path === "/repo/guest" && ex.method === "GET") {
      return {
        status: 200,
        headers: { "content-type": MT_MO_JSON },
        body: JSON.stringify([{ ClientURI: `${GATEWAY}/guest/`, MOData: GUEST_DATA }]),
      };
    }
    if (ex.path === "/repo/sub" && ex.method === "PUT") return { status: 204 };
    if (ex.path === "/dm" || ex.path === "/dm/next" || ex.path === "/reports") return dmScript(ex);
    return { status: 404 };
  });
  t = makeClient(testConfig(deviceJson(server.url("/dm"))));
  sessions = t.events("session");
  await t.client.start();
});

after(async () => {
  await t.close();
  await server.close();
});

test(
  "the first session with an account is BootstrapComplete, with the MOS array (§14, §3.1)",
  { timeout: 8000 },
  async () => {
    dmScript = () => p2(["END"]);
    const outcome = await t.client.runSession("dm1");
    assert.equal(outcome.kind, "completed");
    assert.equal(outcome.trigger.kind, "bootstrap-complete");
    const p1 = p1Of(await server.requests.next());
    assert.deepEqual(p1.Alert, [{ AlertType: AT_BOOTSTRAP_COMPLETE }]);
    assert.ok(p1.MOS?.some((m) => m.MOID === GATEWAY && m.MIID.includes("main")));
    assert.deepEqual(t.client.bootstrapPending().includes("dm1"), false, "owed no more");
    assert.equal((await sessions.next()).trigger.kind, "bootstrap-complete");
  },
);

test(
  "a scripted session: HGET, GET, EXEC with ServerURI, SUB, END — then the async report and a SUB PUT",
  { timeout: 8000 },
  async () => {
    const reports = server.url("/reports");
    const repoSub = server.url("/repo/sub");
    dmScript = (ex) => {
      if (ex.path === "/dm") {
        return p2(
          ["HGET", server.url("/repo/guest")],
          ["GET", `${DEVINFO}//DevID`],
          ["EXEC", `${GATEWAY}/main/Ops/Reboot`, reports],
          ["EXEC", `${GATEWAY}/main/Ops/Diagnostics`],
          ["SUB", repoSub, `${GATEWAY}/main/Wan`],
          ["CONT", server.url("/dm/next")],
        );
      }
      if (ex.path === "/dm/next") return p2(["END"]);
      return p2(["END"]); // the async-report session to /reports
    };
    const outcome = await t.client.runSession("dm1");
    assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
    assert.equal(outcome.trigger.kind, "client-initiated");

    // Package#1, then Package#3 (posted to the CONT URI, §4.7) with one status per command in order.
    const p1 = p1Of(await server.requests.next());
    assert.deepEqual(p1.Alert, [{ AlertType: AT_CLIENT_INIT }]);
    const repoGet = await server.requests.next();
    assert.equal(repoGet.path, "/repo/guest");
    assert.equal(repoGet.headers["omadm-devid"], DEV_ID);
    const p3Request = await server.requests.next();
    assert.equal(p3Request.path, "/dm/next");
    const p3 = bodyP3(p3Request);
    assert.deepEqual(
      p3.Status.map((s) => s.sc),
      [200, 200, 202, 200, 200, 200], // HGET, GET, EXEC (accepted), EXEC (sync), SUB, CONT
    );
    assert.deepEqual(p3.Status[0]?.URI, [`${GATEWAY}/guest/`]);
    assert.deepEqual(p3.Status[1]?.Data?.[0]?.MOData, { DevID: DEV_ID });
    assert.equal(t.client.tree.getValue(GATEWAY, "guest", ["Wan", "Mtu"]), 1400, "HGET stored the repository data");
    assert.deepEqual(
      t.client.subscriptions().map((s) => [s.srvId, s.clientUri, s.serverUri]),
      [["dm1", `${GATEWAY}/main/Wan`, repoSub]],
    );
    assert.equal((await sessions.next()).sessionId, outcome.sessionId);

    // The EXEC completes later (its delay runs on the test's timers): a new session to the EXEC's ServerURI
    // carries the result alert in its Package#1 (§4.4).
    await t.timers.waitForTimer();
    t.timers.runAll();
    const reportPost = await server.requests.next();
    assert.equal(reportPost.path, "/reports");
    const rp1 = p1Of(reportPost);
    assert.equal(rp1.Alert?.[0]?.AlertType, AT_CLIENT_INIT, "the session type; the report rides along");
    const report = (rp1.Alert ?? []).find((a) => a.AlertType === AT_EXEC_COMPLETE);
    assert.ok(report, "the ExecComplete alert is in Package#1");
    assert.equal(report.SourceURI, `${GATEWAY}/main/Ops/Reboot`);
    assert.deepEqual(report.Data, { sc: 200 });
    const reportSession = await sessions.next();
    assert.equal(reportSession.trigger.kind, "async-report");
    assert.equal(reportSession.kind, "completed");
    await t.client.idle();
    assert.deepEqual(t.client.pendingAlerts(), [], "delivered and acknowledged");

    // A local change below the subscribed node is PUT to the SUB ServerURI after the debounce window.
    const set = await t.client.setValue(`${GATEWAY}/main/Wan/Mtu`, "1280");
    assert.ok(set.ok && set.value.changed);
    await t.timers.waitForTimer();
    t.timers.runAll();
    const put = await server.requests.next();
    assert.equal(put.method, "PUT");
    assert.equal(put.path, "/repo/sub");
    const items = parseMoSerialization(put.body);
    assert.ok(items.ok, "the PUT body is an MO serialization");
    assert.deepEqual(items.value[0]?.MOData, { Wan: { Mode: "dhcp", Mtu: 1280 } });
  },
);

test(
  "an aborted session keeps the queued alerts; the next session delivers them (nothing lost)",
  { timeout: 8000 },
  async () => {
    await t.client.idle();
    const raised = await t.client.raiseAlert("dm1", {
      AlertType: "urn:x-omadm:test:Battery",
      Mark: "warning",
      DataType: "int",
      Data: 12,
    });
    assert.ok(raised.ok);
    dmScript = () => ({ status: 503, body: "busy" });
    const failed = await t.client.runSession("dm1");
    assert.equal(failed.kind, "aborted");
    const p1a = p1Of(await server.requests.next());
    assert.equal(p1a.Alert?.[1]?.AlertType, "urn:x-omadm:test:Battery");
    assert.equal(t.client.pendingAlerts("dm1").length, 1, "still queued after the 503");
    dmScript = () => p2(["END"]);
    const ok = await t.client.runSession("dm1");
    assert.equal(ok.kind, "completed");
    const p1b = p1Of(await server.requests.next());
    assert.deepEqual(p1b.Alert?.[1], {
      AlertType: "urn:x-omadm:test:Battery",
      Mark: "warning",
      DataType: "int",
      Data: 12,
    });
    assert.deepEqual(t.client.pendingAlerts("dm1"), []);
    await sessions.next();
    await sessions.next();
  },
);
