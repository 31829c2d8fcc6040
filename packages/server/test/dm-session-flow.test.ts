// Whole DM sessions over real loopback HTTP (undici) against the composed server on a real SQLite file: the
// package flow of docs/protocol.md §1.2 as the server runs it — CONT first, batches, statuses recorded, END when the
// queue is empty — plus Generic Alerts (stored, never answered), asynchronous EXEC completion, superseding
// and the idle timeout (driven by the clock, no sleeping).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AT_CLIENT_INIT, AT_EXEC_COMPLETE, COMMANDS, MT_P2, execCompleteAlert } from "@omadm/protocol";
import type { OmadmServer } from "../src/app.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { manualClock, SimDevice, startServer, tempDir } from "./dm-support.js";

const clock = manualClock();
const dir = tempDir("omadm-dm-flow-");
let store: Store;
let server: OmadmServer;
let base: string;

before(async () => {
  store = await openSqliteStore({ clock }, { dataDir: dir.path });
  ({ server, base } = await startServer(store, clock, { dm: { batchSize: 3 } }));
});

after(async () => {
  await server.stop();
  await store.close();
  dir.remove();
});

const DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2//";
const FW_UPDATE = "urn:oma:mo:oma-fumo:1.0/fw/Update";

async function queue(deviceId: string, name: string, params: string[]): Promise<string> {
  return (await store.commands.enqueue({ deviceId, name, params })).command.id;
}

async function states(ids: readonly string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await store.commands.get(id))?.state ?? "missing"));
}

/** A Package#2 only ever carries DM commands: nothing in it answers an alert (docs/protocol.md §3.4). */
function onlyCommands(cmd: readonly (readonly string[])[]): void {
  for (const item of cmd) assert.ok((COMMANDS as readonly string[]).includes(item[0] ?? ""), JSON.stringify(item));
}

test("a full session: P1 → P2 [CONT + batch] → P3 → P2 [rest] → P3 → P2 [END]; states, results, alerts", async () => {
  const device = new SimDevice("IMEI:100000000000001", `${base}/dm`);
  // First contact: registered, MOS kept, nothing queued → END alone, and the session is closed.
  const mos = [{ MOID: "urn:oma:mo:oma-fumo:1.0", MIID: ["fw"], DDF: "http://127.0.0.1/ddf/fumo.ddf" }];
  const first = await device.p1([{ AlertType: AT_CLIENT_INIT }], mos);
  assert.equal(first.status, 200);
  assert.deepEqual(first.cmd, [["END"]]);
  const registered = await store.devices.get(device.devId);
  assert.equal(registered?.state, "registered");
  assert.deepEqual(registered.mos, mos);

  const ids = [
    await queue(device.devId, "GET", [DEVINFO]),
    await queue(device.devId, "EXEC", [FW_UPDATE, `${base}/dm`]),
    await queue(device.devId, "HGET", [`${base}/repo/shared/x`]),
    await queue(device.devId, "DELETE", ["urn:oma:mo:oma-fumo:1.0/fw/Old"]),
  ];
  const p2a = await device.p1();
  assert.equal(p2a.status, 200);
  assert.equal(p2a.headers["content-type"], MT_P2);
  assert.match(String(p2a.headers["omadm-accept"]), /application\/dmmo\+json/);
  assert.match(String(p2a.headers["set-cookie"]), /^omadm_session=[\w-]+; Path=\/dm; Max-Age=600; HttpOnly/);
  // CONT first, pinning the session to its own URL on this server; then the first three queued commands.
  assert.equal(p2a.cmd[0]?.[0], "CONT");
  assert.match(device.contUrl ?? "", new RegExp(`^${base}/dm/s/[\\w-]{16,}$`));
  // The EXEC's report URI is this server's DM endpoint: it goes out with a per-command capability token
  // (docs/repository.md "Capability URLs"); the queued command keeps the URI as the operator gave it.
  const reportUri = p2a.cmd[2]?.[2] ?? "";
  assert.match(reportUri, new RegExp(`^${base}/dm\\?cap=[\\w-]{32}$`));
  assert.deepEqual(p2a.cmd.slice(1), [
    ["GET", DEVINFO],
    ["EXEC", FW_UPDATE, reportUri],
    ["HGET", `${base}/repo/shared/x`],
  ]);
  assert.deepEqual((await store.commands.get(ids[1] ?? ""))?.params, [FW_UPDATE, `${base}/dm`]);
  assert.deepEqual(await states(ids), ["sent", "sent", "sent", "queued"]);

  const devInfo = [{ ClientURI: DEVINFO, MOData: { DevInfo: { DevID: device.devId, Man: "ACME", FwV: "1.0" } } }];
  const unknownAlert = { AlertType: "urn:example:at:weird:9.9", DataType: "text/plain", Data: "?" };
  const p2b = await device.p3(
    [{ sc: 200 }, { sc: 200, URI: ["urn:oma:mo:oma-dm-devinfo:1.2//"], Data: devInfo }, { sc: 202 }, { sc: 404 }],
    [unknownAlert],
  );
  assert.equal(p2b.status, 200, JSON.stringify(p2b.body));
  assert.deepEqual(p2b.cmd, [["DELETE", "urn:oma:mo:oma-fumo:1.0/fw/Old"]]);
  assert.deepEqual(await states(ids), ["done", "accepted", "failed", "sent"]);
  const get = await store.commands.get(ids[0] ?? "");
  assert.deepEqual(get?.result?.data, devInfo);
  assert.equal((await store.commands.get(ids[2] ?? ""))?.statusCode, 404);
  assert.deepEqual((await store.devices.get(device.devId))?.devInfo, { DevID: device.devId, Man: "ACME", FwV: "1.0" });

  // The EXEC's final result arrives as a Generic Alert in the next Package#3 and completes the command.
  const p2c = await device.p3([{ sc: 200 }], [execCompleteAlert(FW_UPDATE, 200)]);
  assert.deepEqual(p2c.cmd, [["END"]]);
  assert.match(String(p2c.headers["set-cookie"]), /Max-Age=0/);
  assert.deepEqual(await states(ids), ["done", "done", "failed", "done"]);

  for (const answer of [first, p2a, p2b, p2c]) onlyCommands(answer.cmd);
  const alerts = (await store.alerts.list({ deviceId: device.devId })).items;
  assert.deepEqual(
    alerts.map((a) => a.alertType),
    [AT_CLIENT_INIT, AT_CLIENT_INIT, unknownAlert.AlertType, AT_EXEC_COMPLETE],
  );
  assert.equal(alerts[2]?.data, "?"); // unknown types are kept as received
  assert.equal(alerts[3]?.matchedCommandId, ids[1]);
  const sessions = (await store.sessions.list({ deviceId: device.devId })).items;
  assert.deepEqual(
    sessions.map((s) => [s.status, s.stateName]),
    [
      ["ended", "Ended"],
      ["ended", "Ended"],
    ],
  );
  // The ended session's URL takes no more packages.
  const late = await device.p3([{ sc: 200 }]);
  assert.equal(late.status, 409);
});

test("an accepted EXEC is completed by an alert in a later session's Package#1 (matched by SourceURI)", async () => {
  const device = new SimDevice("IMEI:100000000000002", `${base}/dm`);
  await device.p1();
  const exec = await queue(device.devId, "EXEC", ["urn:oma:mo:oma-scomo:1.0/dp/pkg1/Install"]);
  await device.p1();
  await device.p3([{ sc: 200 }, { sc: 202, URI: ["urn:oma:mo:oma-scomo:1.0/dp/pkg1/Install"] }]);
  assert.equal((await store.commands.get(exec))?.state, "accepted");
  // An MO-specific alert type (not ExecComplete) with a failure status in Data.
  const alert = {
    AlertType: "urn:oma:at:scomo:1.0:OperationComplete",
    SourceURI: "urn:oma:mo:oma-scomo:1.0/dp/pkg1/Install",
    Mark: "critical" as const,
    DataType: "application/json",
    Data: { sc: 500 },
  };
  const answer = await device.p1([{ AlertType: AT_CLIENT_INIT }, alert]);
  assert.deepEqual(answer.cmd, [["END"]]);
  const done = await store.commands.get(exec);
  assert.equal(done?.state, "failed");
  assert.equal(done.statusCode, 500);
  assert.deepEqual(done.result?.data, { sc: 500 });
});

test("a new Package#1 supersedes the open session: in-flight commands go back and are sent again", async () => {
  const device = new SimDevice("IMEI:100000000000003", `${base}/dm`);
  await device.p1();
  const ids = [await queue(device.devId, "GET", [DEVINFO]), await queue(device.devId, "UNSUB", [DEVINFO])];
  const old = await device.p1();
  const oldCont = device.contUrl;
  assert.equal(old.cmd.length, 3);
  assert.deepEqual(await states(ids), ["sent", "sent"]);

  // The device restarts its session without answering: same commands, new session URL, second attempt.
  const fresh = await device.p1();
  assert.deepEqual(fresh.cmd.slice(1), old.cmd.slice(1));
  assert.notEqual(device.contUrl, oldCont);
  const again = await Promise.all(ids.map((id) => store.commands.get(id)));
  assert.deepEqual(
    again.map((c) => [c?.state, c?.attempts]),
    [
      ["sent", 2],
      ["sent", 2],
    ],
  );
  // (Sessions created at the same clock tick list in id order, so compare as a set.)
  const sessions = (await store.sessions.list({ deviceId: device.devId })).items.map((s) => s.status);
  assert.deepEqual(sessions.sort(), ["ended", "open", "superseded"]);

  // A late Package#3 to the superseded session is refused and changes nothing.
  const stale = new SimDevice(device.devId, oldCont ?? "");
  const refused = await stale.p3([{ sc: 200 }, { sc: 200 }, { sc: 200 }]);
  assert.equal(refused.status, 409);
  assert.match((refused.body as { detail: string }).detail, /superseded \(a newer Package#1 from the device/);
  assert.deepEqual(await states(ids), ["sent", "sent"]);

  const end = await device.p3([{ sc: 200 }, { sc: 200 }, { sc: 200 }]);
  assert.deepEqual(end.cmd, [["END"]]);
  assert.deepEqual(await states(ids), ["done", "done"]);
});

test("the idle timeout closes the session and requeues its commands (clock driven, swept)", async () => {
  const device = new SimDevice("IMEI:100000000000004", `${base}/dm`);
  await device.p1();
  const id = await queue(device.devId, "GET", [DEVINFO]);
  await device.p1();
  assert.deepEqual(await states([id]), ["sent"]);

  clock.advance(599_000);
  assert.equal((await server.sweep()).expiredSessions, 0, "not yet idle for 600 s");
  clock.advance(2_000);
  const report = await server.sweep();
  assert.ok(report.expiredSessions >= 1);
  assert.ok(report.requeuedCommands >= 1);
  assert.deepEqual(await states([id]), ["queued"]);
  const late = await device.p3([{ sc: 200 }, { sc: 200 }]);
  assert.equal(late.status, 409);
  assert.match((late.body as { detail: string }).detail, /expired/);

  // The next session sends it again and completes it.
  const retry = await device.p1();
  assert.deepEqual(retry.cmd.slice(1), [["GET", DEVINFO]]);
  await device.p3([{ sc: 200 }, { sc: 200 }]);
  assert.deepEqual(await states([id]), ["done"]);
});

test("a Package#3 arriving after the idle timeout but before any sweep is refused and requeues", async () => {
  const device = new SimDevice("IMEI:100000000000005", `${base}/dm`);
  await device.p1();
  const id = await queue(device.devId, "GET", [DEVINFO]);
  await device.p1();
  clock.advance(600_001);
  const late = await device.p3([{ sc: 200 }, { sc: 200 }]);
  assert.equal(late.status, 409);
  assert.match((late.body as { detail: string }).detail, /expired after 600 s/);
  assert.deepEqual(await states([id]), ["queued"]);
  const statuses = (await store.sessions.list({ deviceId: device.devId })).items.map((s) => s.status);
  assert.deepEqual(statuses.sort(), ["ended", "expired"]);
});
