// Operator authentication: `Authorization: Bearer <token>` against hashed tokens; missing, malformed, unknown
// and revoked tokens are 401 with a Bearer challenge (RFC 6750 §3); loopback peers pass without a token only
// in loopback mode, and a presented token is checked even then. Over inject() and over a real socket.
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "undici";
import { bearerTokenOf, isLoopbackAddress } from "../src/api/auth.js";
import { ServerErrorCode } from "../src/errors.js";
import { createApiToken } from "../src/services/api-tokens.js";
import { apiRig, assertProblem, body } from "./api-support.js";

const U = ServerErrorCode.API_UNAUTHORIZED;

test("isLoopbackAddress: 127.0.0.0/8, ::1 and IPv4-mapped 127.x only", () => {
  for (const yes of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
    assert.equal(isLoopbackAddress(yes), true, yes);
  for (const no of [undefined, "", "10.0.0.1", "::ffff:10.0.0.1", "::2", "fe80::1", "1.127.0.0"]) {
    assert.equal(isLoopbackAddress(no), false, String(no));
  }
});

test("bearerTokenOf: the token, null without a header, empty for anything but one Bearer token", () => {
  assert.equal(bearerTokenOf(undefined), null);
  assert.equal(bearerTokenOf("Bearer abc"), "abc");
  assert.equal(bearerTokenOf("bearer  abc "), "abc");
  for (const bad of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "abc"]) assert.equal(bearerTokenOf(bad), "", bad);
});

test("without loopback mode every API request needs a live token", async () => {
  const rig = await apiRig({ loopbackWithoutToken: false });
  try {
    const list = (authorization?: string) =>
      rig.app.inject({
        method: "GET",
        url: "/api/v1/devices",
        headers: authorization === undefined ? {} : { authorization },
      });

    let res = await list();
    assertProblem(res, 401, U, ["API token is required"]);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="omadm"');

    res = await list("Basic dXNlcjpwYXNz");
    assertProblem(res, 401, U, ["Bearer"]);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="omadm", error="invalid_token"');

    res = await list(`Bearer ${Buffer.alloc(32, 1).toString("base64url")}`);
    assertProblem(res, 401, U, ["unknown or revoked"]);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="omadm", error="invalid_token"');

    const { token, record } = await createApiToken(rig.store, "ops");
    rig.clock.advance(1000);
    res = await list(`Bearer ${token}`);
    assert.equal(res.statusCode, 200, res.body);
    const stamped = (await rig.store.apiTokens.list()).find((t) => t.id === record.id);
    assert.equal(stamped?.lastUsedAt, rig.clock.now(), "use is recorded");

    // Revoke it through the API with itself; from then on it is refused.
    res = await rig.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${record.id}`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(typeof body(res)["revokedAt"], "string");
    assertProblem(await list(`Bearer ${token}`), 401, U, ["revoked"]);

    // A refused request changes nothing.
    res = await rig.app.inject({ method: "POST", url: "/api/v1/devices", payload: { id: "sneaky" } });
    assertProblem(res, 401, U);
    assert.equal(await rig.store.devices.get("sneaky"), null);

    // The documentation is public: it holds no data.
    assert.equal((await rig.app.inject({ method: "GET", url: "/api/openapi.json" })).statusCode, 200);
    assert.equal((await rig.app.inject({ method: "GET", url: "/api/docs/" })).statusCode, 200);
  } finally {
    await rig.close();
  }
});

test("loopback mode: a loopback peer needs no token, any other peer does, and a presented token is still checked", async () => {
  const rig = await apiRig();
  try {
    const res = await rig.app.inject({ method: "GET", url: "/api/v1/devices" });
    assert.equal(res.statusCode, 200, "inject() comes from 127.0.0.1");
    const remote = await rig.app.inject({ method: "GET", url: "/api/v1/devices", remoteAddress: "203.0.113.5" });
    assertProblem(remote, 401, U);
    const forwarded = await rig.app.inject({
      method: "GET",
      url: "/api/v1/devices",
      remoteAddress: "203.0.113.5",
      headers: { "x-forwarded-for": "127.0.0.1" },
    });
    assertProblem(forwarded, 401, U, []);
    const { token, record } = await createApiToken(rig.store, "remote ops");
    const withToken = await rig.app.inject({
      method: "GET",
      url: "/api/v1/devices",
      remoteAddress: "203.0.113.5",
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(withToken.statusCode, 200);
    await rig.store.apiTokens.revoke(record.id);
    const revoked = await rig.app.inject({
      method: "GET",
      url: "/api/v1/devices",
      headers: { authorization: `Bearer ${token}` },
    });
    assertProblem(revoked, 401, U, ["revoked"]);
  } finally {
    await rig.close();
  }
});

test("over a real socket: the peer address decides loopback mode; tokens work end to end", async () => {
  for (const loopbackWithoutToken of [true, false]) {
    const rig = await apiRig({ loopbackWithoutToken });
    try {
      const base = await rig.app.listen({ port: 0, host: "127.0.0.1" });
      const anonymous = await request(`${base}/api/v1/devices`);
      const text = await anonymous.body.text();
      if (loopbackWithoutToken) {
        assert.equal(anonymous.statusCode, 200, text);
      } else {
        assert.equal(anonymous.statusCode, 401, text);
        assert.equal(anonymous.headers["www-authenticate"], 'Bearer realm="omadm"');
        assert.equal((JSON.parse(text) as { code: string }).code, U);
      }
      const { token } = await createApiToken(rig.store, "socket");
      const authed = await request(`${base}/api/v1/devices`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(authed.statusCode, 200);
      assert.deepEqual(await authed.body.json(), { items: [], nextCursor: null });
    } finally {
      await rig.close();
    }
  }
});

test("token routes: created once with its secret, listed without it, revoked by id; unknown id is 404", async () => {
  const rig = await apiRig();
  try {
    const created = await rig.app.inject({ method: "POST", url: "/api/v1/tokens", payload: { name: "deploy" } });
    assert.equal(created.statusCode, 201);
    const { token, record } = body(created) as { token: string; record: Record<string, unknown> };
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(record["name"], "deploy");
    const list = await rig.app.inject({ method: "GET", url: "/api/v1/tokens" });
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(token), "the secret is never listed");
    assert.deepEqual(
      body(list).items?.map((t) => t["id"]),
      [record["id"]],
    );
    assertProblem(
      await rig.app.inject({ method: "DELETE", url: "/api/v1/tokens/nope" }),
      404,
      ServerErrorCode.API_TOKEN_NOT_FOUND,
    );
    assertProblem(
      await rig.app.inject({ method: "POST", url: "/api/v1/tokens", payload: { name: "" } }),
      400,
      ServerErrorCode.API_VALIDATION_FAILED,
      ["body/name"],
    );
  } finally {
    await rig.close();
  }
});
