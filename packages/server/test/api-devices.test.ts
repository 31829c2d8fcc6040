// /api/v1/devices over inject(): pre-provisioning with every kind of credential (stored as the DM endpoint
// needs them, never shown back), reading, filtering and paging, changing, disabling, deleting; every refusal
// is a problem that names the field.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { ServerErrorCode } from "../src/errors.js";
import { apiRig, assertProblem, body, type ApiRig } from "./api-support.js";

let rig: ApiRig;
before(async () => {
  rig = await apiRig({ httpRealm: "dm.example" });
});
after(async () => {
  await rig.close();
});

const post = (payload: unknown) =>
  rig.app.inject({ method: "POST", url: "/api/v1/devices", payload: payload as object });
const get = (path: string) => rig.app.inject({ method: "GET", url: `/api/v1/devices${path}` });
const patch = (id: string, payload: unknown) =>
  rig.app.inject({ method: "PATCH", url: `/api/v1/devices/${encodeURIComponent(id)}`, payload: payload as object });

const FINGERPRINT = "AB:".repeat(31) + "CD";

test("POST /devices pre-provisions a device with credentials; secrets are stored for the endpoint, never shown", async () => {
  const secret = Buffer.from("noti-secret").toString("base64");
  const res = await post({
    id: "IMEI:1",
    labels: { site: "lab", tier: "gold" },
    notification: { secret, authData: Buffer.from("ad").toString("base64") },
    notifyAddress: { udp: { host: "127.0.0.1", port: 9000 }, mqtt: { topic: "omadm/IMEI:1" } },
    http: { type: "digest", username: "dev1", password: "s3cret" },
    certFingerprint: FINGERPRINT,
    psk: { identity: "psk-dev1", key: "A0B1C2" },
  });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.headers.location, "/api/v1/devices/IMEI%3A1");
  const view = body(res);
  assert.equal(view["state"], "provisioned");
  assert.deepEqual(view["labels"], { site: "lab", tier: "gold" });
  assert.deepEqual(view["notification"], { type: 1, secretSet: true });
  assert.deepEqual(view["http"], { type: "digest", username: "dev1", realm: "dm.example" });
  assert.deepEqual(view["psk"], { identity: "psk-dev1" });
  assert.equal(view["certFingerprint"], "ab".repeat(31) + "cd", "normalized: lowercase, no colons");
  for (const leaked of ["s3cret", secret, "a0b1c2", "A0B1C2"]) assert.ok(!res.body.includes(leaked), `no ${leaked}`);

  const stored = await rig.store.devices.get("IMEI:1");
  assert.deepEqual(Buffer.from(stored?.notification?.secret ?? []).toString(), "noti-secret");
  assert.deepEqual(Buffer.from(stored?.notification?.authData ?? []).toString(), "ad");
  const ha1 = (alg: string) => createHash(alg).update("dev1:dm.example:s3cret").digest("hex");
  assert.ok(stored !== null);
  assert.equal(stored.http?.ha1Md5, ha1("md5"), "HA1 = H(user:realm:password), RFC 7616 §3.4.2");
  assert.equal(stored.http.ha1Sha256, ha1("sha256"));
  assert.deepEqual(stored.psk, { identity: "psk-dev1", keyHex: "a0b1c2" });
  assert.deepEqual((await rig.store.devices.findByCredential({ httpUsername: "dev1" }))?.id, "IMEI:1");
});

test("HTTP credentials: precomputed HA1 is accepted; password and HA1 together, or neither, are refused", async () => {
  const ha1Md5 = "0123456789abcdef0123456789ABCDEF";
  const ok = await post({ id: "ha1-dev", http: { type: "basic", username: "ha1", realm: "r", ha1Md5 } });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal((await rig.store.devices.get("ha1-dev"))?.http?.ha1Md5, ha1Md5.toLowerCase());
  assertProblem(
    await post({ id: "both", http: { type: "basic", username: "b", password: "p", ha1Md5 } }),
    400,
    ServerErrorCode.INVALID_INPUT,
    ["password or ha1"],
  );
  assertProblem(await post({ id: "neither", http: { type: "basic", username: "n" } }), 400, "OMADM_SRV_INVALID_INPUT");
  assert.equal(await rig.store.devices.get("both"), null, "a refusal creates nothing");
});

test("POST /devices refusals: duplicate id 409, credential in use 409, malformed fields 400 naming them", async () => {
  await post({ id: "dup", psk: { identity: "shared-id", key: "00" } });
  assertProblem(await post({ id: "dup" }), 409, ServerErrorCode.DEVICE_EXISTS, ["dup"]);
  assertProblem(
    await post({ id: "dup2", psk: { identity: "shared-id", key: "11" } }),
    409,
    ServerErrorCode.CREDENTIAL_CONFLICT,
  );
  assertProblem(await post({ id: "" }), 400, ServerErrorCode.API_VALIDATION_FAILED, ["body/id"]);
  assertProblem(await post({ id: "x", secret: "s" }), 400, "OMADM_SRV_API_VALIDATION_FAILED", [
    'unknown field "secret"',
  ]);
  assertProblem(await post({ id: "x", certFingerprint: "abc" }), 400, "OMADM_SRV_API_VALIDATION_FAILED", [
    "body/certFingerprint",
  ]);
  assertProblem(
    await post({ id: "x", notifyAddress: { udp: { host: "h", port: 70000 } } }),
    400,
    "OMADM_SRV_API_VALIDATION_FAILED",
    ["port"],
  );
  assertProblem(await post({ id: "x", psk: { identity: "i", key: "xyz" } }), 400, "OMADM_SRV_API_VALIDATION_FAILED", [
    "body/psk/key",
  ]);
  const notJson = await rig.app.inject({
    method: "POST",
    url: "/api/v1/devices",
    headers: { "content-type": "application/json" },
    payload: '{"id":',
  });
  assertProblem(notJson, 400, ServerErrorCode.API_BAD_REQUEST, ["JSON"]);
  const wrongType = await rig.app.inject({
    method: "POST",
    url: "/api/v1/devices",
    headers: { "content-type": "text/xml" },
    payload: "<device/>",
  });
  assertProblem(wrongType, 415, ServerErrorCode.API_UNSUPPORTED_MEDIA_TYPE);
  assert.equal(await rig.store.devices.get("x"), null);
});

test("GET /devices/{id}; unknown is 404", async () => {
  await post({ id: "reader" });
  const res = await get("/reader");
  assert.equal(res.statusCode, 200);
  assert.equal(body(res)["id"], "reader");
  assert.equal(body(res)["lastContactAt"], null);
  assertProblem(await get("/nobody"), 404, ServerErrorCode.DEVICE_NOT_FOUND, ["nobody"]);
});

test("GET /devices filters by state and labels and pages by cursor, ordered by id", async () => {
  for (let i = 0; i < 5; i++) await post({ id: `page-${i}`, labels: { fleet: "p", n: String(i % 2) } });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = body(await get(`?label=fleet=p&limit=2${cursor === null ? "" : `&cursor=${cursor}`}`));
    assert.ok((page.items?.length ?? 0) <= 2);
    for (const d of page.items ?? []) seen.push(String(d["id"]));
    cursor = page["nextCursor"] as string | null;
  } while (cursor !== null);
  assert.deepEqual(seen, ["page-0", "page-1", "page-2", "page-3", "page-4"]);
  const odd = body(await get("?label=fleet=p&label=n=1"));
  assert.deepEqual(
    odd.items?.map((d) => d["id"]),
    ["page-1", "page-3"],
  );
  await rig.store.devices.recordContact("page-2", { autoRegister: false });
  const registered = body(await get("?state=registered&label=fleet=p"));
  assert.deepEqual(
    registered.items?.map((d) => d["id"]),
    ["page-2"],
  );
  assertProblem(await get("?label=fleet"), 400, ServerErrorCode.INVALID_INPUT, ["name=value"]);
  assertProblem(await get("?state=lost"), 400, ServerErrorCode.API_VALIDATION_FAILED, ["state"]);
});

test("PATCH /devices/{id} changes labels, disables and enables, sets and clears credentials", async () => {
  await post({ id: "patchy", labels: { a: "1" }, psk: { identity: "patchy-psk", key: "00" } });
  let res = await patch("patchy", { labels: { b: "2" }, disabled: true, notification: { type: 0, secret: "" } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(body(res)["labels"], { b: "2" });
  assert.equal(body(res)["state"], "disabled");
  assert.deepEqual(body(res)["notification"], { type: 0, secretSet: false });
  res = await patch("patchy", { disabled: false, psk: null });
  assert.equal(body(res)["state"], "provisioned", "never contacted: back to provisioned");
  assert.equal(body(res)["psk"], null);
  assert.equal((await rig.store.devices.get("patchy"))?.psk, null);
  assertProblem(await patch("ghost", { labels: {} }), 404, ServerErrorCode.DEVICE_NOT_FOUND);
  assertProblem(await patch("patchy", { state: "registered" }), 400, "OMADM_SRV_API_VALIDATION_FAILED", [
    'unknown field "state"',
  ]);
});

test("DELETE /devices/{id}: 204 with the device's commands gone; again is 404", async () => {
  await post({ id: "doomed" });
  await rig.app.inject({
    method: "POST",
    url: "/api/v1/devices/doomed/commands",
    payload: { command: ["GET", "urn:oma:mo:x:1//"] },
  });
  const res = await rig.app.inject({ method: "DELETE", url: "/api/v1/devices/doomed" });
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, "");
  assert.equal(await rig.store.devices.get("doomed"), null);
  assert.equal((await rig.store.commands.list({ deviceId: "doomed" })).items.length, 0);
  assertProblem(
    await rig.app.inject({ method: "DELETE", url: "/api/v1/devices/doomed" }),
    404,
    "OMADM_SRV_DEVICE_NOT_FOUND",
  );
});

test("a body over the limit is 413 API_PAYLOAD_TOO_LARGE", async () => {
  const small = await apiRig({ bodyLimit: 100 });
  try {
    const res = await small.app.inject({ method: "POST", url: "/api/v1/devices", payload: { id: "x".repeat(200) } });
    assertProblem(res, 413, ServerErrorCode.API_PAYLOAD_TOO_LARGE);
  } finally {
    await small.close();
  }
});
