// SHA256-DIGEST signing, verification and the client policy table — docs/protocol.md §2.5 (docs/protocol.md §2.3).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ErrorCode, ProtocolError } from "../src/errors.js";
import type { Result } from "../src/result.js";
import type { Notification } from "../src/notification/types.js";
import {
  DigestPolicyAction,
  notificationDigestPolicy,
  signNotification,
  verifyNotification,
} from "../src/notification/digest.js";
import { encodeNotification } from "../src/notification/encode.js";

const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const credentials = { secret: Buffer.from("server-secret"), authData: Buffer.from("auth-data") };
const EXAMPLE: Notification = { serverId: "dm.example", notificationId: 0x1234, reqMos: true, unknownOptions: [] };
/** §2.6: the digest value starts after 2 + 11 + 3 + 2 header bytes. */
const DIGEST_AT = 18;

function assertError(r: Result<unknown>, code: string, path?: string): void {
  assert.equal(r.ok, false, "expected an error");
  assert.ok(r.error instanceof ProtocolError);
  assert.equal(r.error.code, code, r.error.message);
  if (path !== undefined) assert.equal(r.error.path, path);
}

/** The §2.5 procedure written out independently: zero digest, hash secret | bytes | authData. */
function referenceDigest(n: Notification, profile: "A" | "B"): Buffer {
  const zeroed = encodeNotification({ ...n, digest: new Uint8Array(32) }, { profile });
  return createHash("sha256")
    .update(Buffer.concat([credentials.secret, zeroed, credentials.authData]))
    .digest();
}

test("signNotification follows §2.5: the worked example with SHA-256(secret | zero-digest bytes | authData) in place", () => {
  const signed = signNotification(EXAMPLE, credentials);
  const expected = referenceDigest(EXAMPLE, "A");
  assert.equal(signed.length, 51);
  assert.equal(toHex(signed.subarray(0, DIGEST_AT)), "22001a646d2e6578616d706c652212341f11");
  assert.equal(toHex(signed.subarray(DIGEST_AT, DIGEST_AT + 32)), toHex(expected));
  assert.equal(toHex(signed.subarray(DIGEST_AT + 32)), "20");
  const r = verifyNotification(signed, credentials);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { ...EXAMPLE, digest: new Uint8Array(expected) });
});

test("signNotification ignores any digest in the input and adds the option when it is missing", () => {
  const withJunk = signNotification({ ...EXAMPLE, digest: new Uint8Array(32).fill(7) }, credentials);
  assert.deepEqual(withJunk, signNotification(EXAMPLE, credentials));
  const bare = signNotification({ reqMos: false, unknownOptions: [] }, credentials);
  assert.equal(toHex(bare.subarray(0, 4)), "20804f11"); // OC=1, SHA256-DIGEST, length 32
  assert.ok(verifyNotification(bare, credentials).ok);
});

test("Profile B: sign and verify; the profile is part of the agreement", () => {
  const signed = signNotification(EXAMPLE, credentials, { profile: "B" });
  assert.equal(toHex(signed.subarray(20, 52)), toHex(referenceDigest(EXAMPLE, "B")));
  assert.ok(verifyNotification(signed, credentials, { profile: "B" }).ok);
  assert.equal(verifyNotification(signed, credentials).ok, false);
});

test("a wrong secret, wrong auth data or altered digest is P0_DIGEST_MISMATCH at the digest offset", () => {
  const signed = signNotification(EXAMPLE, credentials);
  assertError(
    verifyNotification(signed, { ...credentials, secret: Buffer.from("other") }),
    ErrorCode.P0_DIGEST_MISMATCH,
    "@18",
  );
  assertError(
    verifyNotification(signed, { ...credentials, authData: new Uint8Array(0) }),
    ErrorCode.P0_DIGEST_MISMATCH,
    "@18",
  );
  // Moving bytes between secret and authData changes the hashed input too.
  const moved = { secret: Buffer.from("server-secre"), authData: Buffer.from("tauth-data") };
  assertError(verifyNotification(signed, moved), ErrorCode.P0_DIGEST_MISMATCH);
  const zeroed = Uint8Array.from(signed);
  zeroed.fill(0, DIGEST_AT, DIGEST_AT + 32);
  assertError(verifyNotification(zeroed, credentials), ErrorCode.P0_DIGEST_MISMATCH, "@18");
  const reserved = Uint8Array.from(signed);
  reserved[1] = 0x01; // reserved bits are ignored by the decoder but covered by the digest
  assertError(verifyNotification(reserved, credentials), ErrorCode.P0_DIGEST_MISMATCH);
  const r = verifyNotification(signed, { ...credentials, secret: Buffer.from("other") });
  assert.equal(r.ok ? 0 : r.error.status, 401);
});

test("no SHA256-DIGEST option is P0_DIGEST_MISSING; a malformed notification gives its decode error", () => {
  assertError(verifyNotification(encodeNotification(EXAMPLE), credentials), ErrorCode.P0_DIGEST_MISSING, "@0");
  const signed = signNotification(EXAMPLE, credentials);
  assertError(verifyNotification(signed.subarray(0, 40), credentials), ErrorCode.P0_TRUNCATED);
  assertError(verifyNotification(Uint8Array.of(0x30, 0), credentials), ErrorCode.P0_BAD_VERSION);
});

test("verifyNotification reads a Buffer view at an offset and does not modify its input", () => {
  const signed = signNotification({ ...EXAMPLE, timestamp: 1_700_000_000 }, credentials);
  const backing = Buffer.concat([Buffer.from("prefix"), signed, Buffer.from("suffix")]);
  const view = backing.subarray(6, 6 + signed.length);
  const before = toHex(backing);
  const r = verifyNotification(view, credentials);
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  assert.equal(r.value.timestamp, 1_700_000_000);
  assert.equal(toHex(backing), before);
});

test("empty secret and auth data are hashed as given (whether they count as provisioned is the caller's policy)", () => {
  const none = { secret: new Uint8Array(0), authData: new Uint8Array(0) };
  const signed = signNotification(EXAMPLE, none);
  const zeroed = encodeNotification({ ...EXAMPLE, digest: new Uint8Array(32) });
  assert.equal(toHex(signed.subarray(DIGEST_AT, DIGEST_AT + 32)), createHash("sha256").update(zeroed).digest("hex"));
  assert.ok(verifyNotification(signed, none).ok);
});

test("signNotification throws a ProtocolError for an invalid notification, like encodeNotification", () => {
  assert.throws(
    () => signNotification({ ...EXAMPLE, notificationId: 70000 }, credentials),
    (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.P0_BAD_OPTION_VALUE,
  );
});

test("notificationDigestPolicy implements the §2.5 table", () => {
  const { VERIFY, DROP, ACCEPT } = DigestPolicyAction;
  assert.deepEqual(DigestPolicyAction, { VERIFY: "verify", DROP: "drop", ACCEPT: "accept" });
  const rows: [boolean, boolean, boolean, DigestPolicyAction][] = [
    // hasCredentials, digestPresent, allowUnauthenticated → action
    [true, true, false, VERIFY],
    [true, true, true, VERIFY],
    [true, false, false, DROP],
    [true, false, true, DROP], // credentials exist: a notification without digest is never accepted
    [false, true, false, DROP], // secret "not properly provided"
    [false, true, true, DROP],
    [false, false, false, DROP],
    [false, false, true, ACCEPT],
  ];
  for (const [hasCredentials, digestPresent, allowUnauthenticated, action] of rows) {
    assert.equal(
      notificationDigestPolicy({ hasCredentials, digestPresent, allowUnauthenticated }),
      action,
      JSON.stringify({ hasCredentials, digestPresent, allowUnauthenticated }),
    );
  }
});

test("the benchmark closures work on the same signed bytes", async () => {
  const { createNotificationCases, SAMPLE_CREDENTIALS } = await import("../bench/notification-cases.js");
  const cases = createNotificationCases();
  assert.equal(cases.bytes.length, 64);
  assert.deepEqual(cases.encodeSign(), cases.bytes);
  assert.doesNotThrow(() => {
    cases.decodeVerify();
  });
  const input = Buffer.concat([SAMPLE_CREDENTIALS.secret, cases.bytes, SAMPLE_CREDENTIALS.authData]);
  assert.equal(toHex(cases.bareSha256()), createHash("sha256").update(input).digest("hex"));
  const broken = createNotificationCases(undefined, undefined, { profile: "B" });
  assert.ok(verifyNotification(broken.bytes, SAMPLE_CREDENTIALS, { profile: "B" }).ok);
});
