// End to end (the command queue, Generic Alerts, the notifier; EXEC, DEFAULT, UNSUB): more of the
// queue's life with the real server and the project's DM Client over loopback HTTP —
// - batching: a queue longer than the batch size spans several Package#2s, all posted to the CONT URL;
//   a cancelled command is never sent; an idempotency key queues a command once;
// - a Generic Alert the device raises is stored (never answered with a status) and readable in the API;
// - EXEC without a ServerURI reported asynchronously: 202, then the alert in a new session to the SrvURI;
// - DEFAULT, then the device's configuration fallback HGET from a shared repository item (docs/protocol.md §4.9);
//   HGET to an explicit ClientURI; UNSUB (and 404 for an unknown one);
// - wake-on-queue: queuing a command sends Package#0 over UDP by itself, and the device comes.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AT_EXEC_COMPLETE, MT_MO_JSON } from "@omadm/protocol";
import type { ExecCompletion } from "@omadm/client";
import type { CommandView } from "./e2e-support/api-client.js";
import {
  MOID_DEVINFO,
  MOID_GATEWAY,
  notificationSecret,
  startDevice,
  statusesOf,
  type E2eDevice,
} from "./e2e-support/device-harness.js";
import { SERVER_ID, startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const dir = tempDir("omadm-e2e-queue-");
let srv: E2eServer;
const devices: E2eDevice[] = [];

before(async () => {
  srv = await startE2eServer({ dataDir: join(dir.path, "server"), batchSize: 3 });
});

after(async () => {
  await Promise.all(devices.map((d) => d.stop()));
  await srv.stop();
  dir.remove();
});

/** A device that has had its BootstrapComplete session with `server` (so it is registered there). */
async function registered(server: E2eServer, devId: string, udp = false): Promise<E2eDevice> {
  const d = await startDevice({ devId, srvUri: server.dmUrl, stateDir: join(dir.path, devId), udp });
  devices.push(d);
  const first = await d.client.runSession();
  assert.equal(first.kind, "completed", JSON.stringify(first));
  await d.sessions.next();
  return d;
}

const GUEST = {
  Hostname: "from-default",
  LogLevel: "warn",
  Wan: { Mode: "pppoe", Mtu: 1492 },
  Ops: { Reboot: null, Diagnostics: null },
};

test("batching over CONT, a cancelled command, an idempotency key, and a device-raised Generic Alert", async () => {
  const d = await registered(srv, "IMEI:350000000000701");
  let diagnostics = 0;
  d.client.registerExec(MOID_GATEWAY, "Ops/Diagnostics", () => {
    diagnostics += 1;
    return { sc: 200 };
  });
  const leaves = ["Man", "Mod", "FwV", "SwV", "HwV", "Lang", "DevType", "OEM"];
  const queued: CommandView[] = [];
  for (const leaf of leaves) queued.push(await srv.api.queue(d.devId, ["GET", `${MOID_DEVINFO}//${leaf}`]));
  // The operator changes their mind about one; and retries a request with the same idempotency key.
  const cancelled = await srv.api.json<CommandView>(
    "POST",
    `/commands/${queued[2]?.id ?? ""}/cancel`,
    undefined,
    [200],
  );
  assert.equal(cancelled.state, "cancelled");
  const body = { command: ["EXEC", `${MOID_GATEWAY}/main/Ops/Diagnostics`], idempotencyKey: "diag-1" };
  const path = `/devices/${encodeURIComponent(d.devId)}/commands`;
  const once = await srv.api.json<CommandView>("POST", path, body, [201]);
  const twice = await srv.api.json<CommandView>("POST", path, body, [200]);
  assert.equal(twice.id, once.id);
  const raised = await d.client.raiseAlert(SERVER_ID, {
    AlertType: "urn:x-omadm:e2e:Battery",
    Mark: "warning",
    DataType: "int",
    Data: 12,
  });
  assert.ok(raised.ok);

  const outcome = await d.client.runSession();
  assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
  const cont = outcome.commands[0]?.item[1];
  assert.equal(outcome.lastUrl, cont, "every Package#3 went to the CONT URL");
  // 7 GETs (one cancelled) + 1 EXEC, three per Package#2, then END alone.
  assert.deepEqual(
    outcome.commands.map((c) => [c.packageNumber, c.item[0], c.status.sc]),
    [
      [1, "CONT", 200],
      [1, "GET", 200],
      [1, "GET", 200],
      [1, "GET", 200],
      [2, "GET", 200],
      [2, "GET", 200],
      [2, "GET", 200],
      [3, "GET", 200],
      [3, "EXEC", 200],
      [4, "END", 200],
    ],
  );
  assert.equal(diagnostics, 1, "the idempotent request queued one EXEC");
  const sentUris = outcome.commands.filter((c) => c.item[0] === "GET").map((c) => c.item[1]);
  assert.ok(!sentUris.includes(`${MOID_DEVINFO}//FwV`), "the cancelled GET was never sent");
  const view = await srv.api.commands(d.devId);
  assert.deepEqual(
    view.map((c) => c.state),
    ["done", "done", "cancelled", "done", "done", "done", "done", "done", "done"],
  );
  const values = view
    .filter((c) => c.state === "done" && c.name === "GET")
    .map((c) => (c.result?.data as { MOData: Record<string, unknown> }[])[0]?.MOData);
  assert.deepEqual(values, [
    { Man: "omadm e2e" },
    { Mod: "E2E-1" },
    { SwV: "1.0.0" },
    { HwV: "a" },
    { Lang: "en-US" },
    { DevType: "gateway" },
    { OEM: "omadm" },
  ]);

  // The device's alert rode in Package#1; the server stored it as sent and did not answer it.
  const stored = (await srv.api.alerts(d.devId)).find((a) => a.alertType === "urn:x-omadm:e2e:Battery");
  assert.equal(stored?.data, 12);
  assert.deepEqual(d.client.pendingAlerts(), [], "acknowledged by the 200");
});

test("EXEC without a ServerURI, reported later: 202, then the alert in a new session to the SrvURI", async () => {
  const d = await registered(srv, "IMEI:350000000000702");
  let finish!: (r: ExecCompletion) => void;
  d.client.registerExec(MOID_GATEWAY, "Ops/Reboot", (request) => {
    assert.equal(request.asyncRequired, false);
    return { async: new Promise<ExecCompletion>((resolve) => (finish = resolve)) };
  });
  const exec = await srv.api.queue(d.devId, ["EXEC", `${MOID_GATEWAY}/main/Ops/Reboot`]);
  const outcome = await d.client.runSession();
  assert.deepEqual(statusesOf(outcome).slice(1, -1), [["EXEC", 202]]);
  await d.sessions.next();
  assert.deepEqual([(await srv.api.command(exec.id)).state], ["accepted"]);

  finish({ sc: 500 });
  const report = await d.sessions.next();
  assert.equal(report.kind, "completed", JSON.stringify(report));
  assert.deepEqual(report.trigger, { kind: "client-initiated" });
  await d.client.idle();
  const failed = await srv.api.command(exec.id);
  assert.deepEqual([failed.state, failed.statusCode, failed.result?.data], ["failed", 500, { sc: 500 }]);
  const alert = (await srv.api.alerts(d.devId)).find((a) => a.alertType === AT_EXEC_COMPLETE);
  assert.equal(alert?.matchedCommandId, exec.id);
});

test("DEFAULT then the configuration fallback HGET from a shared item; HGET to a ClientURI; UNSUB", async () => {
  const d = await registered(srv, "IMEI:350000000000703");
  const shared = await srv.api.putContent(
    { path: "defaults/gateway.json" },
    MT_MO_JSON,
    JSON.stringify([{ ClientURI: `${MOID_GATEWAY}//`, MOData: { gw: GUEST } }]),
  );
  assert.match(shared.url, /\/repo\/shared\/defaults\/gateway\.json$/);
  const wan = `${MOID_GATEWAY}/main/Wan`;
  const sub = `${srv.server.publicBaseUrl()}/repo/devices/${encodeURIComponent(d.devId)}/sub`;
  await srv.api.queue(d.devId, ["SUB", sub, wan]);
  await srv.api.queue(d.devId, ["DEFAULT", shared.url, MOID_GATEWAY]);
  const first = await d.client.runSession();
  assert.deepEqual(statusesOf(first).slice(1, -1), [
    ["SUB", 200],
    ["DEFAULT", 200],
  ]);
  await d.sessions.next();
  assert.deepEqual(
    d.client.defaults().map((r) => [r.moid, r.serverUri]),
    [[MOID_GATEWAY, shared.url]],
  );

  // While the tree has a gateway instance, the device needs no fallback.
  assert.equal((await d.client.requestConfiguration(MOID_GATEWAY)).kind, "present");

  // HGET replacing the instance's Wan subtree at an explicit ClientURI, then UNSUB twice (the second is 404),
  // then the instance is deleted.
  const wanItem = await srv.api.putContent(
    { path: "wan.json", deviceId: d.devId },
    MT_MO_JSON,
    JSON.stringify([{ ClientURI: `${MOID_GATEWAY}//Wan`, MOData: { Wan: { Mode: "static", Mtu: 1280 } } }]),
  );
  const hget = await srv.api.queue(d.devId, ["HGET", wanItem.url, wan]);
  await srv.api.queue(d.devId, ["UNSUB", wan]);
  await srv.api.queue(d.devId, ["UNSUB", wan]);
  await srv.api.queue(d.devId, ["DELETE", `${MOID_GATEWAY}/main/`]);
  const second = await d.client.runSession();
  assert.deepEqual(statusesOf(second).slice(1, -1), [
    ["HGET", 200],
    ["UNSUB", 200],
    ["UNSUB", 404],
    ["DELETE", 200],
  ]);
  assert.deepEqual((await srv.api.command(hget.id)).result?.uris, [wan], "stored where the server said");
  assert.deepEqual(d.client.subscriptions(), []);
  assert.deepEqual(d.client.tree.instances(MOID_GATEWAY), []);

  // Now the device software needs its gateway configuration: HGET from the DEFAULT URI, no status to the server.
  const fetched = await d.client.requestConfiguration(MOID_GATEWAY);
  assert.equal(fetched.kind, "fetched", JSON.stringify(fetched));
  const [miid] = d.client.tree.instances(MOID_GATEWAY);
  assert.ok(miid !== undefined);
  assert.equal(d.client.tree.getValue(MOID_GATEWAY, miid, ["Hostname"]), "from-default");
  assert.equal(d.client.tree.getValue(MOID_GATEWAY, miid, ["Wan", "Mtu"]), 1492);
});

test("wake-on-queue: queuing a command sends Package#0 over UDP and the device runs it", async () => {
  const woq = await startE2eServer({ dataDir: join(dir.path, "woq"), wakeOnQueue: true });
  try {
    const devId = "IMEI:350000000000704";
    const d = await registered(woq, devId, true);
    const n = notificationSecret(devId);
    const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
    await woq.api.patchDevice(devId, {
      notification: { secret: b64(n.secret), authData: b64(n.authData) },
      notifyAddress: { udp: { host: "127.0.0.1", port: d.udpPort } },
    });
    const get = await woq.api.queue(devId, ["GET", `${MOID_DEVINFO}//HwV`]);
    const outcome = await d.sessions.next();
    assert.equal(outcome.kind, "completed", `${JSON.stringify(outcome)}\n${d.log.join("\n")}`);
    assert.equal(outcome.trigger.kind, "server-initiated");
    const done = await woq.api.command(get.id);
    assert.deepEqual([done.state, done.statusCode], ["done", 200]);
  } finally {
    await woq.stop();
  }
});
