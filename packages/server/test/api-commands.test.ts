// /api/v1/…/commands over inject(): every operator command form is queued (good) or refused with a problem
// naming the parameter (bad); idempotency via header or body (201 then 200, 409 for a different command);
// results of answered commands; cancel; lists per device and state with cursor pagination.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ServerErrorCode } from "../src/errors.js";
import { apiRig, assertProblem, BAD_COMMANDS, body, C, C2, GOOD_COMMANDS, type ApiRig } from "./api-support.js";

const DEV = "IMEI:493005100592800";
const url = `/api/v1/devices/${encodeURIComponent(DEV)}/commands`;
let rig: ApiRig;

before(async () => {
  rig = await apiRig();
  await rig.store.devices.create({ id: DEV });
});
after(async () => {
  await rig.close();
});

function queue(payload: unknown, headers: Record<string, string> = {}) {
  return rig.app.inject({ method: "POST", url, payload: payload as object, headers });
}

for (const c of GOOD_COMMANDS) {
  test(`POST …/commands queues ${c.title} (array form and named form) with 201 and a Location`, async () => {
    for (const command of [c.array, c.named]) {
      const res = await queue({ command });
      assert.equal(res.statusCode, 201, res.body);
      const cmd = body(res);
      assert.deepEqual(cmd["item"], c.array);
      assert.equal(cmd["name"], c.array[0]);
      assert.deepEqual(cmd["params"], c.array.slice(1));
      assert.equal(cmd["state"], "queued");
      assert.equal(cmd["deviceId"], DEV);
      assert.equal(res.headers.location, `/api/v1/commands/${String(cmd["id"])}`);
      const stored = await rig.store.commands.get(String(cmd["id"]));
      assert.deepEqual([stored?.name, ...(stored?.params ?? [])], c.array);
    }
  });
}

for (const c of BAD_COMMANDS) {
  test(`POST …/commands refuses ${c.title}: 400 COMMAND_INVALID naming the parameter`, async () => {
    const before = (await rig.store.commands.list({ deviceId: DEV, limit: 1000 })).items.length;
    assertProblem(await queue({ command: c.command }), 400, ServerErrorCode.COMMAND_INVALID, c.detail);
    assert.equal((await rig.store.commands.list({ deviceId: DEV, limit: 1000 })).items.length, before);
  });
}

test("END and CONT: 400 COMMAND_RESERVED saying why", async () => {
  assertProblem(await queue({ command: ["END"] }), 400, ServerErrorCode.COMMAND_RESERVED, ["END cannot be queued"]);
  assertProblem(
    await queue({ command: { name: "CONT", serverUri: "https://x.example/c" } }),
    400,
    "OMADM_SRV_COMMAND_RESERVED",
    ["CONT"],
  );
});

test("a body that is not a command: 400 API_VALIDATION_FAILED naming the field", async () => {
  assertProblem(await queue({}), 400, ServerErrorCode.API_VALIDATION_FAILED, ["command"]);
  assertProblem(await queue({ command: [] }), 400, ServerErrorCode.API_VALIDATION_FAILED, ["body/command"]);
  assertProblem(await queue({ command: ["GET", 5] }), 400, ServerErrorCode.API_VALIDATION_FAILED, ["body/command"]);
  assertProblem(await queue({ command: ["GET", C], ttl: 5 }), 400, ServerErrorCode.API_VALIDATION_FAILED, [
    'unknown field "ttl"',
  ]);
});

test("unknown device: 404 DEVICE_NOT_FOUND", async () => {
  const res = await rig.app.inject({
    method: "POST",
    url: "/api/v1/devices/ghost/commands",
    payload: { command: ["GET", C] },
  });
  assertProblem(res, 404, ServerErrorCode.DEVICE_NOT_FOUND, ["ghost"]);
});

test("idempotency key in the header or the body: 201 first, 200 with the same command after, 409 for another", async () => {
  const first = await queue({ command: ["GET", C] }, { "idempotency-key": "op-42" });
  assert.equal(first.statusCode, 201);
  const viaBody = await queue({ command: { name: "GET", clientUri: C }, idempotencyKey: "op-42" });
  assert.equal(viaBody.statusCode, 200, "same key, same command");
  assert.equal(body(viaBody)["id"], body(first)["id"]);
  assert.equal(body(viaBody)["idempotencyKey"], "op-42");
  assertProblem(
    await queue({ command: ["GET", C2] }, { "idempotency-key": "op-42" }),
    409,
    ServerErrorCode.IDEMPOTENCY_CONFLICT,
  );
  assertProblem(
    await queue({ command: ["GET", C], idempotencyKey: "a" }, { "idempotency-key": "b" }),
    400,
    ServerErrorCode.INVALID_INPUT,
    ["differ"],
  );
  const all = await rig.store.commands.list({ deviceId: DEV, limit: 1000 });
  assert.equal(all.items.filter((c) => c.idempotencyKey === "op-42").length, 1);
});

test("expiry: ttlSeconds and expiresAt become the command's expiresAt", async () => {
  const ttl = body(await queue({ command: ["GET", C], ttlSeconds: 60 }));
  assert.equal(ttl["expiresAt"], new Date(rig.clock.now() + 60_000).toISOString());
  const at = new Date(rig.clock.now() + 3_600_000).toISOString();
  assert.equal(body(await queue({ command: ["GET", C], expiresAt: at }))["expiresAt"], at);
  assertProblem(
    await queue({ command: ["GET", C], expiresAt: "2001-01-01T00:00:00Z" }),
    400,
    ServerErrorCode.INVALID_INPUT,
    ["future"],
  );
  assertProblem(
    await queue({ command: ["GET", C], expiresAt: "tomorrow" }),
    400,
    ServerErrorCode.API_VALIDATION_FAILED,
    ["expiresAt"],
  );
});

test("GET /commands/{id} shows the DM status code and the result once the device answered", async () => {
  const dev = "dev-results";
  await rig.store.devices.create({ id: dev });
  const res = await rig.app.inject({
    method: "POST",
    url: `/api/v1/devices/${dev}/commands`,
    payload: { command: ["GET", C] },
  });
  const id = String(body(res)["id"]);
  // What the DM endpoint does in a session: take the command into Package#2, record Package#3's status.
  const { session } = await rig.store.sessions.open({ deviceId: dev, stateName: "test", idleTimeoutMs: 60_000 });
  await rig.store.commands.takeBatch({ deviceId: dev, sessionId: session.id, max: 5, packageNo: 2 });
  await rig.store.commands.recordResults(session.id, [
    { commandId: id, outcome: "done", statusCode: 200, uris: [C], data: { Man: "Acme", Mod: "X1" } },
  ]);
  const got = body(await rig.app.inject({ method: "GET", url: `/api/v1/commands/${id}` }));
  assert.equal(got["state"], "done");
  assert.equal(got["statusCode"], 200);
  assert.deepEqual(got["result"], { uris: [C], data: { Man: "Acme", Mod: "X1" } });
  assert.equal(got["sessionId"], session.id);
  assert.equal(got["attempts"], 1);
  assert.equal(typeof got["completedAt"], "string");
  assertProblem(
    await rig.app.inject({ method: "GET", url: "/api/v1/commands/none" }),
    404,
    ServerErrorCode.COMMAND_NOT_FOUND,
  );
  // A done command cannot be cancelled.
  assertProblem(
    await rig.app.inject({ method: "POST", url: `/api/v1/commands/${id}/cancel` }),
    409,
    ServerErrorCode.COMMAND_ILLEGAL_TRANSITION,
    ["done"],
  );
});

test("POST /commands/{id}/cancel cancels a queued command; twice is 409; unknown is 404", async () => {
  const id = String(body(await queue({ command: ["DELETE", C2] }))["id"]);
  const res = await rig.app.inject({ method: "POST", url: `/api/v1/commands/${id}/cancel` });
  assert.equal(res.statusCode, 200);
  assert.equal(body(res)["state"], "cancelled");
  assertProblem(
    await rig.app.inject({ method: "POST", url: `/api/v1/commands/${id}/cancel` }),
    409,
    "OMADM_SRV_COMMAND_ILLEGAL_TRANSITION",
  );
  assertProblem(
    await rig.app.inject({ method: "POST", url: "/api/v1/commands/nope/cancel" }),
    404,
    "OMADM_SRV_COMMAND_NOT_FOUND",
  );
});

test("lists: per device and state (one or several), across devices, paged with cursor and limit", async () => {
  const dev = "dev-list";
  await rig.store.devices.create({ id: dev });
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const res = await rig.app.inject({
      method: "POST",
      url: `/api/v1/devices/${dev}/commands`,
      payload: { command: ["GET", `urn:oma:mo:acme-sensor:1.0/m${i}/Value`] },
    });
    ids.push(String(body(res)["id"]));
  }
  await rig.app.inject({ method: "POST", url: `/api/v1/commands/${ids[6] ?? ""}/cancel` });
  // Walk the queued ones three at a time.
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = `state=queued&limit=3${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page = body(await rig.app.inject({ method: "GET", url: `/api/v1/devices/${dev}/commands?${q}` }));
    for (const item of page.items ?? []) seen.push(String(item["id"]));
    cursor = page["nextCursor"] as string | null;
    pages++;
  } while (cursor !== null);
  assert.deepEqual(seen, ids.slice(0, 6), "enqueue order, cancelled left out");
  assert.equal(pages, 2);
  const both = body(
    await rig.app.inject({ method: "GET", url: `/api/v1/devices/${dev}/commands?state=queued&state=cancelled` }),
  );
  assert.equal(both.items?.length, 7);
  const desc = body(
    await rig.app.inject({ method: "GET", url: `/api/v1/commands?deviceId=${dev}&order=desc&limit=1` }),
  );
  assert.equal(desc.items?.[0]?.["id"], ids[6]);
  const cancelled = body(
    await rig.app.inject({ method: "GET", url: `/api/v1/commands?state=cancelled&deviceId=${dev}` }),
  );
  assert.deepEqual(
    cancelled.items?.map((c) => c["id"]),
    [ids[6]],
  );
  assertProblem(
    await rig.app.inject({ method: "GET", url: "/api/v1/devices/ghost/commands" }),
    404,
    "OMADM_SRV_DEVICE_NOT_FOUND",
  );
  assertProblem(
    await rig.app.inject({ method: "GET", url: "/api/v1/commands?state=lost" }),
    400,
    "OMADM_SRV_API_VALIDATION_FAILED",
    ["state"],
  );
  assertProblem(
    await rig.app.inject({ method: "GET", url: "/api/v1/commands?cursor=bm9wZQ" }),
    400,
    "OMADM_SRV_BAD_CURSOR",
  );
  assertProblem(
    await rig.app.inject({ method: "GET", url: "/api/v1/commands?limit=1001" }),
    400,
    "OMADM_SRV_API_VALIDATION_FAILED",
    ["limit"],
  );
});
