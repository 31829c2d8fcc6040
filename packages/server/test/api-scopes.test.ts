// API token scopes and the audit log (docs/operators.md "Scopes", "Audit"): read tokens only read, operator
// tokens also write devices, commands and groups, admin tokens also manage tokens and read the audit; a missing
// scope is a 403 problem naming it; every write by an authenticated caller is recorded with the token's id and
// name (never its secret), the action, the target and the status. Routes without a declaration get the default
// of their method.
import assert from "node:assert/strict";
import { test } from "node:test";
import { requiredScopeOf, scopeAllows } from "../src/api/scopes.js";
import { ServerErrorCode } from "../src/errors.js";
import { createApiToken } from "../src/services/api-tokens.js";
import { ApiScope } from "../src/store/types-content.js";
import { apiRig, assertProblem, body } from "./api-support.js";

const F = ServerErrorCode.API_FORBIDDEN;

test("requiredScopeOf: the declaration wins; else GET/HEAD read, everything else operator", () => {
  assert.equal(requiredScopeOf("GET", undefined), "read");
  assert.equal(requiredScopeOf("HEAD", {}), "read");
  for (const m of ["POST", "PUT", "PATCH", "DELETE"]) assert.equal(requiredScopeOf(m, {}), "operator", m);
  assert.equal(requiredScopeOf("GET", { requiredScope: "admin" }), "admin");
  assert.equal(requiredScopeOf("POST", { requiredScope: "bogus" }), "operator", "an unknown declaration is ignored");
  assert.equal(scopeAllows("admin", "operator"), true);
  assert.equal(scopeAllows("operator", "admin"), false);
  assert.equal(scopeAllows("read", "operator"), false);
});

test("a route without a scope declaration (wake) gets its method's default: a read token is refused", async () => {
  const rig = await apiRig({ loopbackWithoutToken: false });
  try {
    const read = await createApiToken(rig.store, "dash", {}, ApiScope.Read);
    const res = await rig.app.inject({
      method: "POST",
      url: "/api/v1/devices/d1/wake",
      headers: { authorization: `Bearer ${read.token}` },
      payload: {},
    });
    const problem = assertProblem(res, 403, F, ["needs an API token with scope operator", "scope read"]);
    assert.equal(problem["requiredScope"], "operator");
    assert.equal(problem["scope"], "read");
  } finally {
    await rig.close();
  }
});

test("read, operator and admin tokens: each allowed what its scope holds and refused the rest with 403", async () => {
  const rig = await apiRig({ loopbackWithoutToken: false });
  try {
    const tokens = {
      read: (await createApiToken(rig.store, "dash", {}, ApiScope.Read)).token,
      operator: (await createApiToken(rig.store, "robot", {}, ApiScope.Operator)).token,
      admin: (await createApiToken(rig.store, "root", {}, ApiScope.Admin)).token,
    };
    const call = (who: keyof typeof tokens, method: "GET" | "POST" | "DELETE", url: string, payload?: unknown) =>
      rig.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${tokens[who]}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });

    // read: lists, never writes, never tokens or audit.
    assert.equal((await call("read", "GET", "/devices")).statusCode, 200);
    assertProblem(await call("read", "POST", "/devices", { id: "r1" }), 403, F, ["scope operator"]);
    assertProblem(await call("read", "GET", "/tokens"), 403, F, ["scope admin"]);
    assertProblem(await call("read", "GET", "/audit"), 403, F, ["scope admin"]);
    assert.equal(await rig.store.devices.get("r1"), null, "the refused write changed nothing");

    // operator: devices, commands and groups; not tokens, not audit.
    assert.equal((await call("operator", "POST", "/devices", { id: "o1" })).statusCode, 201);
    const queued = await call("operator", "POST", "/devices/o1/commands", { command: ["GET", "urn:oma:mo:x:1.0//"] });
    assert.equal(queued.statusCode, 201, queued.body);
    assertProblem(await call("operator", "POST", "/tokens", { name: "sneaky", scope: "admin" }), 403, F, ["admin"]);
    assertProblem(await call("operator", "DELETE", "/devices/o1/../../tokens/x"), 403, F);
    assertProblem(await call("operator", "GET", "/audit"), 403, F, ["scope admin"]);

    // admin: everything, and the token it creates carries the asked scope.
    const created = await call("admin", "POST", "/tokens", { name: "ci", scope: "operator" });
    assert.equal(created.statusCode, 201);
    assert.equal((body(created)["record"] as Record<string, unknown>)["scope"], "operator");
    assert.equal((await call("admin", "DELETE", "/devices/o1")).statusCode, 204);
    assert.equal((await call("admin", "GET", "/audit")).statusCode, 200);
  } finally {
    await rig.close();
  }
});

test("the audit log records every write with token id and name (no secret), action, target and status", async () => {
  const rig = await apiRig({ loopbackWithoutToken: false });
  try {
    const operator = await createApiToken(rig.store, "robot", {}, ApiScope.Operator);
    const admin = await createApiToken(rig.store, "root", {}, ApiScope.Admin);
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    await rig.app.inject({
      method: "POST",
      url: "/api/v1/devices",
      headers: as(operator.token),
      payload: { id: "d1" },
    });
    await rig.app.inject({ method: "GET", url: "/api/v1/devices/d1", headers: as(operator.token) });
    await rig.app.inject({ method: "DELETE", url: "/api/v1/devices/nope", headers: as(operator.token) });
    await rig.app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: as(operator.token),
      payload: { name: "x" },
    });
    await rig.app.inject({ method: "DELETE", url: "/api/v1/devices/d1", headers: { authorization: "Bearer nope" } });

    const page = await rig.app.inject({ method: "GET", url: "/api/v1/audit?limit=10", headers: as(admin.token) });
    assert.equal(page.statusCode, 200);
    const items = body(page).items ?? [];
    assert.deepEqual(
      items.map((r) => [r["action"], r["target"], r["status"], r["tokenId"], r["tokenName"]]),
      [
        ["POST /api/v1/tokens", {}, 403, operator.record.id, "robot"],
        ["DELETE /api/v1/devices/:deviceId", { deviceId: "nope" }, 404, operator.record.id, "robot"],
        ["POST /api/v1/devices", {}, 201, operator.record.id, "robot"],
      ],
      "newest first; the read and the unauthenticated request are not recorded",
    );
    assert.ok(!page.body.includes(operator.token) && !page.body.includes(admin.token), "no secret in the log");
    assert.match(String(items[0]?.["at"]), /^\d{4}-\d\d-\d\dT/);

    const paged = await rig.app.inject({ method: "GET", url: "/api/v1/audit?limit=2", headers: as(admin.token) });
    const cursor = String(body(paged)["nextCursor"]);
    const rest = await rig.app.inject({
      method: "GET",
      url: `/api/v1/audit?limit=2&cursor=${encodeURIComponent(cursor)}`,
      headers: as(admin.token),
    });
    assert.deepEqual(
      (body(rest).items ?? []).map((r) => r["action"]),
      ["POST /api/v1/devices"],
    );
    const filtered = await rig.app.inject({
      method: "GET",
      url: `/api/v1/audit?action=${encodeURIComponent("DELETE /api/v1/devices/:deviceId")}`,
      headers: as(admin.token),
    });
    assert.equal(body(filtered).items?.length, 1);
  } finally {
    await rig.close();
  }
});
