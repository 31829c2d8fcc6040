// The composed server with PSK-TLS (RFC 4279; docs/protocol.md §11.2: the DM Server SHALL support PSK-TLS with the
// listed suites, on TLS 1.2): device authentication "psk" over a real SQLite store, real undici PSK clients on
// 127.0.0.1. The key cache is loaded before listening (a device provisioned before start connects at once) and
// kept current by the REST API's device changes (added, re-keyed, deleted: each effective on the next handshake,
// with no failed handshake first).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";
import { tempDir } from "./dm-support.js";
import {
  startTlsServer,
  TlsDevice,
  tlsDispatcher,
  twoConnectionSession,
  type Answer,
  type TlsTestServer,
} from "./tls-support.js";

const skip = skipWithoutOpenssl();
if (skip !== false) console.log(`# ${skip}`);
const EARLY = { id: "IMEI:350000000000911", identity: "psk-early", keyHex: "0123456789abcdef0123456789abcdef" };
const LATE = { id: "IMEI:350000000000912", identity: "psk-late", keyHex: "fedcba9876543210fedcba9876543210" };
const HINT = "omadm-test";
const dir = tempDir("omadm-tls-psk-");
let pki: FilePki;
let srv: TlsTestServer;
const closers: (() => Promise<unknown>)[] = [];
const hints: (string | null)[] = [];

before(async () => {
  if (skip !== false) return;
  pki = await makeFilePki();
  srv = await startTlsServer(
    pki,
    join(dir.path, "psk"),
    {
      // A certificate too, so that the operator's API client (no PSK) can connect; PSK-TLS comes from the mode.
      tls: {
        enabled: true,
        certFile: pki.server.certFile,
        keyFile: pki.server.keyFile,
        pskIdentityHint: HINT,
      },
      deviceAuth: { modes: ["psk"] },
    },
    // Provisioned before the server starts: only `pskKeys.load()` at start can know this key.
    async (store) => {
      await store.devices.create({ id: EARLY.id, psk: { identity: EARLY.identity, keyHex: EARLY.keyHex } });
    },
  );
  closers.push(() => srv.stop());
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
  dir.remove();
});

/** One Package#1 from `devId` over a fresh PSK-TLS connection (a fresh handshake every time). */
async function p1(devId: string, identity: string, keyHex: string): Promise<Answer> {
  const dispatcher = tlsDispatcher({ psk: { identity, keyHex }, onHint: (hint) => hints.push(hint) });
  try {
    return await new TlsDevice(devId, `${srv.base}/dm`, dispatcher).p1();
  } finally {
    await dispatcher.close();
  }
}

test("psk: a device provisioned before start runs a whole session over PSK-TLS", { skip }, async () => {
  const queued = await srv.api("POST", `/devices/${encodeURIComponent(EARLY.id)}/commands`, {
    command: ["DELETE", "urn:oma:mo:oma-fumo:1.0/fw/Old"],
  });
  assert.equal(queued.status, 201, JSON.stringify(queued.body));
  const dispatcher = tlsDispatcher({ psk: EARLY });
  closers.push(() => dispatcher.close());
  const dev = new TlsDevice(EARLY.id, `${srv.base}/dm`, dispatcher);
  const p2 = await dev.p1();
  assert.equal(p2.status, 200, JSON.stringify(p2.body));
  assert.match(String(p2.headers["set-cookie"]), /; Secure/);
  assert.deepEqual(p2.cmd.slice(1), [["DELETE", "urn:oma:mo:oma-fumo:1.0/fw/Old"]]);
  const end = await dev.p3([{ sc: 200 }, { sc: 200 }]);
  assert.deepEqual(end.cmd, [["END"]], JSON.stringify(end.body));
  const command = await srv.api("GET", `/commands/${(queued.body as { id: string }).id}`);
  assert.equal((command.body as { state: string }).state, "done");
});

test(
  "psk: a device's second connection makes a full PSK handshake (no resumption) and is authenticated",
  { skip },
  async () => {
    const dispatcher = tlsDispatcher({ psk: EARLY });
    closers.push(() => dispatcher.close());
    const dev = new TlsDevice(EARLY.id, `${srv.base}/dm`, dispatcher, { newConnectionEach: true });
    assert.deepEqual(
      await twoConnectionSession(srv, dev, EARLY.id),
      [false, false],
      "two connections, neither resumed",
    );
  },
);

test("psk: the server's identity hint reaches the client", { skip }, async () => {
  hints.length = 0;
  assert.equal((await p1(EARLY.id, EARLY.identity, EARLY.keyHex)).status, 200);
  assert.deepEqual(hints, [HINT]);
});

test("psk: a wrong key fails the handshake; nothing reaches the DM endpoint", { skip }, async () => {
  const before = (await srv.store.sessions.list({ deviceId: EARLY.id })).items.length;
  await assert.rejects(p1(EARLY.id, EARLY.identity, "00".repeat(16)));
  await assert.rejects(p1(EARLY.id, "no-such-identity", EARLY.keyHex));
  assert.equal((await srv.store.sessions.list({ deviceId: EARLY.id })).items.length, before);
});

test(
  "psk: a device added, re-keyed and deleted through the REST API is effective on the next handshake",
  { skip },
  async () => {
    const added = await srv.api("POST", "/devices", {
      id: LATE.id,
      psk: { identity: LATE.identity, key: LATE.keyHex },
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    // The first handshake after the API call succeeds: the cache was told, not warmed by a failed attempt.
    assert.equal((await p1(LATE.id, LATE.identity, LATE.keyHex)).status, 200);

    const newKey = "a5".repeat(16);
    const patched = await srv.api("PATCH", `/devices/${encodeURIComponent(LATE.id)}`, {
      psk: { identity: LATE.identity, key: newKey },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await assert.rejects(p1(LATE.id, LATE.identity, LATE.keyHex), "the old key no longer completes a handshake");
    assert.equal((await p1(LATE.id, LATE.identity, newKey)).status, 200);

    const deleted = await srv.api("DELETE", `/devices/${encodeURIComponent(LATE.id)}`);
    assert.equal(deleted.status, 204);
    await assert.rejects(p1(LATE.id, LATE.identity, newKey), "a deleted device's key is gone");
  },
);

test(
  "psk: the operator's API and the device's repository are served over the same TLS listener",
  { skip },
  async () => {
    const list = await srv.api("GET", "/devices");
    assert.equal(list.status, 200);
    const ids = (list.body as { items: { id: string }[] }).items.map((d) => d.id);
    assert.ok(ids.includes(EARLY.id));
  },
);
