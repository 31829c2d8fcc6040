// The DM endpoint with device authentication on (docs/protocol.md §11.2), using the server's real authenticator:
// a missing or wrong credential is 401 with the challenge, an OMADM-DevID that is not the authenticated
// device is 403, and neither changes the store.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { createDeviceAuthenticator } from "../src/auth/device-authenticator.js";
import { httpCredentials } from "../src/auth/http-credentials.js";
import { AuthMode } from "../src/auth/types.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { HttpAuthType } from "../src/store/types.js";
import { dmApp, manualClock, p1Body, p1Headers, storeSnapshot } from "./dm-support.js";

const DEV = "IMEI:493005100592800";
const OTHER = "IMEI:111111111111111";
const clock = manualClock();
let store: Store;
let app: FastifyInstance;

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

before(async () => {
  store = createMemoryStore({ clock });
  const realm = "omadm";
  await store.devices.create({
    id: DEV,
    http: httpCredentials({ type: HttpAuthType.Basic, username: "dev-a", realm, password: "secret-a" }),
  });
  await store.devices.create({
    id: OTHER,
    http: httpCredentials({ type: HttpAuthType.Basic, username: "dev-b", realm, password: "secret-b" }),
  });
  const authenticator = createDeviceAuthenticator({
    store,
    clock,
    random: (n) => randomBytes(n),
    // inject() has no TLS socket; the test is about the endpoint's handling, not Basic-over-TLS policy.
    options: { modes: [AuthMode.Basic], realm, requireTlsForBasic: false },
  });
  app = await dmApp(store, clock, { authenticator });
});

after(async () => {
  await app.close();
});

test("401 with a Basic challenge when the credentials are missing or wrong; nothing stored", async () => {
  for (const authorization of [undefined, basic("dev-a", "wrong")]) {
    const before = await storeSnapshot(store);
    const headers = p1Headers(DEV, authorization === undefined ? {} : { authorization });
    const res = await app.inject({ method: "POST", url: "/dm", headers, payload: p1Body() });
    assert.equal(res.statusCode, 401, res.body);
    assert.match(String(res.headers["www-authenticate"]), /^Basic realm="omadm"/);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.equal(res.json<{ code: string }>().code, "OMADM_SRV_DM_UNAUTHORIZED");
    assert.deepEqual(await storeSnapshot(store), before);
  }
});

test("403 when OMADM-DevID names another device than the one authenticated", async () => {
  const before = await storeSnapshot(store);
  const res = await app.inject({
    method: "POST",
    url: "/dm",
    headers: p1Headers(OTHER, { authorization: basic("dev-a", "secret-a") }),
    payload: p1Body(),
  });
  assert.equal(res.statusCode, 403, res.body);
  const problem = res.json<{ code: string; detail: string }>();
  assert.ok(["OMADM_SRV_DM_DEVID_MISMATCH", "OMADM_SRV_DM_FORBIDDEN"].includes(problem.code), problem.code);
  assert.match(problem.detail, /IMEI:111111111111111|dev-a|IMEI:493005100592800/);
  assert.deepEqual(await storeSnapshot(store), before);
});

test("the authenticated device with its own OMADM-DevID gets its Package#2", async () => {
  const res = await app.inject({
    method: "POST",
    url: "/dm",
    headers: p1Headers(DEV, { authorization: basic("dev-a", "secret-a") }),
    payload: p1Body(),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { CMD: [["END"]] });
});
