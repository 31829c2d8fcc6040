// DevInfo values a device uploads to the Data Repository (HPOST, HPUT, SUB report of JSON MO data, docs/protocol.md §4.2, §4.10, §9.1) reach the device registry, as those read by GET do; other uploads leave it alone. The composed
// server on 127.0.0.1 over a real SQLite store, the device's uploads over real HTTP.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { request } from "undici";
import { HDR_DEVID, MT_MO_JSON } from "@omadm/protocol";
import { openSqliteStore } from "../src/store/sqlite.js";
import { capabilityUrl } from "./capability-support.js";
import { manualClock, startServer, tempDir } from "./dm-support.js";

const DEV = "IMEI:350000000000931";
const DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
const dir = tempDir("omadm-devinfo-upload-");
const clock = manualClock();
const store = await openSqliteStore({ clock }, { dataDir: dir.path });
const { server, base } = await startServer(store, clock);
after(async () => {
  await server.stop();
  await store.close();
  dir.remove();
});

async function upload(method: "POST" | "PUT", path: string, contentType: string, body: unknown): Promise<number> {
  const url = await capabilityUrl(store, `${base}/repo/devices/${encodeURIComponent(DEV)}/${path}`);
  const res = await request(url, {
    method,
    headers: { "content-type": contentType, [HDR_DEVID]: DEV },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  await res.body.dump();
  return res.statusCode;
}

test("DevInfo in an HPOST and an HPUT upload is merged into the device's record; other MO data is not", async () => {
  await store.devices.create({ id: DEV });
  const root = [{ ClientURI: `${DEVINFO}//`, MOData: { DevInfo: { DevID: DEV, Man: "ACME", FwV: "1.0" } } }];
  assert.equal(await upload("POST", "up/devinfo", MT_MO_JSON, root), 201);
  assert.deepEqual((await store.devices.get(DEV))?.devInfo, { DevID: DEV, Man: "ACME", FwV: "1.0" });

  // One leaf, as a SUB change report would carry it: merged over what was known.
  assert.equal(
    await upload("PUT", "sub/fwv", MT_MO_JSON, [{ ClientURI: `${DEVINFO}//FwV`, MOData: { FwV: "1.1" } }]),
    201,
  );
  assert.deepEqual((await store.devices.get(DEV))?.devInfo, { DevID: DEV, Man: "ACME", FwV: "1.1" });

  const other = [{ ClientURI: "urn:oma:mo:oma-fumo:1.0/fw/", MOData: { fw: { PkgName: "x" } } }];
  assert.equal(await upload("POST", "up/fumo", MT_MO_JSON, other), 201);
  assert.equal(await upload("POST", "up/log", "text/plain", "FwV: 9.9"), 415, "text/plain is not an upload type");
  assert.deepEqual((await store.devices.get(DEV))?.devInfo, { DevID: DEV, Man: "ACME", FwV: "1.1" });
});
