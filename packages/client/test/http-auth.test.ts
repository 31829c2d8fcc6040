// HTTP authentication helpers (docs/protocol.md §11.2): WWW-Authenticate parsing (RFC 9110 §11.6.1), Basic
// (RFC 7617 example) and Digest (RFC 7616 §3.9.1 examples for MD5 and SHA-256), challenge choice, and the
// per-session authenticator.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseWwwAuthenticate, type AuthChallenge } from "../src/http/auth-challenge.js";
import {
  AuthErrorCode,
  basicAuthorization,
  chooseChallenge,
  createHttpAuthenticator,
  digestAuthorization,
} from "../src/http/http-auth.js";
import type { HttpAuthCredentials } from "../src/tree/dmacc.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function parsed(...values: string[]): AuthChallenge[] {
  const r = parseWwwAuthenticate(values);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

const simple = (c: AuthChallenge): unknown => ({
  scheme: c.scheme,
  params: Object.fromEntries(c.params),
  token68: c.token68,
});

test("parses several challenges in one header, quoted commas and escapes included", () => {
  const cs = parsed(
    'Digest realm="a, b", qop="auth,auth-int", nonce="n\\"1", algorithm=SHA-256, Basic realm="x", Newauth',
    "Negotiate abc+/==",
  );
  assert.deepEqual(cs.map(simple), [
    {
      scheme: "digest",
      params: { realm: "a, b", qop: "auth,auth-int", nonce: 'n"1', algorithm: "SHA-256" },
      token68: undefined,
    },
    { scheme: "basic", params: { realm: "x" }, token68: undefined },
    { scheme: "newauth", params: {}, token68: undefined },
    { scheme: "negotiate", params: {}, token68: "abc+/==" },
  ]);
});

test("parameter names are case-insensitive and the first occurrence wins", () => {
  const [c] = parsed('Basic REALM="one", realm="two", charset=UTF-8');
  assert.equal(c?.params.get("realm"), "one");
  assert.equal(c.params.get("charset"), "UTF-8");
});

test("malformed challenges are errors, never exceptions", () => {
  // ("Basic realm" and "Basic realm=" are well-formed: token68.)
  for (const bad of [
    'Digest realm="unterminated',
    "Basic realm=,x=1",
    "Basic a=1 b=2",
    '"quoted"',
    'Digest a="1" junk',
  ]) {
    assert.equal(parseWwwAuthenticate([bad]).ok, false, bad);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const r = parseWwwAuthenticate([s]);
      assert.equal(typeof r.ok, "boolean");
    }),
    { numRuns: 2000 },
  );
});

test("RFC 7617 §2 example: Aladdin / open sesame", () => {
  const r = basicAuthorization({ type: "BASIC", name: "Aladdin", secret: enc("open sesame") });
  assert.deepEqual(r, { ok: true, value: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" });
  const colon = basicAuthorization({ type: "BASIC", name: "a:b", secret: enc("x") });
  assert.equal(!colon.ok && colon.error.code, AuthErrorCode.BAD_CREDENTIALS);
});

// RFC 7616 §3.9.1: the Mufasa example.
const MUFASA: HttpAuthCredentials = { type: "DIGEST", name: "Mufasa", secret: enc("Circle of Life") };
const NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
const OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

for (const [algorithm, response] of [
  ["MD5", "8ca523f5e9506fed4657c9700eebdbec"],
  ["SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"],
] as const) {
  test(`RFC 7616 §3.9.1 Digest ${algorithm} example response`, () => {
    const [challenge] = parsed(
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="${NONCE}", opaque="${OPAQUE}"`,
    );
    assert.ok(challenge);
    const r = digestAuthorization({
      challenge,
      credentials: MUFASA,
      request: { method: "GET", url: "https://www.example.org/dir/index.html" },
      cnonce: CNONCE,
      nc: 1,
    });
    assert.ok(r.ok);
    assert.equal(
      r.value,
      `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=${algorithm}, ` +
        `nonce="${NONCE}", nc=00000001, cnonce="${CNONCE}", qop=auth, response="${response}", opaque="${OPAQUE}"`,
    );
  });
}

test("Digest variants: qop absent (RFC 2069), auth-int hashes the body, -sess, userhash; unknown algorithm refused", () => {
  const req = { method: "POST", url: "https://dm.example/dm?x=1", body: enc("{}") };
  const run = (header: string) => {
    const [challenge] = parsed(header);
    assert.ok(challenge);
    return digestAuthorization({ challenge, credentials: MUFASA, request: req, cnonce: "c", nc: 2 });
  };
  const legacy = run('Digest realm="r", nonce="n"');
  assert.ok(legacy.ok);
  assert.doesNotMatch(legacy.value, /qop=|nc=/);
  assert.match(legacy.value, /uri="\/dm\?x=1"/);
  const int = run('Digest realm="r", nonce="n", qop="auth-int"');
  assert.ok(int.ok);
  assert.match(int.value, /nc=00000002, cnonce="c", qop=auth-int,/);
  assert.notEqual(int.value, run('Digest realm="r", nonce="n", qop="auth"'));
  const sess = run('Digest realm="r", nonce="n", qop=auth, algorithm=SHA-256-sess');
  assert.ok(sess.ok);
  assert.match(sess.value, /algorithm=SHA-256-sess/);
  const hashed = run('Digest realm="r", nonce="n", qop=auth, algorithm=SHA-256, userhash=true');
  assert.ok(hashed.ok);
  assert.match(hashed.value, /username="[0-9a-f]{64}".*userhash=true/);
  const unknown = run('Digest realm="r", nonce="n", algorithm=SHA-1');
  assert.equal(!unknown.ok && unknown.error.code, AuthErrorCode.UNSUPPORTED);
  const noNonce = run('Digest realm="r"');
  assert.equal(!noNonce.ok && noNonce.error.code, AuthErrorCode.BAD_CHALLENGE);
});

test("challenge choice: strongest Digest first, Basic only over https (or where allowed), never for a DIGEST account", () => {
  const basicCreds: HttpAuthCredentials = { type: "BASIC", name: "u", secret: enc("p") };
  const both = parsed(
    'Basic realm="b"',
    'Digest realm="d", nonce="n", algorithm=MD5',
    'Digest realm="d", nonce="m", algorithm=SHA-256',
  );
  const best = chooseChallenge(both, basicCreds, "http://x/", false);
  assert.ok(best.ok);
  assert.equal(best.value.params.get("algorithm"), "SHA-256");
  const basicOnly = parsed('Basic realm="b"');
  const overHttp = chooseChallenge(basicOnly, basicCreds, "http://x/", false);
  assert.equal(!overHttp.ok && overHttp.error.code, AuthErrorCode.BASIC_OVER_HTTP);
  assert.ok(chooseChallenge(basicOnly, basicCreds, "https://x/", false).ok);
  assert.ok(chooseChallenge(basicOnly, basicCreds, "http://x/", true).ok);
  const downgrade = chooseChallenge(basicOnly, MUFASA, "https://x/", false);
  assert.equal(!downgrade.ok && downgrade.error.code, AuthErrorCode.UNSUPPORTED);
  const none = chooseChallenge(parsed("Negotiate abc"), basicCreds, "https://x/", false);
  assert.equal(!none.ok && none.error.code, AuthErrorCode.UNSUPPORTED);
});

test("the authenticator counts nc per nonce, uses the injected random cnonce, and stays on the challenged origin", () => {
  let calls = 0;
  const auth = createHttpAuthenticator({
    credentials: MUFASA,
    randomBytes: (n) => {
      calls++;
      return new Uint8Array(n).fill(calls);
    },
  });
  const url = "https://dm.example/dm";
  assert.equal(auth.preemptive({ method: "POST", url }), undefined, "nothing before a challenge");
  const first = auth.answer(['Digest realm="r", nonce="n1", qop=auth'], { method: "POST", url });
  assert.ok(first.ok);
  assert.match(first.value, /nc=00000001, cnonce="01010101010101010101010101010101"/);
  assert.match(
    auth.preemptive({ method: "POST", url: "https://dm.example/dm/s/2" }) ?? "",
    /nc=00000002, cnonce="02020202/,
  );
  assert.equal(auth.preemptive({ method: "POST", url: "https://other.example/dm" }), undefined);
  const none = createHttpAuthenticator({ credentials: undefined, randomBytes: (n) => new Uint8Array(n) });
  const r = none.answer(['Basic realm="x"'], { method: "POST", url });
  assert.equal(!r.ok && r.error.code, AuthErrorCode.NO_CREDENTIALS);
});
