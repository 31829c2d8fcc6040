// Restart with state intact (ARCHITECTURE.md invariant 8): a DmClient saves its state to a real file after each
// session and change; a new DmClient over the same file has the tree, SUB subscriptions, DEFAULT URIs, pending
// alerts, pending asynchronous reports and recent NOTIFICATION-IDs back — a duplicate notification sent after
// the restart is still dropped, and the pending report is delivered once its ServerURI answers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { sendLoopbackDatagram } from "../../../test-support/udp.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AT_EXEC_COMPLETE, AT_SERVER_INIT } from "@omadm/protocol";
import { createUdpNotificationTransport } from "../src/notification/transports/udp-notification-transport.js";
import { RejectReason } from "../src/notification/intake.js";
import { createFileStateStore } from "../src/state/file-state-store.js";
import { nodeStateFs } from "../src/state/state-fs.js";
import {
  GATEWAY,
  type TestClient,
  deviceJson,
  makeClient,
  notificationBytes,
  p1Of,
  quietLogger,
  testConfig,
} from "./dm-client-fixtures.js";
import { type Exchange, type Reply, type ScriptedServer, p2, startScriptedServer } from "./http-fixtures.js";

let dir: string;
let server: ScriptedServer;
let reportsUp = false;
let dmScript: (ex: Exchange) => Reply = () => p2(["END"]);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "omadm-client-restart-"));
  server = await startScriptedServer((ex) => {
    if (ex.path === "/reports") return reportsUp ? p2(["END"]) : { status: 500 };
    if (ex.path === "/repo/sub") return { status: 204 };
    return dmScript(ex);
  });
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(): { t: TestClient; udp: ReturnType<typeof createUdpNotificationTransport> } {
  const udp = createUdpNotificationTransport({ host: "127.0.0.1", port: 0, logger: quietLogger });
  const store = createFileStateStore({ fs: nodeStateFs() }, { path: join(dir, "state.json") });
  const t = makeClient(testConfig(deviceJson(server.url("/dm"))), { store, transports: [udp] });
  return { t, udp };
}

const byId = <T extends { readonly id: string }>(list: readonly T[]): T[] =>
  [...list].sort((x, y) => x.id.localeCompare(y.id));

const NOTIFICATION = notificationBytes({ serverId: "dm1", notificationId: 77 });
const BATTERY = { AlertType: "urn:x-omadm:test:Battery", DataType: "int", Data: 9 };

test(
  "everything that must survive a restart is back in a new client over the same state file",
  { timeout: 20_000 },
  async () => {
    // --- first life -------------------------------------------------------------------------------------------
    const a = start();
    const sessionsA = a.t.events("session");
    await a.t.client.start({ sendBootstrapComplete: true });
    await a.t.client.idle();
    assert.deepEqual(a.t.client.bootstrapPending(), []);
    for (let i = 0; i < 3; i++) await sessionsA.next();
    dmScript = (ex) =>
      p1Of(ex).Alert?.[0]?.AlertType === AT_SERVER_INIT
        ? p2(
            ["SUB", server.url("/repo/sub"), `${GATEWAY}/main/Wan`],
            ["DEFAULT", server.url("/repo/default"), GATEWAY],
            ["EXEC", `${GATEWAY}/main/Ops/Reboot`, server.url("/reports")],
            ["END"],
          )
        : p2(["END"]);
    await sendLoopbackDatagram(a.udp.address()?.port ?? 0, NOTIFICATION);
    const notified = await sessionsA.next();
    assert.equal(notified.kind, "completed");
    assert.deepEqual(
      notified.commands.map((c) => c.status.sc),
      [200, 200, 202, 200],
    );
    // The EXEC finishes; its report session to /reports fails (500): the report stays pending.
    await a.t.timers.waitForTimer();
    a.t.timers.runAll();
    const failedReport = await sessionsA.next();
    assert.equal(failedReport.trigger.kind, "async-report");
    assert.equal(failedReport.kind, "aborted");
    assert.ok((await a.t.client.raiseAlert("plain", BATTERY)).ok);
    assert.ok((await a.t.client.setValue(`${GATEWAY}/main/Hostname`, "renamed")).ok);
    await a.t.client.idle();
    const before = {
      subscriptions: a.t.client.subscriptions(),
      defaults: a.t.client.defaults(),
      pending: a.t.client.pendingAlerts(),
      ids: a.t.client.recentNotificationIds(),
      tree: a.t.client.tree.snapshot(),
    };
    assert.equal(before.pending.length, 2);
    await a.t.close();

    // --- second life ------------------------------------------------------------------------------------------
    const b = start();
    const sessionsB = b.t.events("session");
    const rejected = b.t.events("notification-rejected");
    await b.t.client.start({ sendBootstrapComplete: true });
    try {
      assert.equal(b.t.client.getValue(`${GATEWAY}/main/Hostname`).ok, true);
      assert.deepEqual(b.t.client.getValue(`${GATEWAY}/main/Hostname`), { ok: true, value: "renamed" });
      assert.deepEqual(b.t.client.tree.snapshot().instances, before.tree.instances);
      assert.deepEqual(b.t.client.subscriptions(), before.subscriptions);
      assert.equal(b.t.client.subscriptions()[0]?.clientUri, `${GATEWAY}/main/Wan`);
      assert.deepEqual(b.t.client.defaults(), before.defaults);
      assert.equal(b.t.client.defaults()[0]?.moid, GATEWAY);
      // Same alerts (the order between different destinations is not kept; per destination it is).
      assert.deepEqual(byId(b.t.client.pendingAlerts()), byId(before.pending));
      assert.deepEqual(b.t.client.recentNotificationIds(), before.ids);
      assert.deepEqual(b.t.client.bootstrapPending(), [], "no second BootstrapComplete after a restart");

      // The same notification again, after the restart: still a duplicate, and no session opens.
      const requests = server.received.length;
      await sendLoopbackDatagram(b.udp.address()?.port ?? 0, NOTIFICATION);
      const dup = await rejected.next();
      assert.equal(dup.reason, RejectReason.DUPLICATE);
      assert.equal(dup.notificationId, 77);

      // The raised alert rides in the next session with its server.
      const plain = await b.t.client.runSession("plain");
      assert.equal(plain.kind, "completed");
      assert.equal(server.received.length, requests + 1, "the duplicate opened no session");
      assert.deepEqual(p1Of(server.received.at(-1)!).Alert?.[1], BATTERY);

      // After a completed session with dm1, the pending report is retried to its ServerURI — now answering.
      reportsUp = true;
      assert.equal((await b.t.client.runSession("dm1")).kind, "completed");
      await b.t.client.idle();
      // It failed once before the restart: it waits for its back-off (asyncReports.retryBaseMs, 30 s) first.
      assert.equal(server.received.at(-1)?.path, "/dm");
      b.t.clock.advance(30_000);
      b.t.timers.runAll();
      await b.t.client.idle();
      const retry = server.received.at(-1)!;
      assert.equal(retry.path, "/reports");
      const report = p1Of(retry).Alert?.find((x) => x.AlertType === AT_EXEC_COMPLETE);
      assert.equal(report?.SourceURI, `${GATEWAY}/main/Ops/Reboot`);
      assert.deepEqual(b.t.client.pendingAlerts(), [], "every pending alert and report was delivered");
      const kinds = [];
      for (let i = 0; i < 3; i++) kinds.push((await sessionsB.next()).trigger.kind);
      assert.deepEqual(kinds, ["client-initiated", "client-initiated", "async-report"]);

      // The restored subscription still reports local changes.
      assert.ok((await b.t.client.setValue(`${GATEWAY}/main/Wan/Mode`, "pppoe")).ok);
      await b.t.timers.waitForTimer();
      b.t.timers.runAll();
      await b.t.client.flushSubscriptions();
      assert.equal(server.received.at(-1)?.path, "/repo/sub");
    } finally {
      await b.t.close();
    }
  },
);
