// End to end (HTTP Basic and Digest for devices, as configured; docs/protocol.md §11.2): the server
// requires HTTP Digest from devices on the DM endpoint and on the Data Repository; the project's DM Client
// answers each challenge with its DMAcc credentials, in the session and in its repository transfers.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { MT_MO_JSON } from "@omadm/protocol";
import { MOID_DEVINFO, MOID_GATEWAY, startDevice, statusesOf, type E2eDevice } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const DEV_ID = "IMEI:350000000000601";
const GUEST = {
  Hostname: "guest",
  LogLevel: "info",
  Wan: { Mode: "dhcp", Mtu: 1500 },
  Ops: { Reboot: null, Diagnostics: null },
};
const dir = tempDir("omadm-e2e-auth-");
let srv: E2eServer;
let device: E2eDevice;

before(async () => {
  srv = await startE2eServer({ dataDir: join(dir.path, "server"), deviceAuth: ["digest"] });
  await srv.api.createDevice({
    id: DEV_ID,
    http: { type: "digest", username: "hgw-601", password: "s3cret-601" },
  });
  device = await startDevice({
    devId: DEV_ID,
    srvUri: srv.dmUrl,
    stateDir: join(dir.path, "device"),
    httpAuth: { type: "DIGEST", name: "hgw-601", password: "s3cret-601" },
  });
});

after(async () => {
  await device.stop();
  await srv.stop();
  dir.remove();
});

test("with Digest required, sessions and repository transfers (HGET, HPUT, SUB report) authenticate", async () => {
  const first = await device.client.runSession();
  assert.equal(first.kind, "completed", `${JSON.stringify(first)}\n${device.log.join("\n")}`);
  const base = `${srv.server.publicBaseUrl()}/repo/devices/${encodeURIComponent(DEV_ID)}`;
  const item = await srv.api.putContent(
    { path: "gw/guest", deviceId: DEV_ID },
    MT_MO_JSON,
    JSON.stringify([{ ClientURI: `${MOID_GATEWAY}/guest/`, MOData: { guest: GUEST } }]),
  );
  await srv.api.queue(DEV_ID, ["GET", `${MOID_DEVINFO}//FwV`]);
  await srv.api.queue(DEV_ID, ["HGET", item.url]);
  await srv.api.queue(DEV_ID, ["HPUT", `${base}/up/wan`, `${MOID_GATEWAY}/main/Wan`]);
  await srv.api.queue(DEV_ID, ["SUB", `${base}/sub/wan`, `${MOID_GATEWAY}/main/Wan`]);
  const outcome = await device.client.runSession();
  assert.equal(outcome.kind, "completed", `${JSON.stringify(outcome)}\n${device.log.join("\n")}`);
  assert.deepEqual(
    statusesOf(outcome),
    [
      ["CONT", 200],
      ["GET", 200],
      ["HGET", 200],
      ["HPUT", 200],
      ["SUB", 200],
      ["END", 200],
    ],
    device.log.join("\n"),
  );
  assert.ok((await device.client.setValue(`${MOID_GATEWAY}/main/Wan/Mtu`, "1400")).ok);
  await device.client.flushSubscriptions();
  const uploads = await srv.api.uploads(DEV_ID);
  assert.deepEqual(
    uploads.map((u) => [u.method, u.path]),
    [
      ["PUT", "up/wan"],
      ["PUT", "sub/wan"],
    ],
  );
});
