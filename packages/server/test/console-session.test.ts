// The web console's sign-in (docs/console.md) on the real server over a real socket: an API token exchanged for
// an HttpOnly SameSite=Strict cookie, cookie requests authorized as the token is (revocation included), writes
// refused without the CSRF token and changing nothing, sign-out and expiry, login CSRF refused, token auth
// untouched; the fleet summary; the console's page and assets with their headers.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { test } from "node:test";
import { createOmadmServer } from "../src/app.js";
import { call, cookieOf } from "./console-support.js";
import { loadServerConfig, type ServerConfigInput } from "../src/config.js";
import { CONSOLE_CSP, consoleAssetsPlugin, loadConsoleAssets } from "../src/console/console-assets.js";
import { createApiToken } from "../src/services/api-tokens.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { manualClock } from "./dm-support.js";
import { edgeApp } from "./edge-support.js";

function config(overrides: ServerConfigInput = {}) {
  const loaded = loadServerConfig({
    overrides: { listen: { host: "127.0.0.1", port: 0 }, components: { notifier: false }, ...overrides },
  });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

async function serve(overrides: ServerConfigInput = {}) {
  const clock = manualClock(Date.now());
  const store = createMemoryStore({ clock });
  const server = createOmadmServer({ store, clock }, config(overrides));
  const base = (await server.start()).urls.base;
  return { clock, store, base, stop: () => server.stop() };
}

test("a token signs the console in; cookie reads work, writes need the CSRF token, revocation and sign-out end it", async () => {
  const srv = await serve({ api: { loopbackWithoutToken: false } });
  try {
    const { token, record } = await createApiToken(srv.store, "console");
    const signIn = `${srv.base}/api/console/session`;

    const wrong = await call("POST", signIn, {}, { token: "not-a-token" });
    assert.equal(wrong.status, 401);
    const none = await call("POST", signIn, {}, {});
    assert.equal(none.status, 401, "no token and loopback mode off: refused");
    const foreign = await call("POST", signIn, { origin: "https://evil.example" }, { token });
    assert.deepEqual([foreign.status, foreign.json?.["code"]], [403, "OMADM_SRV_CONSOLE_CSRF_REJECTED"]);

    const ok = await call("POST", signIn, { origin: srv.base }, { token });
    assert.equal(ok.status, 201);
    const setCookie = String(ok.headers["set-cookie"]);
    assert.match(setCookie, /^omadm-console=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    assert.doesNotMatch(setCookie, /Secure/, "no TLS: no Secure attribute");
    assert.equal(ok.json?.["caller"], "token");
    const csrf = String(ok.json["csrfToken"]);
    const cookie = { cookie: cookieOf(ok.headers["set-cookie"]) };

    assert.equal((await call("GET", `${srv.base}/api/v1/devices`)).status, 401, "no credential: refused");
    assert.equal((await call("GET", `${srv.base}/api/v1/devices`, cookie)).status, 200);
    assert.equal((await call("GET", signIn, cookie)).json?.["csrfToken"], csrf);

    const device = { id: "console-dev-1" };
    const noCsrf = await call("POST", `${srv.base}/api/v1/devices`, cookie, device);
    assert.deepEqual([noCsrf.status, noCsrf.json?.["code"]], [403, "OMADM_SRV_CONSOLE_CSRF_REJECTED"]);
    const badCsrf = await call("POST", `${srv.base}/api/v1/devices`, { ...cookie, "x-csrf-token": `${csrf}x` }, device);
    assert.equal(badCsrf.status, 403);
    assert.equal(await srv.store.devices.get(device.id), null, "a refused write changed nothing");
    const made = await call("POST", `${srv.base}/api/v1/devices`, { ...cookie, "x-csrf-token": csrf }, device);
    assert.equal(made.status, 201);

    // An Authorization header wins over the cookie: token auth is unchanged.
    const bearerWrong = await call("GET", `${srv.base}/api/v1/devices`, { ...cookie, authorization: "Bearer nope" });
    assert.equal(bearerWrong.status, 401);
    assert.equal((await call("GET", `${srv.base}/api/v1/devices`, { authorization: `Bearer ${token}` })).status, 200);

    // Revoking the token ends the sign-in at its next request.
    await srv.store.apiTokens.revoke(record.id);
    assert.equal((await call("GET", `${srv.base}/api/v1/devices`, cookie)).status, 401);

    // A second sign-in (new token), then sign-out: it needs the CSRF token; afterwards the cookie is dead.
    const second = await createApiToken(srv.store, "console-2");
    const again = await call("POST", signIn, {}, { token: second.token });
    const cookie2 = { cookie: cookieOf(again.headers["set-cookie"]) };
    const csrf2 = String(again.json?.["csrfToken"]);
    assert.equal((await call("DELETE", signIn, cookie2)).status, 403);
    const out = await call("DELETE", signIn, { ...cookie2, "x-csrf-token": csrf2 });
    assert.equal(out.status, 204);
    assert.match(String(out.headers["set-cookie"]), /^omadm-console=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    assert.equal((await call("GET", `${srv.base}/api/v1/devices`, cookie2)).status, 401);
    assert.equal((await call("GET", signIn, cookie2)).status, 401);
  } finally {
    await srv.stop();
  }
});

test("console sign-ins expire: after the idle timeout, and after the session lifetime however active", async () => {
  const srv = await serve({
    api: { loopbackWithoutToken: false },
    console: { sessionTtlMs: 600_000, idleTimeoutMs: 120_000 },
  });
  try {
    const { token } = await createApiToken(srv.store, "console");
    const signIn = async () => {
      const r = await call("POST", `${srv.base}/api/console/session`, {}, { token });
      return { cookie: cookieOf(r.headers["set-cookie"]) };
    };
    const idle = await signIn();
    srv.clock.advance(119_000);
    assert.equal((await call("GET", `${srv.base}/api/v1/devices`, idle)).status, 200, "activity restarts idle time");
    srv.clock.advance(121_000);
    assert.equal((await call("GET", `${srv.base}/api/v1/devices`, idle)).status, 401, "idle too long");

    const busy = await signIn();
    for (let i = 0; i < 6; i++) {
      srv.clock.advance(100_000);
      const expected = i < 5 ? 200 : 401;
      assert.equal(
        (await call("GET", `${srv.base}/api/v1/devices`, busy)).status,
        expected,
        `after ${(i + 1) * 100} s`,
      );
    }
  } finally {
    await srv.stop();
  }
});

test("from loopback, with loopback mode on, the console signs in without a token", async () => {
  const srv = await serve();
  try {
    const r = await call("POST", `${srv.base}/api/console/session`, {}, {});
    assert.deepEqual([r.status, r.json?.["caller"]], [201, "loopback"]);
    const cookie = { cookie: cookieOf(r.headers["set-cookie"]) };
    const noCsrf = await call("POST", `${srv.base}/api/v1/devices`, cookie, { id: "x" });
    assert.equal(noCsrf.status, 403, "a cookie write still needs the CSRF token");
    const proxied = await call("POST", `${srv.base}/api/console/session`, { "x-forwarded-for": "203.0.113.9" }, {});
    assert.equal(proxied.status, 401, "a request a proxy forwarded is not loopback");
  } finally {
    await srv.stop();
  }
});

test("console.enabled=false: no sign-in route and a cookie means nothing", async () => {
  const srv = await serve({ api: { loopbackWithoutToken: false }, console: { enabled: false } });
  try {
    const { token } = await createApiToken(srv.store, "console");
    assert.equal((await call("POST", `${srv.base}/api/console/session`, {}, { token })).status, 404);
    assert.equal((await call("GET", `${srv.base}/`)).status, 404);
  } finally {
    await srv.stop();
  }
});

test("GET /api/v1/fleet counts devices by state and last contact", async () => {
  const srv = await serve();
  try {
    await srv.store.devices.create({ id: "a" });
    await srv.store.devices.create({ id: "b" });
    const r = await call("GET", `${srv.base}/api/v1/fleet`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json?.["devices"], { total: 2, provisioned: 2, registered: 0, disabled: 0 });
    assert.deepEqual(r.json["lastContact"], { hour: 0, day: 0, week: 0, never: 2 });
    assert.deepEqual([r.json["openSessions"], r.json["queueDepth"], r.json["sessionsStarted"]], [0, 0, 0]);
  } finally {
    await srv.stop();
  }
});

test("the console page and its assets: CSP, caching, gzip, 404 for unknown assets, 503 without a build", async () => {
  const dir = mkdtempSync(join(tmpdir(), "omadm-console-assets-"));
  try {
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>c</title>");
    writeFileSync(join(dir, "app-ABC.js"), "console.log(1)".repeat(100));
    const assets = loadConsoleAssets(pathToFileURL(`${dir}/`));
    const app = edgeApp();
    await app.register(consoleAssetsPlugin, { assets });
    const page = await app.inject({ url: "/", headers: { "accept-encoding": "gzip, br" } });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers["content-security-policy"], CONSOLE_CSP);
    assert.equal(page.headers["cache-control"], "no-cache");
    assert.equal(gunzipSync(page.rawPayload).toString(), "<!doctype html><title>c</title>");
    const js = await app.inject({ url: "/console/assets/app-ABC.js" });
    assert.deepEqual(
      [js.statusCode, js.headers["content-type"], js.headers["cache-control"], js.headers["content-encoding"]],
      [200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", undefined],
    );
    assert.equal((await app.inject({ url: "/console/assets/nope.js" })).statusCode, 404);
    assert.equal((await app.inject({ url: "/console/assets/index.html" })).statusCode, 404);
    await app.close();

    const empty = edgeApp();
    await empty.register(consoleAssetsPlugin, { assets: loadConsoleAssets(pathToFileURL(`${dir}/none/`)) });
    const missing = await empty.inject({ url: "/" });
    assert.equal(missing.statusCode, 503);
    assert.match(missing.body, /npm run build/);
    await empty.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
