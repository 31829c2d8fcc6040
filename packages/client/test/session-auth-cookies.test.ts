// HTTP authentication and cookies within a DM session, over real loopback HTTP (docs/protocol.md §1.4, §1.5, §11.2):
// a 401 is answered once with Basic or Digest credentials, a second 401 aborts; Basic never goes over plain http
// unless allowed; cookies set by the server come back within the session and never in the next one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { runSession, type SessionOptions } from "../src/session/session-runner.js";
import { AbortCode, OutcomeKind, TriggerKind, type SessionOutcome } from "../src/session/session-types.js";
import type { HttpAuthCredentials } from "../src/tree/dmacc.js";
import {
  expectAborted,
  fakeClock,
  loopbackHarness,
  sessionDeps,
  p2,
  recordingExecutor,
  type Exchange,
  type Reply,
  type ScriptedServer,
} from "./http-fixtures.js";

const BASIC: HttpAuthCredentials = { type: "BASIC", name: "dev-1", secret: new TextEncoder().encode("s3cret") };
const DIGEST: HttpAuthCredentials = { type: "DIGEST", name: "dev-1", secret: new TextEncoder().encode("s3cret") };
const BASIC_HEADER = `Basic ${Buffer.from("dev-1:s3cret").toString("base64")}`;

const harness = loopbackHarness({ expectNoOpenHandles: false });
const { server } = harness;

function run(
  srv: ScriptedServer,
  httpAuth: HttpAuthCredentials | undefined,
  options: SessionOptions = {},
  clock = fakeClock(),
): Promise<SessionOutcome> {
  const deps = sessionDeps(harness.http, srv, {
    account: { srvId: "dm.example", srvUri: srv.url("/dm"), ...(httpAuth === undefined ? {} : { httpAuth }) },
    clock,
    // A fixed random source: cnonces are reproducible.
    randomBytes: (n) => new Uint8Array(n).fill(7),
  });
  return runSession(deps, { kind: TriggerKind.ClientInitiated }, { allowHttp: true, ...options });
}

const challenge = (value: string): Reply => ({ status: 401, headers: { "www-authenticate": value } });

test("401 Basic is answered once with the account's credentials; later packages carry them too", async () => {
  const srv = await server((req) => {
    if (req.headers.authorization !== BASIC_HEADER) return challenge('Basic realm="omadm"');
    return req.n === 2 ? p2(["GET", "urn:oma:mo:x:1.0/a/B"]) : p2(["END"]);
  });
  const outcome = await run(srv, BASIC, { allowBasicOverHttp: true });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.deepEqual(
    srv.received.map((r) => r.headers.authorization),
    [undefined, BASIC_HEADER, BASIC_HEADER],
  );
  assert.deepEqual(srv.received[1]?.body, srv.received[0]?.body, "the same Package#1 is sent again");
});

test("a second 401 for the same package aborts the session: exactly two requests", async () => {
  const srv = await server(() => challenge('Basic realm="omadm"'));
  const outcome = await run(srv, BASIC, { allowBasicOverHttp: true });
  assert.equal(expectAborted(outcome).code, AbortCode.AUTH_REJECTED);
  assert.equal(srv.received.length, 2);
});

test("Basic credentials are never sent over plain http unless allowed (§11.2)", async () => {
  const srv = await server(() => challenge('Basic realm="omadm"'));
  const outcome = await run(srv, BASIC);
  assert.equal(expectAborted(outcome).code, AbortCode.AUTH_UNAVAILABLE);
  assert.match(expectAborted(outcome).message, /BASIC_OVER_HTTP/);
  assert.equal(srv.received.length, 1);
  assert.equal(srv.received[0]?.headers.authorization, undefined);
});

test("a 401 without credentials in the account, or without a challenge, aborts after one request", async () => {
  const srvChallenge = await server(() => challenge('Basic realm="omadm"'));
  const noCreds = await run(srvChallenge, undefined, { allowBasicOverHttp: true });
  assert.equal(expectAborted(noCreds).code, AbortCode.AUTH_UNAVAILABLE);
  const srvBare = await server(() => ({ status: 401 }));
  const noChallenge = await run(srvBare, BASIC, { allowBasicOverHttp: true });
  assert.equal(expectAborted(noChallenge).code, AbortCode.AUTH_UNAVAILABLE);
  assert.equal(srvChallenge.received.length + srvBare.received.length, 2);
});

/** The scripted server's own Digest check (RFC 7616 §3.4.1), independent of the client's code. */
function digestValid(req: Exchange, password: string, realm: string, nonce: string, hash: string): boolean {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Digest ")) return false;
  const p = new Map<string, string>();
  for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) p.set(m[1]!, m[2] ?? m[3]!);
  const H = (s: string): string => createHash(hash).update(s).digest("hex");
  const ha1 = H(`${p.get("username")}:${realm}:${password}`);
  const ha2 = H(`${req.method}:${p.get("uri")}`);
  const expected = H(`${ha1}:${nonce}:${p.get("nc")}:${p.get("cnonce")}:${p.get("qop")}:${ha2}`);
  return (
    p.get("nonce") === nonce &&
    p.get("uri") === req.path &&
    p.get("opaque") === "op4que" &&
    p.get("response") === expected
  );
}

test("401 Digest (SHA-256, qop=auth) is answered once; the next package reuses the nonce with nc=2", async () => {
  const nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  const srv = await server((req) => {
    if (!digestValid(req, "s3cret", "dm@omadm", nonce, "sha256")) {
      return challenge(
        `Digest realm="dm@omadm", qop="auth, auth-int", algorithm=SHA-256, nonce="${nonce}", opaque="op4que", ` +
          `Digest realm="dm@omadm", qop="auth", algorithm=MD5, nonce="${nonce}", opaque="op4que"`,
      );
    }
    return req.n === 2 ? p2(["GET", "urn:oma:mo:x:1.0/a/B"]) : p2(["END"]);
  });
  const outcome = await run(srv, DIGEST);
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.equal(srv.received.length, 3);
  assert.match(srv.received[1]?.headers.authorization ?? "", /algorithm=SHA-256.*nc=00000001/);
  assert.match(srv.received[2]?.headers.authorization ?? "", /nc=00000002/);
});

test("a Digest MD5 challenge is answered when it is the only one offered", async () => {
  const nonce = "abc123";
  const srv = await server((req) =>
    digestValid(req, "s3cret", "r", nonce, "md5")
      ? p2(["END"])
      : challenge(`Digest realm="r", nonce="${nonce}", qop=auth, opaque="op4que"`),
  );
  const outcome = await run(srv, DIGEST);
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.equal(srv.received.length, 2);
});

test("a DIGEST account refuses to downgrade to Basic", async () => {
  const srv = await server(() => challenge('Basic realm="omadm"'));
  const outcome = await run(srv, DIGEST, { allowBasicOverHttp: true });
  assert.equal(expectAborted(outcome).code, AbortCode.AUTH_UNAVAILABLE);
  assert.equal(srv.received.length, 1);
});

test("cookies set by the server come back within the session, follow updates, and are not kept for the next", async () => {
  const srv = await server((req) => {
    if (req.n === 1)
      return {
        ...p2(["GET", "urn:oma:mo:x:1.0/a/B"]),
        headers: { ...p2().headers, "set-cookie": ["sid=abc; Path=/; HttpOnly", "lang=en"] },
      };
    if (req.n === 2)
      return { ...p2(["CONT", srv.url("/dm/s/1")]), headers: { ...p2().headers, "set-cookie": "sid=def; Path=/" } };
    return p2(["END"]);
  });
  await run(srv, undefined);
  await run(srv, undefined);
  assert.deepEqual(
    srv.received.map((r) => r.headers.cookie),
    // P1, P3 (after CONT the path /dm/s/1 still matches Path=/ and "lang" (default path /) too), then session 2.
    [undefined, "sid=abc; lang=en", "sid=def; lang=en", undefined],
  );
});

test("an expired cookie is not sent (Max-Age against the injected clock)", async () => {
  const clock = fakeClock();
  const srv = await server((req) => {
    if (req.n === 1)
      return { ...p2(["GET", "urn:oma:mo:x:1.0/a/B"]), headers: { ...p2().headers, "set-cookie": "t=1; Max-Age=60" } };
    return p2(["END"]);
  });
  const executor = recordingExecutor(() => {
    clock.advance(61_000); // the command takes longer than the cookie lives
    return { sc: 200 };
  });
  await runSession(
    sessionDeps(harness.http, srv, { executor, clock }),
    { kind: TriggerKind.ClientInitiated },
    { allowHttp: true },
  );
  assert.equal(srv.received[1]?.headers.cookie, undefined);
});
