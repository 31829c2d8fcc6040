// The undici HTTP transport against real loopback servers: requests and responses intact, connection reuse, each
// HttpTransportError code (bad URL, refused, connect timeout, response timeout, oversized body, cancel, TLS), and
// TLS per docs/protocol.md §11.2 — server verification with a CA made by the openssl CLI, client certificates,
// TLS version floor, PSK-TLS with pskCallback.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import { HttpErrorCode, HttpTransportError, isHttpTransportError } from "../src/http/http-client.js";
import { PSK_CIPHERS } from "../src/http/undici-http-client.js";
import {
  loopbackHarness,
  makePki,
  opensslSkipReason,
  startScriptedServer,
  type Pki,
  type ScriptedServer,
} from "./http-fixtures.js";

const { client, server, closeLater } = loopbackHarness({ expectNoOpenHandles: true });

async function rejection(promise: Promise<unknown>): Promise<HttpTransportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isHttpTransportError(error), `expected an HttpTransportError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the request to fail");
}

test("request and response travel intact: method, headers, body, status, repeated headers as arrays", async () => {
  const srv = await server((req) => ({
    status: 418,
    headers: { "set-cookie": ["a=1", "b=2"], "x-echo": req.headers["x-test"] ?? "" },
    body: Buffer.concat([Buffer.from(`${req.method} ${req.path} `), req.body]),
  }));
  const http = client({ allowHttp: true });
  const res = await http.request({
    method: "PUT",
    url: srv.url("/repo/x?y=1"),
    headers: { "X-Test": "hello", "Content-Type": "application/octet-stream" },
    body: new Uint8Array([0, 1, 2, 255]),
  });
  assert.equal(res.status, 418);
  assert.deepEqual(res.headers["set-cookie"], ["a=1", "b=2"]);
  assert.equal(res.headers["x-echo"], "hello");
  assert.deepEqual([...res.body], [...Buffer.from("PUT /repo/x?y=1 "), 0, 1, 2, 255]);
});

test("sequential requests to one origin reuse one connection", async () => {
  const srv = await server(() => ({ body: "ok" }));
  const http = client({ allowHttp: true });
  for (let i = 0; i < 5; i++)
    await http.request({ method: "POST", url: srv.url("/dm"), headers: {}, body: new Uint8Array(10) });
  assert.equal(srv.received.length, 5);
  assert.equal(srv.connections, 1);
});

test("a URL that is not usable is BAD_URL and nothing is sent", async () => {
  const srv = await server(() => ({ body: "ok" }));
  const https = client({});
  assert.equal(
    (await rejection(https.request({ method: "GET", url: srv.url("/x"), headers: {} }))).code,
    HttpErrorCode.BAD_URL,
  );
  assert.equal(
    (await rejection(https.request({ method: "GET", url: "ftp://127.0.0.1/x", headers: {} }))).code,
    HttpErrorCode.BAD_URL,
  );
  assert.equal(
    (await rejection(https.request({ method: "GET", url: "not a url", headers: {} }))).code,
    HttpErrorCode.BAD_URL,
  );
  assert.equal(srv.received.length, 0);
});

test("a refused connection is NETWORK", async () => {
  const gone = await startScriptedServer(() => ({}));
  await gone.close();
  const e = await rejection(client({ allowHttp: true }).request({ method: "GET", url: gone.url("/"), headers: {} }));
  assert.equal(e.code, HttpErrorCode.NETWORK);
});

test("a TLS handshake that never finishes is CONNECT_TIMEOUT", async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => sockets.add(s)); // accepts TCP, never speaks TLS
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  closeLater(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        silent.close(() => {
          resolve();
        });
      }),
  );
  const port = (silent.address() as AddressInfo).port;
  const http = client({ connectTimeoutMs: 100 });
  const e = await rejection(
    http.request({ method: "GET", url: `https://127.0.0.1:${port}/`, headers: {}, timeoutMs: 60_000 }),
  );
  assert.equal(e.code, HttpErrorCode.CONNECT_TIMEOUT);
});

test("a server that never answers is RESPONSE_TIMEOUT after the request's timeout", async () => {
  const srv = await server(() => ({ hang: true }));
  const e = await rejection(
    client({ allowHttp: true }).request({ method: "POST", url: srv.url("/dm"), headers: {}, timeoutMs: 100 }),
  );
  assert.equal(e.code, HttpErrorCode.RESPONSE_TIMEOUT);
});

test("a response body over the limit is BODY_TOO_LARGE", async () => {
  const srv = await server(() => ({ body: "x".repeat(5000) }));
  const e = await rejection(
    client({ allowHttp: true, maxResponseBytes: 1000 }).request({ method: "GET", url: srv.url("/"), headers: {} }),
  );
  assert.equal(e.code, HttpErrorCode.BODY_TOO_LARGE);
});

test("the caller's signal cancels a request in flight: ABORTED", async () => {
  const srv = await server(() => ({ hang: true }));
  const controller = new AbortController();
  const pending = client({ allowHttp: true }).request({
    method: "GET",
    url: srv.url("/"),
    headers: {},
    signal: controller.signal,
  });
  await srv.requests.next();
  controller.abort();
  assert.equal((await rejection(pending)).code, HttpErrorCode.ABORTED);
  const already = client({ allowHttp: true }).request({
    method: "GET",
    url: srv.url("/"),
    headers: {},
    signal: AbortSignal.abort(),
  });
  assert.equal((await rejection(already)).code, HttpErrorCode.ABORTED);
});

// ---- TLS ---------------------------------------------------------------------------------------------------

const skipTls = opensslSkipReason("TLS certificate tests");

let pki: Pki;
before(() => {
  if (skipTls === false) pki = makePki();
});

test(
  "https: the server certificate is verified against the configured CA; wrong or no CA is TLS",
  { skip: skipTls },
  async () => {
    const srv = await server(() => ({ body: "secure" }), { cert: pki.serverCert, key: pki.serverKey });
    const ok = await client({ ca: pki.caCert }).request({ method: "GET", url: srv.url("/"), headers: {} });
    assert.equal(Buffer.from(ok.body).toString(), "secure");
    for (const options of [{ ca: pki.otherCaCert }, {}]) {
      const e = await rejection(client(options).request({ method: "GET", url: srv.url("/"), headers: {} }));
      assert.equal(e.code, HttpErrorCode.TLS, e.message);
    }
    assert.equal(srv.received.length, 1, "no request reached the server over an unverified connection");
  },
);

test(
  "https: a client certificate required by the server; none, or one from another CA, is refused",
  { skip: skipTls },
  async () => {
    const srv = await server(() => ({ body: "hello device" }), {
      cert: pki.serverCert,
      key: pki.serverKey,
      ca: pki.caCert,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const withCert = client({ ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey });
    const res = await withCert.request({ method: "GET", url: srv.url("/"), headers: {} });
    assert.equal(res.status, 200);
    assert.equal(srv.received[0]?.peerCn, "client");
    for (const options of [{ ca: pki.caCert }, { ca: pki.caCert, cert: pki.strangerCert, key: pki.strangerKey }]) {
      const e = await rejection(client(options).request({ method: "GET", url: srv.url("/"), headers: {} }));
      // TLS 1.3 reports the server's refusal after the client finished its handshake: an alert or a reset.
      assert.ok(e.code === HttpErrorCode.TLS || e.code === HttpErrorCode.NETWORK, `${e.code}: ${e.message}`);
    }
    assert.equal(srv.received.length, 1);
  },
);

test("https: a server limited to TLS 1.1 is refused under the TLS 1.2 floor", { skip: skipTls }, async () => {
  const srv = await server(() => ({ body: "old" }), {
    cert: pki.serverCert,
    key: pki.serverKey,
    minVersion: "TLSv1",
    maxVersion: "TLSv1.1",
  });
  const e = await rejection(client({ ca: pki.caCert }).request({ method: "GET", url: srv.url("/"), headers: {} }));
  assert.equal(e.code, HttpErrorCode.TLS, e.message);
  assert.equal(srv.received.length, 0);
});

// ---- PSK-TLS -----------------------------------------------------------------------------------------------

const PSK = new Uint8Array(Buffer.from("6f6d61646d2d7073 6b2d746573742d6b6579".replace(/ /g, ""), "hex"));

function pskServer(ciphers: string[]): Promise<ScriptedServer> {
  return server((req) => ({ body: `psk ok ${req.path}` }), {
    pskCallback: (_socket, identity) => (identity === "IMEI:1" ? Buffer.from(PSK) : null),
    pskIdentityHint: "omadm",
    ciphers: ciphers.join(":"),
    maxVersion: "TLSv1.2",
  });
}

test("PSK-TLS (RFC 4279) with a §11.2 suite over TLS 1.2: the right key connects, a wrong key or identity is TLS", async () => {
  const srv = await pskServer(["PSK-AES128-GCM-SHA256", "PSK-AES128-CBC-SHA256"]);
  const ok = await client({ psk: { identity: "IMEI:1", key: PSK } }).request({
    method: "GET",
    url: srv.url("/x"),
    headers: {},
  });
  assert.equal(Buffer.from(ok.body).toString(), "psk ok /x");
  for (const psk of [
    { identity: "IMEI:1", key: new Uint8Array(16) },
    { identity: "IMEI:2", key: PSK },
  ]) {
    const e = await rejection(client({ psk }).request({ method: "GET", url: srv.url("/x"), headers: {} }));
    assert.equal(e.code, HttpErrorCode.TLS, e.message);
  }
});

test("PSK-TLS: every §11.2 PSK suite this OpenSSL offers without a server certificate is usable", async () => {
  // RSA-PSK and DHE-PSK need a server certificate or DH parameters; the pure and ECDHE PSK suites do not.
  for (const suite of PSK_CIPHERS.filter((s) => s.startsWith("PSK-") || s.startsWith("ECDHE-"))) {
    const srv = await pskServer([suite]);
    const res = await client({ psk: { identity: "IMEI:1", key: PSK } }).request({
      method: "GET",
      url: srv.url("/"),
      headers: {},
    });
    assert.equal(res.status, 200, suite);
  }
});
