// TLS-level device authentication with real certificates (made by the openssl CLI in a temp dir) over a real
// https fastify server on 127.0.0.1, and PSK-TLS over a real `tls` server with a real `tls.connect` PSK client
// (docs/protocol.md §11.2: X.509 client certificates MUST, PSK-TLS SHALL; the §11.2 cipher suites).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { connect, createServer, type ConnectionOptions, type TLSSocket } from "node:tls";
import Fastify, { type FastifyInstance } from "fastify";
import { Agent, request } from "undici";
import { createDeviceAuthHook } from "../src/auth/auth-hook.js";
import { certificateFingerprint } from "../src/tls/client-certificate.js";
import { createDeviceAuthenticator, type DeviceAuthenticatorOptions } from "../src/auth/device-authenticator.js";
import { httpCredentials } from "../src/auth/http-credentials.js";
import { PSK_CIPHER_SUITES, tlsServerOptions, X509_CIPHER_SUITES } from "../src/tls/tls-options.js";
import { AuthMode } from "../src/auth/types.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { basicAuthorization, makePki, type Pem, type Pki } from "./auth-support.js";

const REALM = "omadm";
const PSK_A = { identity: "dev-psk-1", keyHex: "00112233445566778899aabbccddeeff" };
const clock = { now: () => 1_700_000_000_000 };
let pki: Pki;
let store: Store;
const closers: (() => Promise<unknown>)[] = [];

before(async () => {
  pki = await makePki();
  store = createMemoryStore({ clock });
  await store.devices.create({ id: "IMEI:psk1", psk: PSK_A });
  await store.devices.create({ id: "IMEI:111", certFingerprint: certificateFingerprint(pki.deviceA.cert) });
  await store.devices.create({
    id: "IMEI:rogue",
    certFingerprint: certificateFingerprint(pki.rogue.cert),
    http: httpCredentials({ type: "basic", username: "rogue", realm: REALM, password: "pw" }),
  });
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await store.close();
  await pki.cleanup();
});

// ---------------------------------------------------------------------------------------------- mTLS

async function httpsServer(options: Partial<DeviceAuthenticatorOptions> = {}): Promise<string> {
  const authenticator = createDeviceAuthenticator({
    store,
    clock,
    random: randomBytes,
    options: { modes: [AuthMode.Mtls, AuthMode.Basic], realm: REALM, ...options },
  });
  const app: FastifyInstance = Fastify({
    https: tlsServerOptions({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true }),
  });
  const auth = createDeviceAuthHook(authenticator);
  app.addHook("onRequest", auth.hook);
  app.get("/dm", (req) => ({ deviceId: auth.deviceIdOf(req), method: auth.deviceOf(req)?.method }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  closers.push(() => app.close());
  const address = app.server.address();
  assert.ok(address !== null && typeof address === "object");
  return `https://127.0.0.1:${address.port}/dm`;
}

async function get(
  url: string,
  client: Pem | null,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { deviceId?: string; method?: string; detail?: string }; challenges: string[] }> {
  const agent = new Agent({
    connect: { ca: pki.ca, ...(client === null ? {} : { cert: client.cert, key: client.key }) },
  });
  try {
    const res = await request(url, { dispatcher: agent, headers });
    const raw = res.headers["www-authenticate"];
    const challenges = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    return { status: res.statusCode, body: (await res.body.json()) as never, challenges };
  } finally {
    await agent.close();
  }
}

test("mTLS: a device certificate pinned in the store authenticates its device", async () => {
  const url = await httpsServer();
  assert.deepEqual((await get(url, pki.deviceA)).body, { deviceId: "IMEI:111", method: "mtls" });
  assert.equal((await get(url, pki.deviceA, { "omadm-devid": "IMEI:111" })).status, 200);
});

test("mTLS: OMADM-DevID naming another device than the certificate's → 403", async () => {
  const url = await httpsServer();
  const r = await get(url, pki.deviceA, { "omadm-devid": "IMEI:222" });
  assert.equal(r.status, 403);
  assert.match(r.body.detail ?? "", /"IMEI:222" does not match the authenticated device "IMEI:111"/);
});

test("mTLS: a CA-signed certificate pinned to no device → 403 naming its fingerprint", async () => {
  const url = await httpsServer();
  const r = await get(url, pki.deviceB);
  assert.equal(r.status, 403);
  assert.ok(r.body.detail?.includes(certificateFingerprint(pki.deviceB.cert)), r.body.detail);
});

test("mTLS: a pinned certificate that does not chain to the CA → 403, unless pinning alone is configured", async () => {
  const strict = await httpsServer();
  const r = await get(strict, pki.rogue);
  assert.equal(r.status, 403);
  assert.match(r.body.detail ?? "", /not trusted/);
  const pinningOnly = await httpsServer({ requireTrustedClientCertificate: false });
  assert.deepEqual((await get(pinningOnly, pki.rogue)).body, { deviceId: "IMEI:rogue", method: "mtls" });
});

test("over TLS without a certificate: Basic is offered and accepted (requireTlsForBasic holds)", async () => {
  const url = await httpsServer();
  const none = await get(url, null);
  assert.equal(none.status, 401);
  assert.deepEqual(none.challenges, [`Basic realm="${REALM}", charset="UTF-8"`]);
  const basic = await get(url, null, { authorization: basicAuthorization("rogue", "pw") });
  assert.deepEqual(basic.body, { deviceId: "IMEI:rogue", method: "basic" });
});

test("mTLS only, no certificate → 403 (no HTTP challenge could help)", async () => {
  const url = await httpsServer({ modes: [AuthMode.Mtls] });
  const r = await get(url, null);
  assert.equal(r.status, 403);
  assert.deepEqual(r.challenges, []);
});

// ------------------------------------------------------------------------------------- TLS versions

/** Connects a raw TLS client and reports the negotiated version and suite (or the error). */
function handshake(
  port: number,
  options: ConnectionOptions,
): Promise<{ protocol: string | null; cipher: string } | Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ca: pki.ca, ...options }, () => {
      const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      resolve(result);
    });
    socket.on("error", resolve);
  });
}

async function tlsServer(
  options: ReturnType<typeof tlsServerOptions>,
  onSecure?: (s: TLSSocket) => void,
): Promise<number> {
  const server = createServer(options, (socket) => {
    socket.on("error", () => undefined);
    if (onSecure === undefined) socket.end();
    else onSecure(socket);
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

test("TLS 1.2 with an ECDSA server key negotiates the first §11.2 X.509 suite; TLS 1.1 is refused by default", async () => {
  const port = await tlsServer(tlsServerOptions({ cert: pki.server.cert, key: pki.server.key }));
  const tls12 = await handshake(port, { maxVersion: "TLSv1.2" });
  assert.deepEqual(tls12, { protocol: "TLSv1.2", cipher: X509_CIPHER_SUITES[0] });
  const tls11 = await handshake(port, { minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "ALL:@SECLEVEL=0" });
  assert.ok(tls11 instanceof Error, "TLS 1.1 handshake refused");
});

test("the TLS 1.1 switch lets a TLS 1.1 client in", async () => {
  const port = await tlsServer(tlsServerOptions({ cert: pki.server.cert, key: pki.server.key, minVersion: "TLSv1.1" }));
  const tls11 = await handshake(port, { minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "ALL:@SECLEVEL=0" });
  assert.ok(!(tls11 instanceof Error), tls11 instanceof Error ? tls11.message : "");
  assert.equal(tls11.protocol, "TLSv1.1");
});

test("tlsServerOptions refuses unusable combinations by name", () => {
  assert.throws(() => tlsServerOptions({ cert: pki.server.cert }), /cert and key/);
  assert.throws(() => tlsServerOptions({}), /certificate and key, or PSK/);
  assert.throws(() => tlsServerOptions({ psk: { callback: () => null }, requestCert: true }), /requestCert/);
});

// ------------------------------------------------------------------------------------------- PSK-TLS

interface PskOutcome {
  readonly cipher?: string;
  readonly protocol?: string | null;
  readonly result?: { ok: boolean; deviceId?: string; method?: string; status?: number; message?: string };
  readonly error?: string;
}

/** A PSK-TLS server that authenticates each connection: the client sends its OMADM-DevID as the first line. */
async function pskServer(): Promise<{ port: number; authenticator: ReturnType<typeof createDeviceAuthenticator> }> {
  const authenticator = createDeviceAuthenticator({
    store,
    clock,
    random: randomBytes,
    options: { modes: [AuthMode.Psk], realm: REALM },
  });
  await authenticator.pskKeys?.load();
  const port = await tlsServer(
    tlsServerOptions({ psk: { callback: authenticator.pskCallback, identityHint: "omadm" } }),
    (socket) => {
      socket.once("data", (line: Buffer) => {
        const devId = line.toString("utf8").trim();
        void authenticator
          .authenticate({ headers: devId === "" ? {} : { "omadm-devid": devId }, socket })
          .then((result) => {
            socket.end(JSON.stringify(result));
          });
      });
    },
  );
  return { port, authenticator };
}

function pskClient(port: number, identity: string, keyHex: string, devId: string): Promise<PskOutcome> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ciphers: PSK_CIPHER_SUITES.join(":"),
      maxVersion: "TLSv1.2",
      checkServerIdentity: () => undefined,
      pskCallback: (hint) => {
        assert.equal(hint, "omadm", "the server's identity hint reaches the client");
        return { identity, psk: Buffer.from(keyHex, "hex") };
      },
    });
    let body = "";
    socket.on("secureConnect", () => {
      socket.write(`${devId}\n`);
    });
    socket.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    socket.on("end", () => {
      resolve({ cipher: socket.getCipher().name, protocol: socket.getProtocol(), result: JSON.parse(body) as never });
    });
    socket.on("error", (error: Error) => {
      resolve({ error: error.message });
    });
  });
}

test("PSK-TLS: the identity's key completes the handshake on a §11.2 PSK suite and authenticates the device", async () => {
  const { port } = await pskServer();
  const outcome = await pskClient(port, PSK_A.identity, PSK_A.keyHex, "IMEI:psk1");
  assert.equal(outcome.error, undefined);
  assert.equal(outcome.protocol, "TLSv1.2");
  assert.ok(PSK_CIPHER_SUITES.includes(outcome.cipher ?? ""), `negotiated ${outcome.cipher}`);
  assert.deepEqual(outcome.result, { ok: true, deviceId: "IMEI:psk1", method: "psk" });
  const mismatch = await pskClient(port, PSK_A.identity, PSK_A.keyHex, "IMEI:111");
  assert.equal(mismatch.result?.status, 403, "the DevID must match the PSK identity's device");
  assert.match(mismatch.result.message ?? "", /does not match/);
});

test("PSK-TLS: a wrong key or an unknown identity fails the handshake", async () => {
  const { port } = await pskServer();
  const wrongKey = await pskClient(port, PSK_A.identity, "ffeeddccbbaa99887766554433221100", "IMEI:psk1");
  assert.ok(wrongKey.error !== undefined, "handshake failed");
  const unknown = await pskClient(port, "who-is-this", PSK_A.keyHex, "IMEI:psk1");
  assert.ok(unknown.error !== undefined, "handshake failed");
});

test("PSK-TLS: a key added in the store after load is found after the first miss; a cleared key stops working", async () => {
  const { port, authenticator } = await pskServer();
  const cache = authenticator.pskKeys;
  assert.ok(cache !== null);
  const late = { identity: "dev-psk-late", keyHex: "a1".repeat(16) };
  await store.devices.create({ id: "IMEI:late", psk: late }); // e.g. by another server node
  const first = await pskClient(port, late.identity, late.keyHex, "IMEI:late");
  assert.ok(first.error !== undefined, "unknown to the cache: the first handshake fails");
  // The miss started a store lookup; this joins it (or repeats it) and reports whether the key is now cached.
  assert.equal(await cache.refreshIdentity(late.identity), true, "the store has the identity");
  assert.equal(cache.lookup(late.identity)?.deviceId, "IMEI:late");
  const retry = await pskClient(port, late.identity, late.keyHex, "IMEI:late");
  assert.deepEqual(retry.result, { ok: true, deviceId: "IMEI:late", method: "psk" });

  const cleared = await store.devices.update("IMEI:late", { psk: null });
  cache.deviceChanged(cleared);
  const after = await pskClient(port, late.identity, late.keyHex, "IMEI:late");
  assert.ok(after.error !== undefined, "the cleared key no longer completes a handshake");
});

test("PSK-TLS: a device disabled after its handshake is refused with 403", async () => {
  const key = { identity: "dev-psk-off", keyHex: "b2".repeat(16) };
  await store.devices.create({ id: "IMEI:off", psk: key });
  const { port } = await pskServer();
  await store.devices.update("IMEI:off", { disabled: true });
  const outcome = await pskClient(port, key.identity, key.keyHex, "");
  assert.equal(outcome.result?.status, 403);
  assert.match(outcome.result.message ?? "", /disabled/);
});

test("PSK-TLS under https + the fastify hook: the DM endpoint sees the device", async () => {
  const authenticator = createDeviceAuthenticator({
    store,
    clock,
    random: randomBytes,
    options: { modes: [AuthMode.Psk], realm: REALM },
  });
  await authenticator.pskKeys?.load();
  const app = Fastify({ https: tlsServerOptions({ psk: { callback: authenticator.pskCallback } }) });
  const auth = createDeviceAuthHook(authenticator);
  app.addHook("onRequest", auth.hook);
  app.get("/dm", (req) => ({ deviceId: auth.deviceIdOf(req) }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  closers.push(() => app.close());
  const address = app.server.address();
  assert.ok(address !== null && typeof address === "object");
  const body = await new Promise<string>((resolve, reject) => {
    const options: RequestOptions & ConnectionOptions = {
      host: "127.0.0.1",
      port: address.port,
      path: "/dm",
      ciphers: PSK_CIPHER_SUITES.join(":"),
      maxVersion: "TLSv1.2",
      checkServerIdentity: () => undefined,
      pskCallback: () => ({ identity: PSK_A.identity, psk: Buffer.from(PSK_A.keyHex, "hex") }),
      agent: false,
    };
    const req = httpsRequest(options, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      res.on("end", () => {
        resolve(text);
      });
    });
    req.on("error", reject);
    req.end();
  });
  assert.deepEqual(JSON.parse(body), { deviceId: "IMEI:psk1" });
});
