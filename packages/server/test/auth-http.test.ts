// HTTP Basic (RFC 7617) and Digest (RFC 7616) device authentication through the fastify hook on a real HTTP
// server on 127.0.0.1 (docs/protocol.md §11.2). The Digest client is the test's own (auth-support.ts), computed
// from the RFC, so the server is checked against the RFC and not against itself.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { createDeviceAuthHook } from "../src/auth/auth-hook.js";
import { createDeviceAuthenticator, type DeviceAuthenticatorOptions } from "../src/auth/device-authenticator.js";
import { httpCredentials } from "../src/auth/http-credentials.js";
import { AuthMode } from "../src/auth/types.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { basicAuthorization, digestAuthorization, parseChallenge } from "./auth-support.js";
import { edgeApp } from "./edge-support.js";

const REALM = "omadm@127.0.0.1";
const PATH = "/dm/session?x=1";
let now = 1_700_000_000_000;
const clock = { now: () => now };
const store: Store = createMemoryStore({ clock });
const NONCE_KEY = randomBytes(32);

const servers: FastifyInstance[] = [];

/** A fastify server with the auth hook in front of one route that echoes who the request came from. */
async function serve(options: Partial<DeviceAuthenticatorOptions> = {}): Promise<string> {
  const authenticator = createDeviceAuthenticator({
    store,
    clock,
    random: randomBytes,
    options: {
      modes: [AuthMode.Digest, AuthMode.Basic],
      realm: REALM,
      requireTlsForBasic: false,
      nonceKey: NONCE_KEY,
      ...options,
    },
  });
  const app = edgeApp();
  const auth = createDeviceAuthHook(authenticator);
  app.addHook("onRequest", auth.hook);
  app.all("/dm/session", (req) => ({ deviceId: auth.deviceIdOf(req), method: auth.deviceOf(req)?.method }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  servers.push(app);
  const address = app.server.address();
  assert.ok(address !== null && typeof address === "object");
  return `http://127.0.0.1:${address.port}`;
}

interface Reply {
  readonly status: number;
  readonly challenges: string[];
  readonly body: { deviceId?: string; method?: string; detail?: string; code?: string };
}

async function call(base: string, headers: Record<string, string> = {}, method = "POST", path = PATH): Promise<Reply> {
  const res = await request(`${base}${path}`, { method: method as "POST", headers });
  const raw = res.headers["www-authenticate"];
  const challenges = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return { status: res.statusCode, challenges, body: (await res.body.json()) as Reply["body"] };
}

function digestChallenges(r: Reply): Record<string, string>[] {
  return r.challenges.filter((v) => v.startsWith("Digest ")).map(parseChallenge);
}

/** Gets a challenge for `algorithm` from a 401. */
async function challenge(base: string, algorithm: "SHA-256" | "MD5"): Promise<Record<string, string>> {
  const r = await call(base);
  assert.equal(r.status, 401);
  const found = digestChallenges(r).find((c) => c["algorithm"] === algorithm);
  assert.ok(found, `a ${algorithm} challenge among ${r.challenges.join(" | ")}`);
  return found;
}

let base = "";

before(async () => {
  await store.devices.create({
    id: "IMEI:111",
    http: httpCredentials({ type: "basic", username: "dev111", realm: REALM, password: "s3cret" }),
  });
  await store.devices.create({
    id: "IMEI:222",
    http: httpCredentials({ type: "digest", username: "dev222", realm: REALM, password: "pässwörd ✓" }),
  });
  await store.devices.create({
    id: "IMEI:333",
    http: httpCredentials({ type: "basic", username: "dev333", realm: REALM, password: "pw" }),
  });
  await store.devices.update("IMEI:333", { disabled: true });
  base = await serve();
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await store.close();
});

test("no credentials: 401 with Digest SHA-256, Digest MD5 and Basic challenges, strongest first", async () => {
  const r = await call(base);
  assert.equal(r.status, 401);
  assert.equal(r.body.code, "OMADM_SRV_DM_UNAUTHORIZED");
  assert.match(r.body.detail ?? "", /authentication required/);
  assert.equal(r.challenges.length, 3);
  const [sha, md5, basic] = r.challenges;
  assert.deepEqual(
    [parseChallenge(sha ?? "")["algorithm"], parseChallenge(md5 ?? "")["algorithm"]],
    ["SHA-256", "MD5"],
  );
  assert.equal(parseChallenge(sha ?? "")["qop"], "auth");
  assert.equal(parseChallenge(sha ?? "")["realm"], REALM);
  assert.equal(basic, `Basic realm="${REALM}", charset="UTF-8"`);
});

test("Basic: the right password authenticates the device; OMADM-DevID may name it", async () => {
  const authorization = basicAuthorization("dev111", "s3cret");
  assert.deepEqual((await call(base, { authorization })).body, { deviceId: "IMEI:111", method: "basic" });
  const withDevId = await call(base, { authorization, "omadm-devid": "IMEI:111" });
  assert.equal(withDevId.status, 200);
});

test("Basic: wrong password, unknown user, malformed credentials → 401 with challenges", async () => {
  for (const authorization of [
    basicAuthorization("dev111", "wrong"),
    basicAuthorization("nobody", "s3cret"),
    "Basic !!!not-base64",
    `Basic ${Buffer.from("no-colon").toString("base64")}`,
    "Basic",
  ]) {
    const r = await call(base, { authorization });
    assert.equal(r.status, 401, authorization);
    assert.equal(r.challenges.length, 3, "the client is told how to retry");
    assert.match(r.body.detail ?? "", /Basic|malformed/);
  }
});

test("Basic for a device configured for Digest is refused (its password must not travel in clear)", async () => {
  const r = await call(base, { authorization: basicAuthorization("dev222", "pässwörd ✓") });
  assert.equal(r.status, 401);
});

test("authenticated as one device, OMADM-DevID naming another → 403", async () => {
  const r = await call(base, { authorization: basicAuthorization("dev111", "s3cret"), "omadm-devid": "IMEI:222" });
  assert.equal(r.status, 403);
  assert.equal(r.body.code, "OMADM_SRV_DM_FORBIDDEN");
  assert.match(r.body.detail ?? "", /"IMEI:222".*"IMEI:111"/);
  assert.deepEqual(r.challenges, [], "no challenge: other credentials would not help");
});

test("a disabled device is refused with 403 even with the right password", async () => {
  const r = await call(base, { authorization: basicAuthorization("dev333", "pw") });
  assert.equal(r.status, 403);
  assert.match(r.body.detail ?? "", /disabled/);
});

for (const algorithm of ["SHA-256", "MD5"] as const) {
  test(`Digest ${algorithm}: full handshake with a UTF-8 password`, async () => {
    const c = await challenge(base, algorithm);
    const authorization = digestAuthorization(c, {
      username: "dev222",
      password: "pässwörd ✓",
      method: "POST",
      uri: PATH,
      nc: 1,
    });
    const r = await call(base, { authorization, "omadm-devid": "IMEI:222" });
    assert.equal(r.status, 200, r.body.detail);
    assert.deepEqual(r.body, { deviceId: "IMEI:222", method: "digest" });
  });
}

test("Digest: a device configured for Basic may use Digest too (it is stronger)", async () => {
  const c = await challenge(base, "SHA-256");
  const authorization = digestAuthorization(c, {
    username: "dev111",
    password: "s3cret",
    method: "GET",
    uri: PATH,
    nc: 1,
  });
  assert.equal((await call(base, { authorization }, "GET")).body.deviceId, "IMEI:111");
});

test("Digest: wrong password, other uri, other method, other realm → 401", async () => {
  const c = await challenge(base, "SHA-256");
  const answer = { username: "dev222", password: "pässwörd ✓", method: "POST", uri: PATH, nc: 1 };
  const cases: [string, string, string][] = [
    ["wrong password", digestAuthorization(c, { ...answer, password: "nope" }), /invalid username or password/.source],
    ["other uri", digestAuthorization(c, { ...answer, uri: "/dm/other" }), /uri/.source],
    ["signed for GET", digestAuthorization(c, { ...answer, method: "GET" }), /invalid username or password/.source],
    ["other realm", digestAuthorization({ ...c, realm: "elsewhere" }, answer), /realm/.source],
    ["unknown user", digestAuthorization(c, { ...answer, username: "ghost" }), /invalid username or password/.source],
  ];
  for (const [name, authorization, message] of cases) {
    const r = await call(base, { authorization });
    assert.equal(r.status, 401, name);
    assert.match(r.body.detail ?? "", new RegExp(message), name);
    assert.ok(r.challenges.length > 0, name);
  }
});

test("Digest: an expired nonce gets 401 with stale=true; the client retries with the new nonce", async () => {
  const old = await challenge(base, "SHA-256");
  now += 301_000; // past the default 300 s lifetime
  try {
    const answer = { username: "dev222", password: "pässwörd ✓", method: "POST", uri: PATH, nc: 1 };
    const r = await call(base, { authorization: digestAuthorization(old, answer) });
    assert.equal(r.status, 401);
    assert.match(r.body.detail ?? "", /expired/);
    const fresh = digestChallenges(r).find((c) => c["algorithm"] === "SHA-256");
    assert.equal(fresh?.["stale"], "true");
    assert.notEqual(fresh["nonce"], old["nonce"]);
    const retry = await call(base, { authorization: digestAuthorization(fresh, answer) });
    assert.equal(retry.status, 200, retry.body.detail);
  } finally {
    now -= 301_000;
  }
});

test("Digest: a replayed nc is refused; the next nc with the same nonce is accepted", async () => {
  const c = await challenge(base, "MD5");
  const answer = { username: "dev222", password: "pässwörd ✓", method: "POST", uri: PATH, nc: 1 };
  const authorization = digestAuthorization(c, answer);
  assert.equal((await call(base, { authorization })).status, 200);
  const replay = await call(base, { authorization });
  assert.equal(replay.status, 401);
  assert.match(replay.body.detail ?? "", /nc 00000001 was already used/);
  assert.ok(digestChallenges(replay).every((c) => c["stale"] === "true"));
  const next = await call(base, { authorization: digestAuthorization(c, { ...answer, nc: 2 }) });
  assert.equal(next.status, 200);
});

test("Digest: a nonce verifies on another node with the same key, not on one with another key", async () => {
  const sameKey = await serve();
  const otherKey = await serve({ nonceKey: randomBytes(32) });
  const c = await challenge(base, "SHA-256");
  const answer = { username: "dev222", password: "pässwörd ✓", method: "POST", uri: PATH, nc: 1 };
  assert.equal((await call(sameKey, { authorization: digestAuthorization(c, answer) })).status, 200);
  const r = await call(otherKey, { authorization: digestAuthorization(c, answer) });
  assert.equal(r.status, 401);
  assert.match(r.body.detail ?? "", /not issued here/);
});

test("Digest authenticated as one device, OMADM-DevID naming another → 403", async () => {
  const c = await challenge(base, "SHA-256");
  const authorization = digestAuthorization(c, {
    username: "dev222",
    password: "pässwörd ✓",
    method: "POST",
    uri: PATH,
    nc: 1,
  });
  const r = await call(base, { authorization, "omadm-devid": "IMEI:111" });
  assert.equal(r.status, 403);
});

test("Digest: unsupported qop, algorithm and missing fields are named", async () => {
  const cases: [string, RegExp][] = [
    ['Digest username="dev222", realm="x"', /missing nonce, uri, response, qop, nc, cnonce/],
    [
      'Digest username="a", realm="r", nonce="n", uri="/", response="00", qop=auth-int, nc=00000001, cnonce="c"',
      /qop "auth-int"/,
    ],
    [
      'Digest username="a", realm="r", nonce="n", uri="/", response="00", qop=auth, nc=00000001, cnonce="c", algorithm=SHA-512-256',
      /algorithm "SHA-512-256"/,
    ],
    ['Digest username="a", username="b"', /malformed/],
  ];
  for (const [authorization, message] of cases) {
    const r = await call(base, { authorization });
    assert.equal(r.status, 401);
    assert.match(r.body.detail ?? "", message);
  }
});

test("an unaccepted scheme is answered with the accepted challenges", async () => {
  const r = await call(base, { authorization: "Bearer abc.def" });
  assert.equal(r.status, 401);
  assert.match(r.body.detail ?? "", /"bearer" is not accepted/);
  assert.equal(r.challenges.length, 3);
});

test("requireTlsForBasic on plain HTTP: Basic is not offered, and Basic credentials are refused with 403", async () => {
  const strict = await serve({ requireTlsForBasic: true });
  const none = await call(strict);
  assert.equal(none.status, 401);
  assert.ok(
    none.challenges.every((v) => v.startsWith("Digest ")),
    none.challenges.join(" | "),
  );
  const r = await call(strict, { authorization: basicAuthorization("dev111", "s3cret") });
  assert.equal(r.status, 403);
  assert.match(r.body.detail ?? "", /without TLS/);
});

test('mode "none": the device is who OMADM-DevID says; without it, 401 when Digest is also on', async () => {
  const open = await serve({ modes: [AuthMode.None] });
  assert.deepEqual((await call(open, { "omadm-devid": "IMEI:999" })).body, { deviceId: "IMEI:999", method: "none" });
  const anonymous = await call(open);
  assert.equal(anonymous.status, 403);
  const mixed = await serve({ modes: [AuthMode.None, AuthMode.Digest] });
  const r = await call(mixed);
  assert.equal(r.status, 401);
  assert.equal(r.challenges.length, 2);
});

test("bad options are refused when the authenticator is made", () => {
  const make = (options: Partial<DeviceAuthenticatorOptions>) => () =>
    createDeviceAuthenticator({
      store,
      clock,
      random: randomBytes,
      options: { modes: [AuthMode.Basic], realm: REALM, ...options },
    });
  assert.throws(make({ modes: [] }), /modes is empty/);
  assert.throws(make({ modes: ["kerberos" as AuthMode] }), /unknown authentication mode "kerberos"/);
  assert.throws(make({ nonceKey: new Uint8Array(4) }), /at least 16 bytes/);
});
