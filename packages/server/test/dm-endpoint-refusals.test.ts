// Every way the DM endpoint refuses a request (docs/protocol.md §3.1, §3.3, §1.6, §1.3–§1.6, §3): the
// right status, a problem+json body that names the problem, the headers that go with it — and the store exactly
// as it was before (a session in the middle of its exchange is part of the fixture, so P3 refusals are real).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { MT_P1, MT_P2, MT_P3 } from "@omadm/protocol";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import {
  contPath,
  cookiePair,
  dmApp,
  manualClock,
  p1Body,
  p1Headers,
  p3Body,
  p3Headers,
  storeSnapshot,
} from "./dm-support.js";

const DEV = "IMEI:493005100592800";
const OTHER = "IMEI:111111111111111";
const LIMIT = 4096;

let store: Store;
let app: FastifyInstance;
let cont: string;
let cookie: string;
const clock = manualClock();

before(async () => {
  store = createMemoryStore({ clock });
  app = await dmApp(store, clock, { bodyLimitBytes: LIMIT });
  // Fixture: DEV has a live session waiting for the Package#3 of [CONT, GET, EXEC]; OTHER is registered.
  await store.devices.create({ id: DEV });
  await store.devices.create({ id: OTHER });
  await store.commands.enqueue({ deviceId: DEV, name: "GET", params: ["urn:oma:mo:oma-dm-devinfo:1.2//"] });
  await store.commands.enqueue({ deviceId: DEV, name: "EXEC", params: ["urn:oma:mo:oma-fumo:1.0/fw/Update"] });
  const res = await app.inject({ method: "POST", url: "/dm", headers: p1Headers(DEV), payload: p1Body() });
  assert.equal(res.statusCode, 200);
  const p2 = res.json<{ CMD: string[][] }>();
  assert.equal(p2.CMD.length, 3);
  cont = contPath(p2.CMD[0]?.[1] ?? "");
  cookie = cookiePair(res.headers["set-cookie"]);
});

after(async () => {
  await app.close();
});

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  path?: string;
  accept?: string[];
}

/** Sends the request and checks status, problem body, and that nothing in the store changed. */
async function refused(
  request: InjectOptions,
  status: number,
  code: string,
  detail: RegExp,
): Promise<{ res: LightMyRequestResponse; problem: Problem }> {
  const before = await storeSnapshot(store);
  const res = await app.inject(request);
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.headers["content-type"], "application/problem+json");
  const problem = res.json<Problem>();
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.equal(problem.type, `urn:omadm:error:${code}`);
  assert.ok(problem.title.length > 0);
  assert.match(problem.detail, detail);
  assert.deepEqual(await storeSnapshot(store), before, "a refused request must change nothing in the store");
  return { res, problem };
}

const P1 = (headers: Record<string, string>, payload: string | Buffer = p1Body()) => ({
  method: "POST" as const,
  url: "/dm",
  headers,
  payload,
});
const P3 = (headers: Record<string, string>, payload: string | Buffer, url = cont) => ({
  method: "POST" as const,
  url,
  headers: { ...headers, cookie },
  payload,
});

test("415: a Package#1 in another media type, with OMADM-Accept listing what this URL takes", async () => {
  const { res, problem } = await refused(
    P1(p1Headers(DEV, { "content-type": "application/json" })),
    415,
    "OMADM_MEDIA_UNSUPPORTED",
    /unsupported media type "application\/json"/,
  );
  assert.equal(res.headers["omadm-accept"], `${MT_P1}, ${MT_P3}`);
  assert.deepEqual(problem.accept, [MT_P1, MT_P3]);
});

test("415: no Content-Type, or a malformed one", async () => {
  const headers = p1Headers(DEV);
  delete headers["content-type"];
  await refused(P1(headers), 415, "OMADM_MEDIA_UNSUPPORTED", /missing Content-Type/);
  await refused(P1(p1Headers(DEV, { "content-type": "json" })), 415, "OMADM_MEDIA_UNSUPPORTED", /malformed/);
});

test("415: a Package#1 posted to a session URL is named as such", async () => {
  const { res } = await refused(
    P3(p1Headers(DEV), p1Body()),
    415,
    "OMADM_MEDIA_UNSUPPORTED",
    /A Package#1 starts a session at the DM Server URI \(\/dm\)/,
  );
  assert.equal(res.headers["omadm-accept"], MT_P3);
});

test("406: an Accept header that excludes Package#2; 400 for a malformed Accept", async () => {
  const { problem } = await refused(
    P1(p1Headers(DEV, { accept: "application/json" })),
    406,
    "OMADM_MEDIA_NOT_ACCEPTABLE",
    new RegExp(`available: ${MT_P2.replace(/[.+]/g, "\\$&")}`),
  );
  assert.match(problem.detail, /application\/json/);
  await refused(P1(p1Headers(DEV, { accept: `${MT_P2};q=0` })), 406, "OMADM_MEDIA_NOT_ACCEPTABLE", /Not Acceptable/);
  await refused(P1(p1Headers(DEV, { accept: "a/b;q=x" })), 400, "OMADM_MEDIA_RANGE_SYNTAX", /./);
});

test("400: OMADM-DevID missing, empty, repeated with different values, or too long", async () => {
  const headers = p1Headers(DEV);
  delete headers["omadm-devid"];
  await refused(P1(headers), 400, "OMADM_SRV_DM_DEVID_MISSING", /OMADM-DevID header is required.*missing/);
  await refused(P1(p1Headers("  ")), 400, "OMADM_SRV_DM_DEVID_MISSING", /OMADM-DevID.*empty/);
  await refused(
    {
      method: "POST",
      url: "/dm",
      headers: { "content-type": MT_P1, "omadm-devid": [DEV, OTHER] },
      payload: p1Body(),
    },
    400,
    "OMADM_SRV_INVALID_INPUT",
    /2 different OMADM-DevID headers/,
  );
  await refused(P1(p1Headers("x".repeat(300))), 400, "OMADM_SRV_INVALID_INPUT", /longer than 256 characters/);
  // A Package#3 needs it just the same.
  const p3 = p3Headers(DEV);
  delete p3["omadm-devid"];
  await refused(P3(p3, p3Body([{ sc: 200 }, { sc: 200 }, { sc: 202 }])), 400, "OMADM_SRV_DM_DEVID_MISSING", /./);
});

test("413: a body over the limit, as a problem body", async () => {
  const big = JSON.stringify({ Alert: [{ AlertType: "urn:x", DataType: "text/plain", Data: "y".repeat(LIMIT) }] });
  await refused(P1(p1Headers(DEV), big), 413, "OMADM_JSON_TOO_LARGE", new RegExp(`limit of ${LIMIT} bytes`));
  const bigP3 = p3Body([{ sc: 200 }, { sc: 200, URI: ["u".repeat(LIMIT)] }, { sc: 202 }]);
  await refused(P3(p3Headers(DEV), bigP3), 413, "OMADM_JSON_TOO_LARGE", /exceeds/);
});

test("400: malformed JSON, bad UTF-8, too deep, empty — with the ProtocolError's message and path", async () => {
  const { problem } = await refused(P1(p1Headers(DEV), '{"Alert": [}'), 400, "OMADM_JSON_SYNTAX", /invalid JSON/);
  assert.equal(problem.path, "@11");
  await refused(P1(p1Headers(DEV), Buffer.from([0x7b, 0xff, 0x7d])), 400, "OMADM_JSON_ENCODING", /not valid UTF-8/);
  await refused(P1(p1Headers(DEV), "[".repeat(200) + "]".repeat(200)), 400, "OMADM_JSON_TOO_DEEP", /nesting/);
  await refused(P1(p1Headers(DEV), ""), 400, "OMADM_JSON_SYNTAX", /body is empty; a Package#1/);
  await refused(P3(p3Headers(DEV), "nope"), 400, "OMADM_JSON_SYNTAX", /invalid JSON/);
});

test("400: schema violations name the JSON path", async () => {
  const cases: [string, string, RegExp][] = [
    [JSON.stringify({ Alert: [{ Mark: "informational" }] }), "$.Alert[0]", /AlertType/],
    [JSON.stringify({ MOS: {} }), "$.MOS", /./],
    [JSON.stringify({ Alert: [{ AlertType: "urn:x", Data: 1 }] }), "$.Alert[0]", /DataType/],
    [JSON.stringify([1, 2]), "$", /./],
  ];
  for (const [body, path, detail] of cases) {
    const { problem } = await refused(P1(p1Headers(DEV), body), 400, "OMADM_SCHEMA_VIOLATION", detail);
    assert.ok(problem.path?.startsWith(path), `${problem.path ?? "(none)"} should start with ${path}`);
  }
  const { problem } = await refused(
    P3(p3Headers(DEV), JSON.stringify({ Status: [{ sc: "200" }, { sc: 200 }, { sc: 202 }] })),
    400,
    "OMADM_SCHEMA_VIOLATION",
    /./,
  );
  assert.ok(problem.path?.startsWith("$.Status[0]"));
});

test("400: a Package#3 whose status count differs from the previous Package#2 records nothing", async () => {
  // [CONT, GET, EXEC] needs three statuses: CONT's too.
  for (const statuses of [[{ sc: 200 }, { sc: 200 }], [{ sc: 200 }, { sc: 200 }, { sc: 202 }, { sc: 200 }], []]) {
    await refused(
      P3(p3Headers(DEV), p3Body(statuses)),
      400,
      "OMADM_SRV_DM_STATUS_COUNT",
      new RegExp(
        `carries ${statuses.length} status item\\(s\\) but the previous Package#2 had 3 command\\(s\\) \\(CONT, GET, EXEC\\)`,
      ),
    );
  }
  const sent = await store.commands.list({ deviceId: DEV });
  assert.deepEqual(
    sent.items.map((c) => c.state),
    ["sent", "sent"],
  );
});

test("404/409: a Package#3 that belongs to no open session of this device", async () => {
  const ok3 = p3Body([{ sc: 200 }, { sc: 200 }, { sc: 202 }]);
  await refused(
    P3(p3Headers(DEV), ok3, "/dm/s/AAAAAAAAAAAAAAAAAAAAAAAA"),
    404,
    "OMADM_SRV_SESSION_NOT_FOUND",
    /no DM session at this URL/,
  );
  await refused(P3(p3Headers(DEV), ok3, "/dm/s/bad!"), 404, "OMADM_SRV_SESSION_NOT_FOUND", /no DM session/);
  await refused(P3(p3Headers(OTHER), ok3), 409, "OMADM_SRV_SESSION_CONFLICT", /belongs to another device/);
  await refused(
    {
      method: "POST",
      url: cont,
      headers: { ...p3Headers(DEV), cookie: "omadm_session=someoneelse123456" },
      payload: ok3,
    },
    409,
    "OMADM_SRV_SESSION_CONFLICT",
    /cookie belongs to a different DM session/,
  );
  // At the SrvURI, without cookie: correlated by device — OTHER has no session.
  await refused(
    { method: "POST", url: "/dm", headers: p3Headers(OTHER), payload: p3Body([]) },
    404,
    "OMADM_SRV_SESSION_NOT_FOUND",
    /has no open DM session; start one with a Package#1/,
  );
});

test("405: only POST carries packages", async () => {
  for (const url of ["/dm", cont]) {
    const { res } = await refused({ method: "GET", url }, 405, "OMADM_SRV_INVALID_INPUT", /sent with POST/);
    assert.equal(res.headers.allow, "POST");
  }
});

test("403: only pre-provisioned devices are admitted when auto-registration is off", async () => {
  const closed = await dmApp(store, clock, { autoRegister: false });
  try {
    const before = await storeSnapshot(store);
    const res = await closed.inject(P1(p1Headers("IMEI:999999999999999")));
    assert.equal(res.statusCode, 403);
    const problem = res.json<Problem>();
    assert.equal(problem.code, "OMADM_SRV_DM_DEVICE_NOT_ADMITTED");
    assert.match(problem.detail, /"IMEI:999999999999999" is not known to this server/);
    assert.deepEqual(await storeSnapshot(store), before);
  } finally {
    await closed.close();
  }
});

test("403: a disabled device opens no session (its contact time is still recorded)", async () => {
  const id = "IMEI:222222222222222";
  await store.devices.create({ id });
  await store.devices.update(id, { disabled: true });
  const res = await app.inject(P1(p1Headers(id)));
  assert.equal(res.statusCode, 403);
  assert.match(res.json<Problem>().detail, /is disabled/);
  assert.equal((await store.sessions.list({ deviceId: id })).items.length, 0);
  assert.equal((await store.alerts.list({ deviceId: id })).items.length, 0);
  assert.notEqual((await store.devices.get(id))?.lastContactAt, null);
});
