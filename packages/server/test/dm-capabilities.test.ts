// Capability URLs end to end over real loopback HTTP against the composed server with default settings
// (deviceAuth.modes none) on a real SQLite file (docs/repository.md "Capability URLs"): three EXECs on one node,
// each with the server's report URI, are completed by their own reports arriving in reverse order
// (docs/protocol.md §4.4: the client posts the result to the EXEC's ServerURI in a new session); an HPUT's upload
// carries its command and session; writes without the token are refused.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { request } from "undici";
import { AT_CLIENT_INIT, execCompleteAlert, MT_MO_JSON } from "@omadm/protocol";
import type { OmadmServer } from "../src/app.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { manualClock, SimDevice, startServer, tempDir } from "./dm-support.js";

const clock = manualClock();
const dir = tempDir("omadm-dm-cap-");
let store: Store;
let server: OmadmServer;
let base: string;

before(async () => {
  store = await openSqliteStore({ clock }, { dataDir: dir.path });
  ({ server, base } = await startServer(store, clock));
});

after(async () => {
  await server.stop();
  await store.close();
  dir.remove();
});

const REBOOT = "urn:oma:mo:oma-scomo:1.0/dp/pkg1/Operations/Install";

test("three EXECs on one node: reports arriving in reverse order each complete their own command", async () => {
  const device = new SimDevice("IMEI:200000000000001", `${base}/dm`);
  assert.equal((await device.p1([{ AlertType: AT_CLIENT_INIT }])).status, 200);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push(
      (await store.commands.enqueue({ deviceId: device.devId, name: "EXEC", params: [REBOOT, `${base}/dm`] })).command
        .id,
    );
  }
  const p2 = await device.p1([{ AlertType: AT_CLIENT_INIT }]);
  const execs = p2.cmd.filter((c) => c[0] === "EXEC");
  assert.equal(execs.length, 3);
  const reportUris = execs.map((c) => c[2] ?? "");
  assert.equal(new Set(reportUris).size, 3, "one report URI per command");
  for (const uri of reportUris) assert.match(uri, /\/dm\?cap=[\w-]{32}$/);
  const end = await device.p3([{ sc: 200 }, { sc: 202 }, { sc: 202 }, { sc: 202 }]);
  assert.deepEqual(end.cmd, [["END"]]);

  // Reports in reverse order, each with its own final status, each in a new session to its report URI.
  const codes = [200, 500, 404];
  for (const i of [2, 1, 0]) {
    const reporter = new SimDevice(device.devId, reportUris[i] ?? "");
    const answer = await reporter.p1([{ AlertType: AT_CLIENT_INIT }, execCompleteAlert(REBOOT, codes[i] ?? 0)]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
  const commands = await Promise.all(ids.map((id) => store.commands.get(id)));
  assert.deepEqual(
    commands.map((c) => [c?.state, c?.statusCode]),
    [
      ["done", 200],
      ["failed", 500],
      ["failed", 404],
    ],
  );
  const alerts = (await store.alerts.list({ deviceId: device.devId })).items.filter((a) => a.sourceUri === REBOOT);
  assert.deepEqual(
    alerts.map((a) => a.matchedCommandId),
    [ids[2], ids[1], ids[0]],
    "each report names the command it completed",
  );

  // A report URI repeated (the device retries) completes nothing else; a made-up one is refused.
  const again = new SimDevice(device.devId, reportUris[0] ?? "");
  assert.equal((await again.p1([execCompleteAlert(REBOOT, 200)])).status, 200);
  assert.equal((await store.commands.get(ids[1] ?? ""))?.statusCode, 500, "not taken over by a repeat");
  const forged = new SimDevice(device.devId, `${base}/dm?cap=${"A".repeat(32)}`);
  assert.equal((await forged.p1([execCompleteAlert(REBOOT, 200)])).status, 403);
  const otherDevice = new SimDevice("IMEI:200000000000009", reportUris[1] ?? "");
  assert.equal((await otherDevice.p1([execCompleteAlert(REBOOT, 200)])).status, 403, "another device's report URI");
});

test("an HPUT target carries a capability: the upload is linked to its command and session; anonymous writes are refused", async () => {
  const device = new SimDevice("IMEI:200000000000002", `${base}/dm`);
  assert.equal((await device.p1([{ AlertType: AT_CLIENT_INIT }])).status, 200);
  const target = `${base}/repo/devices/${encodeURIComponent(device.devId)}/cfg/settings.json`;
  const hput = (
    await store.commands.enqueue({ deviceId: device.devId, name: "HPUT", params: [target, "urn:oma:mo:x:1.0//"] })
  ).command;
  const p2 = await device.p1([{ AlertType: AT_CLIENT_INIT }]);
  const sent = p2.cmd.find((c) => c[0] === "HPUT");
  const capUrl = sent?.[1] ?? "";
  assert.ok(capUrl.startsWith(`${target}?cap=`), capUrl);
  const sessionId = String(p2.headers["omadm-session-id"]);

  const put = (url: string) =>
    request(url, {
      method: "PUT",
      headers: { "content-type": MT_MO_JSON, "omadm-devid": device.devId },
      body: JSON.stringify([{ ClientURI: "urn:oma:mo:x:1.0/1/", MOData: { A: "v" } }]),
    });
  const anonymous = await put(target);
  assert.equal(anonymous.statusCode, 403);
  assert.match(String(anonymous.headers["content-type"]), /^application\/problem\+json/);
  await anonymous.body.dump();
  assert.equal((await store.repository.listUploads({ deviceId: device.devId })).items.length, 0);

  const accepted = await put(capUrl);
  assert.equal(accepted.statusCode, 201, await accepted.body.text());
  const [upload] = (await store.repository.listUploads({ deviceId: device.devId })).items;
  assert.ok(upload !== undefined);
  assert.equal(upload.commandId, hput.id);
  assert.equal(upload.sessionId, sessionId);
});
