// A time-boxed fuzz of every route through a real socket (the whole server from app.ts, SQLite): random methods,
// paths (bad escapes, long and odd segments), headers (media types, encodings, DevIDs, forwarding headers) and
// bodies. Every answer must be below 500, or a 503 with Retry-After; every 4xx/5xx must be
// application/problem+json with type, status, title and detail; the server must still answer afterwards.
// OMADM_FUZZ_SEED replays a run; OMADM_FUZZ_MS sets the budget (default 4 s).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { MT_P1, MT_P2, MT_P3 } from "@omadm/protocol";
import { openSqliteStore } from "../src/store/sqlite.js";
import { openHandles } from "../../../test-support/async-inbox.js";
import { fuzzSeed, prng } from "../../../test-support/fuzz.js";
import { manualClock, p1Body, startServer, tempDir } from "./dm-support.js";

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

const BUDGET_MS = Number(process.env["OMADM_FUZZ_MS"] ?? 4000);
const MAX_REQUESTS = 3000;

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] as const;
const ROUTES = [
  "/dm",
  "/dm/s/{token}",
  "/repo/shared/{path}",
  "/repo/devices/{id}/{path}",
  "/repo/uploads/{id}",
  "/ui/session?uiid={token}",
  "/api/v1/devices",
  "/api/v1/devices/{id}",
  "/api/v1/devices/{id}/commands",
  "/api/v1/devices/{id}/wake",
  "/api/v1/devices/{id}/sessions",
  "/api/v1/commands/{token}",
  "/api/v1/alerts?limit={n}&cursor={token}",
  "/api/v1/notifications",
  "/api/v1/repository/items?scope={id}",
  "/api/v1/repository/shared/{path}",
  "/api/v1/uploads",
  "/api/v1/ui-sessions",
  "/api/v1/tokens",
  "/api/v1/tokens/{token}",
  "/api/openapi.json",
  "/api/docs",
  "/{path}",
];
const MEDIA = [
  MT_P1,
  MT_P3,
  "application/json",
  "application/x-www-form-urlencoded",
  "text/plain",
  "application/vnd.oma.dm.mo+json",
  "multipart/form-data; boundary=x",
  "garbage",
  "",
];
const ENCODINGS = [undefined, undefined, undefined, "gzip", "deflate", "br", "identity", "gzip, gzip", "x"];
const PIECES = ["a", "dev-1", "%", "%zz", "%E0%A4%A", "..", ".", "%2F", "é", "%00", "x".repeat(300), "~", " ", "{}"];
const BODIES = [
  () => p1Body(),
  () => JSON.stringify({ Status: [{ sc: 200 }] }),
  () => JSON.stringify({ id: "dev-1" }),
  () => JSON.stringify({ command: ["GET", "urn:oma:mo:oma-dm-devinfo:1.2//DevID"] }),
  () => "{",
  () => "[]",
  () => "null",
  () => JSON.stringify({ Alert: [{ AlertType: 7 }] }),
  () => "a=1&b=2",
];

interface Attempt {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | undefined;
}

function generator(seed: number): () => Attempt {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const piece = () => (random() < 0.7 ? pick(["a", "dev-1", "x1"]) : pick(PIECES));
  return () => {
    const method = pick(METHODS);
    const url = pick(ROUTES)
      .replace("{token}", piece())
      .replace("{id}", piece())
      .replace("{path}", Array.from({ length: 1 + Math.floor(random() * 3) }, piece).join("/"))
      .replace("{n}", pick(["1", "0", "-1", "abc", "1000000"]));
    const headers: Record<string, string> = {};
    const type = pick(MEDIA);
    if (type !== "") headers["content-type"] = type;
    if (random() < 0.7) headers["accept"] = pick([MT_P2, "*/*", "application/json", "image/png", "a/b;q=x"]);
    if (random() < 0.6) headers["omadm-devid"] = pick(["dev-1", "x".repeat(300), "a,b", "dev-2"]);
    if (random() < 0.2) headers["x-forwarded-for"] = "8.8.8.8";
    if (random() < 0.2) headers["authorization"] = pick(["Bearer nope", "Basic Zm9vOmJhcg==", "Digest x", "x"]);
    const encoding = pick(ENCODINGS);
    let body: string | Uint8Array | undefined =
      method === "GET" || method === "HEAD" ? undefined : random() < 0.9 ? pick(BODIES)() : "";
    if (body !== undefined && encoding !== undefined) {
      headers["content-encoding"] = encoding;
      if (encoding === "gzip" && random() < 0.7) body = gzipSync(body);
    }
    return { method, url, headers, body };
  };
}

test(`fuzz: every route answers below 500 (or 503 + Retry-After) and every error is a problem (${BUDGET_MS} ms)`, async () => {
  const seed = fuzzSeed();
  const dir = tempDir("omadm-edge-fuzz-");
  const clock = manualClock();
  const store = await openSqliteStore({ clock }, { dataDir: join(dir.path, "data") });
  const { server, base } = await startServer(store, clock);
  const next = generator(seed);
  const deadline = performance.now() + BUDGET_MS;
  let count = 0;
  try {
    while (count < MAX_REQUESTS && performance.now() < deadline) {
      const attempt = next();
      count++;
      const where = `seed ${seed}, request ${count}: ${attempt.method} ${attempt.url} ${JSON.stringify(attempt.headers)}`;
      const send = () =>
        fetch(`${base}${attempt.url}`, {
          method: attempt.method,
          headers: attempt.headers,
          ...(attempt.body === undefined ? {} : { body: attempt.body }),
        });
      let res: Response;
      try {
        res = await send();
      } catch (error) {
        // fetch refuses some URLs and header values itself (no cause: never sent).
        if (error instanceof TypeError && error.cause === undefined) continue;
        // A kept-alive connection the server closed as fetch reused it: the request is sent again once.
        try {
          res = await send();
        } catch (again) {
          throw new Error(`${where}: ${String(error)} (${String(again)}, ${JSON.stringify(again)})`, { cause: again });
        }
      }
      const text = await res.text();
      if (res.status >= 500) {
        assert.equal(res.status, 503, `${where}: ${text}`);
        assert.ok(res.headers.get("retry-after") !== null, `${where}: 503 without Retry-After`);
      }
      if (res.status >= 400) {
        assert.equal(res.headers.get("content-type"), "application/problem+json", `${where}: ${res.status} ${text}`);
        if (attempt.method !== "HEAD") {
          const problem = JSON.parse(text) as Record<string, unknown>;
          assert.equal(problem["status"], res.status, where);
          for (const member of ["type", "title", "detail", "code"]) {
            assert.equal(typeof problem[member], "string", `${where}: ${member} in ${text}`);
          }
        }
      }
    }
    // A loaded machine runs few requests in the budget; a handful still proves the loop ran.
    assert.ok(count >= 10, `only ${count} requests ran`);
    const alive = await fetch(`${base}/api/v1/devices`);
    assert.equal(alive.status, 200, "the server still answers");
    await alive.text();
  } finally {
    await server.stop();
    await store.close();
    dir.remove();
  }
});
