// The HTTP edge through real sockets (a whole server from app.ts on 127.0.0.1): framework refusals as problems,
// the DevID rule end to end, Content-Encoding, the alert cap and chunked alert writes on SQLite and PostgreSQL,
// session admission (503 + Retry-After while an admitted session's Package#3 is served; a session ended on another
// node stops counting), the slow-body cut, and
// loopback mode refused to forwarded requests.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { AT_CLIENT_INIT, MT_P1, MT_P2, MT_P3, type GenericAlert } from "@omadm/protocol";
import { ADMISSION_RECHECK_MS } from "../src/app.js";
import { ServerErrorCode } from "../src/errors.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore, SQLITE_FILE_NAME } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { openHandles } from "../../../test-support/async-inbox.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { manualClock, p1Body, startServer, tempDir } from "./dm-support.js";

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

const postgres = await requirePostgres();

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the assertions below say so
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** The shape every 4xx/5xx has, on every route. */
function assertProblem(a: Answer, status: number, code?: string): void {
  assert.equal(a.status, status, a.text);
  assert.equal(a.headers.get("content-type"), "application/problem+json", a.text);
  assert.equal(a.body["status"], status);
  assert.equal(typeof a.body["title"], "string");
  assert.equal(typeof a.body["detail"], "string");
  assert.match(String(a.body["type"]), /^urn:omadm:error:OMADM_/);
  if (code !== undefined) assert.equal(a.body["code"], code, a.text);
}

/** One raw HTTP/1.1 exchange (for requests fetch will not send); resolves with the status line and body. */
function raw(port: number, request: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(request));
    let data = "";
    socket.on("data", (chunk: Buffer) => (data += chunk.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, text: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
  });
}

function p1(devId: string, body: string | Uint8Array, extra: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": MT_P1, accept: MT_P2, "omadm-devid": devId, ...extra },
    body,
  };
}

test("framework refusals are problems: bad escape 400, long parameter 414, big headers 431, unknown routes 404", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const { server, base } = await startServer(store, clock);
  try {
    assertProblem(await call(`${base}/api/v1/devices/%E0%A4%A`), 400);
    assertProblem(await call(`${base}/api/v1/devices/${"x".repeat(4000)}`), 414, ServerErrorCode.HTTP_URI_TOO_LONG);
    assertProblem(await call(`${base}/nowhere`), 404, ServerErrorCode.HTTP_ROUTE_NOT_FOUND);
    assertProblem(await call(`${base}/api/v1/nowhere`), 404, ServerErrorCode.API_ROUTE_NOT_FOUND);
    assertProblem(await call(`${base}/repo/elsewhere`), 404, ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND);
    assertProblem(await call(`${base}/dm`, { method: "GET" }), 405);
    const port = Number(new URL(base).port);
    const big = await raw(port, `GET /api/v1/devices HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    assert.equal(big.status, 431);
    assert.equal((JSON.parse(big.text) as { code: string }).code, ServerErrorCode.HTTP_HEADERS_TOO_LARGE);
    const garbage = await raw(port, "NOT HTTP AT ALL\r\n\r\n");
    assert.equal(garbage.status, 400);
    assert.equal((JSON.parse(garbage.text) as { code: string }).code, ServerErrorCode.HTTP_BAD_REQUEST);
    const badJson = await call(`${base}/api/v1/devices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    assertProblem(badJson, 400, ServerErrorCode.API_BAD_REQUEST);
  } finally {
    await server.stop();
    await store.close();
  }
});

test("one DevID rule: a 256-character id registers and every device route takes it; 257 is refused at registration", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const { server, base } = await startServer(store, clock);
  try {
    const id = `IMEI:${"é".repeat(251)}`;
    assert.equal(id.length, 256);
    const created = await call(`${base}/api/v1/devices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id }),
    });
    assert.equal(created.status, 201, created.text);
    const url = `${base}/api/v1/devices/${encodeURIComponent(id)}`;
    assert.equal((await call(url)).status, 200);
    const queued = await call(`${url}/commands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ command: ["GET", "urn:oma:mo:oma-dm-devinfo:1.2//DevID"] }),
    });
    assert.equal(queued.status, 201, queued.text);
    assert.equal((await call(`${base}/dm`, p1(id, p1Body()))).status, 200, "the DM endpoint takes it too");
    assert.equal((await call(url, { method: "DELETE" })).status, 204);
    const tooLong = await call(`${base}/api/v1/devices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: `${id}x` }),
    });
    assertProblem(tooLong, 400);
    assertProblem(await call(`${base}/dm`, p1(`${id}x`, p1Body())), 400, ServerErrorCode.INVALID_INPUT);
  } finally {
    await server.stop();
    await store.close();
  }
});

test("Content-Encoding: a gzip or deflate Package#1 is decoded; br is 415 naming what is supported", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const { server, base } = await startServer(store, clock);
  try {
    const gz = await call(`${base}/dm`, p1("dev-gz", gzipSync(p1Body()), { "content-encoding": "gzip" }));
    assert.equal(gz.status, 200, gz.text);
    const br = await call(`${base}/dm`, p1("dev-br", "xx", { "content-encoding": "br" }));
    assertProblem(br, 415, ServerErrorCode.HTTP_UNSUPPORTED_ENCODING);
    assert.match(String(br.body["detail"]), /gzip, deflate or identity/);
    const broken = await call(`${base}/dm`, p1("dev-bad", "not gzip", { "content-encoding": "gzip" }));
    assertProblem(broken, 400);
    assert.equal(await store.devices.get("dev-br"), null, "a refused package changes nothing");
  } finally {
    await server.stop();
    await store.close();
  }
});

const ALERT: GenericAlert = { AlertType: "urn:oma:at:ext:edge-test" };

/** The alert cap (413 naming it) and alert writes in chunks: 7,000 alerts exceed one statement on either store. */
async function alertCap(store: Store): Promise<void> {
  const clock = manualClock();
  const { server, base } = await startServer(store, clock, {
    dm: { maxAlertsPerPackage: 7000, bodyLimitBytes: 4 * 1024 * 1024 },
  });
  try {
    const many = [{ AlertType: AT_CLIENT_INIT }, ...Array.from({ length: 6999 }, () => ALERT)];
    const ok = await call(`${base}/dm`, p1("dev-many", p1Body(many)));
    assert.equal(ok.status, 200, ok.text.slice(0, 300));
    const stored = await store.alerts.list({ deviceId: "dev-many", limit: 1000 });
    assert.equal(stored.items.length, 1000);
    const over = await call(`${base}/dm`, p1("dev-over", p1Body([...many, ALERT])));
    assertProblem(over, 413, ServerErrorCode.DM_TOO_MANY_ALERTS);
    assert.match(String(over.body["detail"]), /7001 .*limit is 7000.*dm\.maxAlertsPerPackage/);
    assert.equal(await store.devices.get("dev-over"), null);
  } finally {
    await server.stop();
  }
}

test("alert cap and chunked alert writes on SQLite", async () => {
  const dir = tempDir("omadm-edge-");
  const clock = manualClock();
  const store = await openSqliteStore({ clock }, { dataDir: join(dir.path, "data") });
  try {
    await alertCap(store);
    // The store holds secrets: its directory and file are private.
    assert.equal(statSync(join(dir.path, "data")).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir.path, "data", SQLITE_FILE_NAME)).mode & 0o777, 0o600);
  } finally {
    await store.close();
    dir.remove();
  }
});

test("alert cap and chunked alert writes on PostgreSQL", skipUnlessAvailable(postgres), async () => {
  const schema = `omadm_edge_${process.pid}_${randomBytes(6).toString("hex")}`;
  const clock = manualClock();
  const url = serviceUrl(postgres);
  const store = await openPostgresStore({ clock }, { connectionString: url, schema, maxConnections: 2 });
  try {
    await alertCap(store);
  } finally {
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
});

test("admission: over dm.maxOpenSessions a new Package#1 is 503 with Retry-After; the open session's Package#3 is served", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  await store.devices.create({ id: "dev-a" });
  await store.commands.enqueue({ deviceId: "dev-a", name: "GET", params: ["urn:oma:mo:oma-dm-devinfo:1.2//DevID"] });
  const { server, base } = await startServer(store, clock, {
    dm: { maxOpenSessions: 1 },
    http: { retryAfterSeconds: 3 },
  });
  try {
    const first = await call(`${base}/dm`, p1("dev-a", p1Body()));
    assert.equal(first.status, 200, first.text);
    const cont = (first.body as { CMD: string[][] }).CMD[0]?.[1] ?? "";
    const shed = await call(`${base}/dm`, p1("dev-b", p1Body()));
    assertProblem(shed, 503, ServerErrorCode.DM_SESSION_LIMIT);
    const retryAfter = Number(shed.headers.get("retry-after"));
    assert.ok(retryAfter >= 3 && retryAfter <= 6, `Retry-After ${retryAfter}: 3 s plus up to 3 s of jitter`);
    const p3 = await call(cont, {
      method: "POST",
      headers: { "content-type": MT_P3, accept: MT_P2, "omadm-devid": "dev-a" },
      body: JSON.stringify({ Status: [{ sc: 200 }, { sc: 404 }] }),
    });
    assert.equal(p3.status, 200, p3.text);
    // The session ended (END): the next device is admitted.
    assert.equal((await call(`${base}/dm`, p1("dev-b", p1Body()))).status, 200);
  } finally {
    await server.stop();
    await store.close();
  }
});

test("admission with two nodes on one store: a session that ended on the other node stops filling this one", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  await store.devices.create({ id: "dev-a" });
  await store.commands.enqueue({ deviceId: "dev-a", name: "GET", params: ["urn:oma:mo:oma-dm-devinfo:1.2//DevID"] });
  const a = await startServer(store, clock, { dm: { maxOpenSessions: 1 } });
  const b = await startServer(store, clock, { dm: { maxOpenSessions: 1 } });
  try {
    const first = await call(`${a.base}/dm`, p1("dev-a", p1Body()));
    assert.equal(first.status, 200, first.text);
    const cont = (first.body as { CMD: string[][] }).CMD[0]?.[1] ?? "";
    // The device's Package#3 goes over another connection, which the balancer gives to node B: B ends it.
    const p3 = await call(cont.replace(a.base, b.base), {
      method: "POST",
      headers: { "content-type": MT_P3, accept: MT_P2, "omadm-devid": "dev-a" },
      body: JSON.stringify({ Status: [{ sc: 200 }, { sc: 200 }] }),
    });
    assert.equal(p3.status, 200, p3.text);
    assert.equal((await store.sessions.findOpen("dev-a"))?.status, undefined, "the session ended on B");
    // A never heard of the end: it still counts dev-a's session, and refuses the next device.
    assertProblem(await call(`${a.base}/dm`, p1("dev-b", p1Body())), 503, ServerErrorCode.DM_SESSION_LIMIT);
    // Once dev-a has been quiet on A for the re-check time, A asks the store and lets the next device in.
    clock.advance(ADMISSION_RECHECK_MS);
    let status = 503;
    for (let i = 0; i < 50 && status === 503; i++) {
      status = (await call(`${a.base}/dm`, p1("dev-b", p1Body()))).status;
      if (status === 503) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(status, 200);
  } finally {
    await a.server.stop();
    await b.server.stop();
    await store.close();
  }
});

test("a trickling body is cut at http.requestTimeoutMs with 408 and the connection closed", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const { server, base } = await startServer(store, clock, {
    http: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 },
  });
  const port = Number(new URL(base).port);
  try {
    const started = performance.now();
    const outcome = await new Promise<{ status: number; ms: number }>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let data = "";
      let timer: NodeJS.Timeout | undefined;
      socket.on("connect", () => {
        socket.write(
          `POST /dm HTTP/1.1\r\nHost: x\r\nContent-Type: ${MT_P1}\r\nAccept: ${MT_P2}\r\nOMADM-DevID: slow\r\n` +
            "Content-Length: 100000\r\n\r\n",
        );
        timer = setInterval(() => socket.write("{"), 100);
      });
      socket.on("data", (chunk: Buffer) => (data += chunk.toString("latin1")));
      socket.on("error", () => undefined);
      socket.on("close", () => {
        clearInterval(timer);
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), ms: performance.now() - started });
      });
      setTimeout(() => {
        reject(new Error("the trickling request was not cut within 8 s"));
      }, 8000).unref();
    });
    assert.equal(outcome.status, 408);
    assert.ok(outcome.ms >= 1400 && outcome.ms < 4000, `cut after ${Math.round(outcome.ms)} ms`);
  } finally {
    await server.stop();
    await store.close();
  }
});

test("loopback mode never applies to a forwarded request, unless api.trustProxy names the proxy", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const plain = await startServer(store, clock);
  try {
    assert.equal((await call(`${plain.base}/api/v1/tokens`)).status, 200, "loopback, no header: local operator");
    for (const header of ["x-forwarded-for", "x-real-ip", "forwarded"]) {
      const value = header === "forwarded" ? "for=8.8.8.8" : "8.8.8.8";
      const r = await call(`${plain.base}/api/v1/tokens`, { headers: { [header]: value } });
      assertProblem(r, 401, ServerErrorCode.API_UNAUTHORIZED);
      assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
  } finally {
    await plain.server.stop();
  }
  const trusting = await startServer(store, clock, { api: { trustProxy: ["127.0.0.1"] } });
  try {
    const local = await call(`${trusting.base}/api/v1/tokens`, { headers: { "x-forwarded-for": "127.0.0.1" } });
    assert.equal(local.status, 200, "a local client through the trusted proxy");
    const remote = await call(`${trusting.base}/api/v1/tokens`, {
      headers: { "x-forwarded-for": "127.0.0.1, 8.8.8.8" },
    });
    assertProblem(remote, 401, ServerErrorCode.API_UNAUTHORIZED);
  } finally {
    await trusting.server.stop();
    await store.close();
  }
});
