// Whole DM sessions over TLS (docs/protocol.md §11.2, §1.4): a server certificate verified against a CA made with the
// openssl CLI (a wrong CA aborts the session before any package is sent), a client certificate the server requires,
// PSK-TLS, and one TLS connection reused for every package of a session.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import type { ServerOptions } from "node:https";
import type { UndiciHttpClientOptions } from "../src/http/undici-http-client.js";
import { runSession } from "../src/session/session-runner.js";
import { AbortCode, OutcomeKind, TriggerKind, type SessionOutcome } from "../src/session/session-types.js";
import {
  expectAborted,
  loopbackHarness,
  makePki,
  opensslSkipReason,
  p2,
  sessionDeps,
  type Pki,
  type ScriptedServer,
} from "./http-fixtures.js";

const harness = loopbackHarness({ expectNoOpenHandles: true });

const skipCerts = opensslSkipReason("certificate session tests");

let pki: Pki;
before(() => {
  if (skipCerts === false) pki = makePki();
});

/** A scripted DM server over TLS: one GET, then END. */
async function dmServer(tls: ServerOptions): Promise<ScriptedServer> {
  return harness.server((req) => (req.n === 1 ? p2(["GET", "urn:oma:mo:x:1.0/a/B"]) : p2(["END"])), tls);
}

async function session(srv: ScriptedServer, transport: UndiciHttpClientOptions): Promise<SessionOutcome> {
  return runSession(sessionDeps(harness.client(transport), srv), { kind: TriggerKind.ClientInitiated });
}

test(
  "a session over https completes when the server certificate chains to the configured CA; one connection",
  { skip: skipCerts },
  async () => {
    const srv = await dmServer({ cert: pki.serverCert, key: pki.serverKey });
    const outcome = await session(srv, { ca: pki.caCert });
    assert.equal(outcome.kind, OutcomeKind.Completed);
    assert.equal(srv.received.length, 2);
    assert.equal(srv.connections, 1, "Package#1 and Package#3 share one TLS connection (§1.4)");
  },
);

test(
  "a server certificate from another CA aborts the session before any package is sent",
  { skip: skipCerts },
  async () => {
    const srv = await dmServer({ cert: pki.serverCert, key: pki.serverKey });
    const reason = expectAborted(await session(srv, { ca: pki.otherCaCert }));
    assert.equal(reason.code, AbortCode.TRANSPORT);
    assert.equal(reason.transportCode, "OMADM_HTTP_TLS");
    assert.equal(srv.received.length, 0);
  },
);

test(
  "a server that requires a client certificate gets the device's; without one the session aborts",
  { skip: skipCerts },
  async () => {
    const srv = await dmServer({
      cert: pki.serverCert,
      key: pki.serverKey,
      ca: pki.caCert,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const outcome = await session(srv, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey });
    assert.equal(outcome.kind, OutcomeKind.Completed);
    assert.deepEqual(
      srv.received.map((r) => r.peerCn),
      ["client", "client"],
    );
    const refused = expectAborted(await session(srv, { ca: pki.caCert }));
    assert.equal(refused.code, AbortCode.TRANSPORT);
    assert.equal(srv.received.length, 2, "no package arrived over the refused connection");
  },
);

test("a session over PSK-TLS completes with the right key and aborts with a wrong one", async () => {
  const key = new Uint8Array(Buffer.from("00112233445566778899aabbccddeeff", "hex"));
  const srv = await dmServer({
    pskCallback: (_socket, identity) => (identity === "IMEI:1" ? Buffer.from(key) : null),
    ciphers: "PSK-AES128-GCM-SHA256:ECDHE-PSK-AES128-CBC-SHA256",
    maxVersion: "TLSv1.2",
  });
  const outcome = await session(srv, { psk: { identity: "IMEI:1", key } });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.equal(srv.received.length, 2);
  const wrong = expectAborted(await session(srv, { psk: { identity: "IMEI:1", key: new Uint8Array(16) } }));
  assert.equal(wrong.transportCode, "OMADM_HTTP_TLS");
  assert.equal(srv.received.length, 2);
});
