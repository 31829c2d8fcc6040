// Package#0 properties (fast-check): round trips in both profiles, tamper detection, truncation — docs/protocol.md §2.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode, ProtocolError } from "../src/errors.js";
import type { OptionProfile } from "../src/notification/constants.js";
import { decodeNotification } from "../src/notification/decode.js";
import { encodeNotification } from "../src/notification/encode.js";
import { signNotification, verifyNotification } from "../src/notification/digest.js";
import { findInvalidUtf8, utf8Length, writeUtf8 } from "../src/notification/utf8.js";
import { credentialsArb, notificationArb, profileArb } from "./notification-arbitraries.js";

const signedArb = profileArb.chain((profile) =>
  fc.record({ profile: fc.constant(profile), n: notificationArb(profile), credentials: credentialsArb }),
);

for (const profile of ["A", "B"] as const satisfies readonly OptionProfile[]) {
  test(`Profile ${profile}: decode(encode(x)) = x for any valid notification`, () => {
    fc.assert(
      fc.property(notificationArb(profile), (n) => {
        const r = decodeNotification(encodeNotification(n, { profile }), { profile });
        assert.ok(r.ok, r.ok ? "" : r.error.message);
        assert.deepEqual(r.value, n);
      }),
      { numRuns: 300 },
    );
  });
}

test("verify(sign(x)) gives x with the digest it carries, in both profiles", () => {
  fc.assert(
    fc.property(signedArb, ({ profile, n, credentials }) => {
      const bytes = signNotification(n, credentials, { profile });
      const r = verifyNotification(bytes, credentials, { profile });
      assert.ok(r.ok, r.ok ? "" : r.error.message);
      // The digest is the only field signing adds or replaces.
      assert.equal(r.value.digest?.length, 32);
      assert.deepEqual(r.value, { ...n, digest: r.value.digest });
    }),
    { numRuns: 200 },
  );
});

test("changing any single byte of a signed notification makes verification fail with a typed error", () => {
  fc.assert(
    fc.property(signedArb, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ profile, n, credentials }, at, mask) => {
      const bytes = signNotification(n, credentials, { profile });
      const i = at % bytes.length;
      bytes[i] = (bytes[i] ?? 0) ^ mask;
      const r = verifyNotification(bytes, credentials, { profile });
      assert.equal(r.ok, false, `byte @${i} ^ ${mask} went unnoticed`);
      assert.ok(r.error instanceof ProtocolError);
      assert.match(r.error.code, /^OMADM_P0_/);
    }),
    { numRuns: 500 },
  );
});

test("every strict prefix of an encoding is P0_TRUNCATED (never a throw, never a value)", () => {
  fc.assert(
    fc.property(
      profileArb.chain((profile) => fc.tuple(fc.constant(profile), notificationArb(profile))),
      ([profile, n]) => {
        const bytes = encodeNotification(n, { profile });
        for (let length = 0; length < bytes.length; length++) {
          const r = decodeNotification(bytes.subarray(0, length), { profile });
          assert.equal(r.ok, false, `prefix of ${length}/${bytes.length} bytes decoded`);
          assert.equal(r.error.code, ErrorCode.P0_TRUNCATED, `${length}: ${r.error.message}`);
          assert.match(r.error.path ?? "", /^@\d+$/);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test("whatever decodes re-encodes, and decoding that again gives the same value", () => {
  // Starts from mutated valid encodings so that many inputs decode.
  const mutatedArb = profileArb.chain((profile) =>
    fc.record({
      profile: fc.constant(profile),
      bytes: notificationArb(profile).map((n) => encodeNotification(n, { profile })),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    }),
  );
  fc.assert(
    fc.property(mutatedArb, ({ profile, bytes, at, value }) => {
      bytes[at % bytes.length] = value;
      const first = decodeNotification(bytes, { profile });
      if (!first.ok) return;
      const again = decodeNotification(encodeNotification(first.value, { profile }), { profile });
      assert.ok(again.ok, again.ok ? "" : again.error.message);
      assert.deepEqual(again.value, first.value);
    }),
    { numRuns: 500 },
  );
});

test("the SERVER-ID UTF-8 check agrees with a fatal TextDecoder", () => {
  const fatal = new TextDecoder("utf-8", { fatal: true });
  const bytesArb = fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc.string({ unit: "binary", maxLength: 6 }).map((s) => new TextEncoder().encode(s)),
    fc
      .array(fc.constantFrom(0x41, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0x90, 0xa0, 0x8f, 0x9f), {
        maxLength: 8,
      })
      .map((a) => Uint8Array.from(a)),
  );
  fc.assert(
    fc.property(bytesArb, (bytes) => {
      let valid = true;
      try {
        fatal.decode(bytes);
      } catch {
        valid = false;
      }
      assert.equal(findInvalidUtf8(bytes, 0, bytes.length) === -1, valid, Buffer.from(bytes).toString("hex"));
    }),
    { numRuns: 3000 },
  );
});

test("the SERVER-ID UTF-8 writer agrees with TextEncoder and refuses lone surrogates", () => {
  const encoder = new TextEncoder();
  const stringArb = fc.oneof(
    fc.string({ unit: "binary", maxLength: 20 }),
    // Any UTF-16 code units, lone surrogates included.
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((units) => String.fromCharCode(...units)),
  );
  fc.assert(
    fc.property(stringArb, (s) => {
      const lone = /\p{Cs}/u.test(s);
      const length = utf8Length(s);
      if (lone) {
        assert.equal(length, -1);
        return;
      }
      const expected = encoder.encode(s);
      assert.equal(length, expected.length);
      const out = new Uint8Array(length + 2);
      assert.equal(writeUtf8(s, out, 1), length + 1);
      assert.deepEqual(out.subarray(1, length + 1), expected);
    }),
    { numRuns: 3000 },
  );
});
