// The composed server over HTTPS with device authentication "mtls" (docs/protocol.md §11.2: X.509 client
// certificates MUST; the server asks for one in the handshake): real certificates from the openssl CLI, a real
// SQLite store, undici clients on 127.0.0.1. Also: TLS 1.1 is refused by default and accepted with the
// `tls.minVersion` switch; the session cookie is `Secure` and every URL the server hands out is https.
import assert from "node:assert/strict";
import { join } from "node:path";
import { connect, type ConnectionOptions } from "node:tls";
import { after, before, test } from "node:test";
import { certificateFingerprint } from "../src/tls/client-certificate.js";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";
import { tempDir } from "./dm-support.js";
import { startTlsServer, TlsDevice, tlsDispatcher, twoConnectionSession, type TlsTestServer } from "./tls-support.js";

const skip = skipWithoutOpenssl();
if (skip !== false) console.log(`# ${skip}`);
const DEV_A = "IMEI:350000000000901";
const DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2//";
const dir = tempDir("omadm-tls-mtls-");
let pki: FilePki;
let srv: TlsTestServer;
const closers: (() => Promise<unknown>)[] = [];

before(async () => {
  if (skip !== false) return;
  pki = await makeFilePki();
  srv = await startTlsServer(pki, join(dir.path, "mtls"), {
    tls: { enabled: true, certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.caFile },
    deviceAuth: { modes: ["mtls"] },
  });
  closers.push(() => srv.stop());
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
  dir.remove();
});

function device(id: string, credentials: { cert: string; key: string } | null): TlsDevice {
  const dispatcher = tlsDispatcher({ ca: pki.ca, ...(credentials ?? {}) });
  closers.push(() => dispatcher.close());
  return new TlsDevice(id, `${srv.base}/dm`, dispatcher);
}

test("mtls: the device presenting its registered certificate runs its session over https", { skip }, async () => {
  assert.match(srv.base, /^https:\/\/127\.0\.0\.1:\d+$/);
  const created = await srv.api("POST", "/devices", {
    id: DEV_A,
    certFingerprint: certificateFingerprint(pki.deviceA.cert),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const queued = await srv.api("POST", `/devices/${encodeURIComponent(DEV_A)}/commands`, { command: ["GET", DEVINFO] });
  assert.equal(queued.status, 201, JSON.stringify(queued.body));
  const commandId = (queued.body as { id: string }).id;

  const dev = device(DEV_A, pki.deviceA);
  const p2 = await dev.p1();
  assert.equal(p2.status, 200, JSON.stringify(p2.body));
  // The session cookie only travels over TLS (RFC 6265 §4.1.2.5), and CONT pins the session to an https URL.
  assert.match(String(p2.headers["set-cookie"]), /; Secure/);
  assert.match(dev.contUrl ?? "", new RegExp(`^${srv.base}/dm/s/`));
  assert.deepEqual(p2.cmd.slice(1), [["GET", DEVINFO]]);
  const data = [{ ClientURI: DEVINFO, MOData: { DevInfo: { DevID: DEV_A, FwV: "2.0" } } }];
  const end = await dev.p3([{ sc: 200 }, { sc: 200, Data: data }]);
  assert.deepEqual(end.cmd, [["END"]]);

  const command = await srv.api("GET", `/commands/${commandId}`);
  assert.equal((command.body as { state: string }).state, "done");
  const stored = await srv.api("GET", `/devices/${encodeURIComponent(DEV_A)}`);
  assert.deepEqual((stored.body as { devInfo: unknown }).devInfo, { DevID: DEV_A, FwV: "2.0" });
});

test("mtls: a certificate from the trusted CA that belongs to no device gets 403 naming it", { skip }, async () => {
  const p2 = await device("IMEI:350000000000902", pki.deviceB).p1();
  assert.equal(p2.status, 403);
  assert.match(JSON.stringify(p2.body), new RegExp(certificateFingerprint(pki.deviceB.cert)));
  assert.equal(await srv.store.devices.get("IMEI:350000000000902"), null, "nothing was registered");
});

test("mtls: a device without a certificate is refused (403, no HTTP challenge could help)", { skip }, async () => {
  const p2 = await device(DEV_A, null).p1();
  assert.equal(p2.status, 403);
  assert.equal(p2.headers["www-authenticate"], undefined);
  assert.match(JSON.stringify(p2.body), /authentication required \(mtls\)/);
});

test("mtls: a device naming another DevID than its certificate's is refused", { skip }, async () => {
  const p2 = await device("IMEI:350000000000999", pki.deviceA).p1();
  assert.equal(p2.status, 403);
  assert.match(JSON.stringify(p2.body), /does not match the authenticated device/);
});

test(
  "mtls: a resumed TLS session still carries the device certificate (P3 on a new connection)",
  { skip },
  async () => {
    const dispatcher = tlsDispatcher({ ca: pki.ca, ...pki.deviceA });
    closers.push(() => dispatcher.close());
    const dev = new TlsDevice(DEV_A, `${srv.base}/dm`, dispatcher, { newConnectionEach: true });
    assert.deepEqual(
      await twoConnectionSession(srv, dev, DEV_A),
      [false, true],
      "the second connection resumed the first one's session",
    );
  },
);

/** A raw TLS 1.1 handshake: the negotiated protocol, or the error. */
function tls11Handshake(port: number): Promise<string | Error> {
  const options: ConnectionOptions = {
    host: "127.0.0.1",
    port,
    ca: pki.ca,
    minVersion: "TLSv1.1",
    maxVersion: "TLSv1.1",
    // OpenSSL 3 only negotiates TLS 1.1 at security level 0.
    ciphers: "ALL:@SECLEVEL=0",
  };
  return new Promise((resolve) => {
    const socket = connect(options, () => {
      const protocol = socket.getProtocol() ?? "";
      socket.end();
      resolve(protocol);
    });
    socket.on("error", resolve);
  });
}

test("TLS 1.1 is refused by default; tls.minVersion TLSv1.1 lets a TLS 1.1 client in", { skip }, async () => {
  const refused = await tls11Handshake(Number(new URL(srv.base).port));
  assert.ok(refused instanceof Error, `TLS 1.1 was accepted: ${String(refused)}`);

  const tls11 = await startTlsServer(pki, join(dir.path, "tls11"), {
    tls: { enabled: true, certFile: pki.server.certFile, keyFile: pki.server.keyFile, minVersion: "TLSv1.1" },
  });
  closers.push(() => tls11.stop());
  assert.equal(await tls11Handshake(Number(new URL(tls11.base).port)), "TLSv1.1");
});
