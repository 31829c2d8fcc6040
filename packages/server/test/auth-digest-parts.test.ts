// The pieces of HTTP authentication on their own: the Authorization header parser (total on any input), the
// stateless Digest nonces (valid, stale, forged) and the bounded nc-replay guard (RFC 7235, RFC 7616).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { parseAuthorization, quote } from "../src/auth/authorization-header.js";
import { NonceState, NonceUse, createNonceCountGuard, createNonceMinter } from "../src/auth/digest-nonce.js";
import { parseBasicCredentials } from "../src/auth/http-basic.js";

test("Authorization: token68, parameter lists, quoted-string escapes, case-insensitive names", () => {
  assert.deepEqual(parseAuthorization("Basic dXNlcjpwYXNz"), {
    scheme: "basic",
    token68: "dXNlcjpwYXNz",
    params: new Map(),
  });
  const digest = parseAuthorization('DIGEST Username="a\\"b\\\\c", realm=r ,, nc=00000001, URI="/x?y=1,2"');
  assert.ok(digest !== null);
  assert.equal(digest.scheme, "digest");
  assert.deepEqual(Object.fromEntries(digest.params), {
    username: 'a"b\\c',
    realm: "r",
    nc: "00000001",
    uri: "/x?y=1,2",
  });
  assert.deepEqual(parseAuthorization("Negotiate"), { scheme: "negotiate", token68: null, params: new Map() });
});

test("Authorization: malformed headers give null", () => {
  for (const bad of [
    "",
    "Digest username=, realm=r",
    'Digest username="unterminated',
    "Digest a=1 b=2",
    'Digest a="1", a="2"',
    'Digest realm="r" nonce="n"',
    "Digest =x",
    "(bad) x",
    `Digest x="${"a".repeat(9000)}"`,
  ]) {
    assert.equal(parseAuthorization(bad), null, bad);
  }
});

test("Authorization parser is total and quote() round-trips through it (property)", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const parsed = parseAuthorization(s);
      assert.ok(parsed === null || typeof parsed.scheme === "string");
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), fc.string({ maxLength: 50 }), (a, b) => {
      const parsed = parseAuthorization(`Digest username=${quote(a)}, realm=${quote(b)}`);
      assert.equal(parsed?.params.get("username"), a);
      assert.equal(parsed.params.get("realm"), b);
    }),
  );
});

test("Basic credentials: user-id and password split at the first colon, UTF-8, errors named", () => {
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  assert.deepEqual(parseBasicCredentials(b64("dév:pa:ss")), { ok: true, username: "dév", password: "pa:ss" });
  assert.deepEqual(parseBasicCredentials(b64("user:")), { ok: true, username: "user", password: "" });
  assert.match(parseBasicCredentials(b64(":pw")).ok ? "" : "user-id", /user-id/);
  const notUtf8 = parseBasicCredentials(Buffer.from([0x75, 0x3a, 0xff]).toString("base64"));
  assert.ok(!notUtf8.ok && /UTF-8/.test(notUtf8.message));
  const control = parseBasicCredentials(b64("u:p\u0000"));
  assert.ok(!control.ok && /control/.test(control.message));
  assert.ok(!parseBasicCredentials(null).ok);
});

function minter(key: Uint8Array, clock: { t: number }, realm = "r") {
  return createNonceMinter({ key, now: () => clock.t, random: randomBytes, realm, lifetimeMs: 1000 });
}

test("nonces: valid until their lifetime, then stale; forged, truncated or other-realm nonces are invalid", () => {
  const key = randomBytes(32);
  const clock = { t: 1_000_000 };
  const m = minter(key, clock);
  const nonce = m.issue();
  assert.notEqual(m.issue(), nonce, "each nonce is unique (random salt)");
  assert.deepEqual(m.check(nonce), { state: NonceState.Valid, issuedAt: 1_000_000 });
  clock.t += 1000;
  assert.equal(m.check(nonce).state, NonceState.Valid, "valid through the last millisecond");
  clock.t += 1;
  assert.equal(m.check(nonce).state, NonceState.Stale);
  assert.equal(minter(randomBytes(32), clock).check(nonce).state, NonceState.Invalid, "another key");
  assert.equal(minter(key, clock, "other").check(nonce).state, NonceState.Invalid, "another realm");
  const bytes = Buffer.from(nonce, "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 1; // move the issue time
  assert.equal(m.check(bytes.toString("base64url")).state, NonceState.Invalid, "tampered time");
  for (const bad of ["", "x", nonce.slice(1), `${nonce}A`, nonce.replace(/.$/, "!")]) {
    assert.equal(m.check(bad).state, NonceState.Invalid, bad);
  }
});

test("nc guard: a replayed nc is caught; uses per nonce are bounded", () => {
  const guard = createNonceCountGuard({ now: () => 0, lifetimeMs: 1000, maxTrackedNonces: 10, maxUsesPerNonce: 3 });
  assert.equal(guard.use("n", 0, 1), NonceUse.Fresh);
  assert.equal(guard.use("n", 0, 1), NonceUse.Replayed);
  assert.equal(guard.use("n", 0, 3), NonceUse.Fresh, "out-of-order nc values are fine (concurrent requests)");
  assert.equal(guard.use("n", 0, 2), NonceUse.Fresh);
  assert.equal(guard.use("n", 0, 4), NonceUse.Exhausted, "the fourth use of a 3-use nonce");
  assert.equal(guard.use("n", 0, 2), NonceUse.Replayed);
});

test("nc guard: memory is bounded; an evicted nonce can never be replayed", () => {
  const clock = { t: 0 };
  const guard = createNonceCountGuard({
    now: () => clock.t,
    lifetimeMs: 1000,
    maxTrackedNonces: 3,
    maxUsesPerNonce: 100,
  });
  for (let i = 0; i < 3; i++) assert.equal(guard.use(`n${i}`, i, 1), NonceUse.Fresh);
  assert.equal(guard.use("n3", 3, 1), NonceUse.Fresh, "a fourth nonce evicts the oldest");
  assert.equal(guard.size, 3);
  assert.equal(guard.use("n0", 0, 1), NonceUse.Exhausted, "n0 was evicted: no replay, the client must get a new one");
  assert.equal(guard.use("n0", 0, 2), NonceUse.Exhausted);
  // Expired entries make room before any live one is evicted.
  clock.t = 5000;
  assert.equal(guard.use("fresh", 5000, 1), NonceUse.Fresh);
  assert.equal(guard.size, 1, "the expired entries were swept");
  assert.equal(guard.use("fresh", 5000, 1), NonceUse.Replayed);
});
