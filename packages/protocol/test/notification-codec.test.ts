// Package#0 codec rules — docs/protocol.md §2.2–§2.4, §2.6 (docs/protocol.md §2).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as root from "@omadm/protocol";
import { ErrorCode, ProtocolError } from "../src/errors.js";
import type { Result } from "../src/result.js";
import type { ConType } from "../src/notification/constants.js";
import type { Notification } from "../src/notification/types.js";
import { ConType as Bearer, OptionProfile, P0_VERSION, P0Option } from "../src/notification/constants.js";
import { decodeNotification } from "../src/notification/decode.js";
import { encodeNotification } from "../src/notification/encode.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const base: Notification = { reqMos: false, unknownOptions: [] };
const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);

function assertError(r: Result<unknown>, code: string, path?: string): ProtocolError {
  assert.equal(r.ok, false, "expected a decode error");
  assert.ok(r.error instanceof ProtocolError);
  assert.equal(r.error.code, code, r.error.message);
  if (path !== undefined) {
    assert.equal(r.error.path, path, r.error.message);
    assert.ok(r.error.message.includes(`(at ${path})`), r.error.message);
  }
  return r.error;
}

function decoded(bytes: Uint8Array, profile: OptionProfile = "A"): Notification {
  const r = decodeNotification(bytes, { profile });
  if (!r.ok) assert.fail(`unexpected decode error: ${r.error.message}`);
  return r.value;
}

function assertThrowsCode(fn: () => unknown, code: string, path?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ProtocolError, String(e));
    assert.equal(e.code, code, e.message);
    if (path !== undefined) assert.equal(e.path, path);
    return true;
  });
}

test("constants: version, option numbers, bearer codes with the draft change-request aliases, profiles", () => {
  assert.equal(P0_VERSION, 2);
  assert.deepEqual(P0Option, {
    SERVER_ID: 1,
    PREFERRED_CON_TYPE: 2,
    NOTIFICATION_ID: 3,
    SHA256_DIGEST: 4,
    TIMESTAMP: 5,
    REQ_MOS: 6,
  });
  assert.deepEqual([Bearer.ANY_AVAILABLE, Bearer.CELLULAR, Bearer.WLAN, Bearer.WIRELINE], [0, 1, 2, 3]);
  assert.equal(Bearer.MOBILE, Bearer.CELLULAR);
  assert.equal(Bearer.WIRELESS, Bearer.WLAN);
  assert.deepEqual(OptionProfile, { A: "A", B: "B" });
});

test("the package root re-exports the notification API", () => {
  assert.equal(root.encodeNotification, encodeNotification);
  assert.equal(root.decodeNotification, decodeNotification);
  assert.equal(typeof root.signNotification, "function");
  assert.equal(typeof root.verifyNotification, "function");
  assert.equal(typeof root.notificationDigestPolicy, "function");
  assert.equal("P0_VERSION" in root, false, "the codec's constants stay internal");
});

// docs/protocol.md §2.6, byte for byte.
const EXAMPLE: Notification = {
  serverId: "dm.example",
  notificationId: 0x1234,
  digest: DIGEST,
  reqMos: true,
  unknownOptions: [],
};
const EXAMPLE_A = hex(`22 00  1A 646d2e6578616d706c65  22 1234  1F 11 ${toHex(DIGEST)}  20`);
const EXAMPLE_B = hex(`22 00  10 0A 646d2e6578616d706c65  20 02 1234  10 20 ${toHex(DIGEST)}  20 00`);

test("worked example §2.6, Profile A: 51 bytes, byte for byte, both ways", () => {
  const bytes = encodeNotification(EXAMPLE);
  assert.equal(bytes.length, 51);
  assert.equal(toHex(bytes), toHex(EXAMPLE_A));
  assert.equal(toHex(encodeNotification(EXAMPLE, { profile: "A" })), toHex(EXAMPLE_A));
  assert.deepEqual(decoded(EXAMPLE_A), EXAMPLE);
});

test("worked example §2.6, Profile B: option headers 10 0A, 20 02, 10 20, 20 00", () => {
  const bytes = encodeNotification(EXAMPLE, { profile: "B" });
  assert.equal(bytes.length, 54);
  assert.equal(toHex(bytes), toHex(EXAMPLE_B));
  assert.deepEqual(decoded(EXAMPLE_B, "B"), EXAMPLE);
});

test("header: an empty notification is 20 00; OC spans both bytes; reserved bits are sent 0 and ignored", () => {
  assert.equal(toHex(encodeNotification(base)), "2000");
  assert.deepEqual(decoded(hex("2000")), base);
  assert.equal(toHex(encodeNotification({ ...base, reqMos: true })), "208060"); // OC=1 → low OC bit in byte 1
  assert.deepEqual(decoded(hex("20ff60")), { ...base, reqMos: true }); // reserved bits all set: still OC=1
  assert.deepEqual(decoded(hex("207f")), base);
  // 6 standard + 25 unknown options = 31, the 5-bit maximum: header 2F 80.
  const unknownOptions = Array.from({ length: 25 }, (_, i) => ({ number: 7 + i, value: new Uint8Array([i]) }));
  const full: Notification = {
    serverId: "s",
    preferredConTypes: [1],
    notificationId: 1,
    digest: DIGEST,
    timestamp: 1,
    reqMos: true,
    unknownOptions,
  };
  const bytes = encodeNotification(full);
  assert.equal(toHex(bytes.subarray(0, 2)), "2f80");
  assert.deepEqual(decoded(bytes), full);
});

test("header: VER other than 2 is rejected at @0; a header cut short is truncated", () => {
  for (const b0 of [0x00, 0x10, 0x12, 0x30, 0xf0])
    assertError(decodeNotification(Uint8Array.of(b0, 0)), ErrorCode.P0_BAD_VERSION, "@0");
  assertError(decodeNotification(new Uint8Array(0)), ErrorCode.P0_TRUNCATED, "@0");
  assertError(decodeNotification(hex("22")), ErrorCode.P0_TRUNCATED, "@1");
});

test("option delta 15 is reserved in both profiles", () => {
  assertError(decodeNotification(hex("2080F0")), ErrorCode.P0_RESERVED_DELTA, "@2");
  assertError(decodeNotification(hex("2080F000"), { profile: "B" }), ErrorCode.P0_RESERVED_DELTA, "@2");
});

test("delta 0: option number 0 first, a repeated option later", () => {
  assertError(decodeNotification(hex("208000")), ErrorCode.P0_BAD_OPTION_NUMBER, "@2");
  // REQ-MOS twice: 60 then delta 0.
  const e = assertError(decodeNotification(hex("2100 60 00")), ErrorCode.P0_DUPLICATE_OPTION, "@3");
  assert.match(e.message, /REQ-MOS/);
  // NOTIFICATION-ID twice.
  assertError(decodeNotification(hex("2100 321234 021234")), ErrorCode.P0_DUPLICATE_OPTION, "@5");
  assertError(
    decodeNotification(hex("2100 3002 1234 0002 1234"), { profile: "B" }),
    ErrorCode.P0_DUPLICATE_OPTION,
    "@6",
  );
});

test("Profile A lengths: 0..14 in the nibble, 15..270 with one extension byte; longer throws on encode", () => {
  for (const [length, header] of [
    [14, "1e"],
    [15, "1f00"],
    [16, "1f01"],
    [270, "1fff"],
  ] as const) {
    const n: Notification = { ...base, serverId: "x".repeat(length) };
    const bytes = encodeNotification(n);
    assert.equal(toHex(bytes.subarray(2, 2 + header.length / 2)), header, `length ${length}`);
    assert.equal(bytes.length, 2 + header.length / 2 + length);
    assert.deepEqual(decoded(bytes), n);
  }
  assertThrowsCode(
    () => encodeNotification({ ...base, serverId: "x".repeat(271) }),
    ErrorCode.P0_VALUE_TOO_LONG,
    "$.serverId",
  );
  const big = [{ number: 9, value: new Uint8Array(271) }];
  assertThrowsCode(
    () => encodeNotification({ ...base, unknownOptions: big }),
    ErrorCode.P0_VALUE_TOO_LONG,
    "$.unknownOptions[0]",
  );
});

test("Profile B lengths: 12 bits, 2-byte header, up to 4095", () => {
  const n: Notification = { ...base, serverId: "y".repeat(4095) };
  const bytes = encodeNotification(n, { profile: "B" });
  assert.equal(toHex(bytes.subarray(0, 4)), "20801fff");
  assert.deepEqual(decoded(bytes, "B"), n);
  assert.equal(toHex(encodeNotification({ ...base, serverId: "ab" }, { profile: "B" })), "208010026162");
  assertThrowsCode(
    () => encodeNotification({ ...base, serverId: "y".repeat(4096) }, { profile: "B" }),
    ErrorCode.P0_VALUE_TOO_LONG,
  );
});

test("SERVER-ID: UTF-8 kept exactly (BOM included); invalid UTF-8 names the offending byte", () => {
  const n: Notification = { ...base, serverId: "\uFEFFdm-€-😀" };
  assert.deepEqual(decoded(encodeNotification(n)), n);
  assert.deepEqual(decoded(hex("2080 10")), { ...base, serverId: "" });
  const cases: [string, string][] = [
    ["2080 13 61 c0 af", "@4"], // overlong "/"
    ["2080 13 61 ed a0 80", "@4"], // UTF-16 surrogate D800
    ["2080 14 f4 90 80 80", "@3"], // above U+10FFFF
    ["2080 12 61 80", "@4"], // stray continuation byte
    ["2080 12 61 e2", "@4"], // sequence cut short by the end of the value
    ["2080 13 e2 82 41", "@3"], // bad continuation byte
    ["2080 11 ff", "@3"],
  ];
  for (const [bytes, path] of cases) {
    const e = assertError(decodeNotification(hex(bytes)), ErrorCode.P0_BAD_OPTION_VALUE, path);
    assert.match(e.message, /SERVER-ID is not valid UTF-8/);
  }
  assertThrowsCode(
    () => encodeNotification({ ...base, serverId: "a\uD800b" }),
    ErrorCode.P0_BAD_OPTION_VALUE,
    "$.serverId",
  );
});

test("PREFERRED-CON-TYPE: ordered known bearers, ANY_AVAILABLE only last, no repeats, not empty", () => {
  const ok: Notification = {
    ...base,
    preferredConTypes: [Bearer.WLAN, Bearer.CELLULAR, Bearer.WIRELINE, Bearer.ANY_AVAILABLE],
  };
  assert.equal(toHex(encodeNotification(ok)), "2080" + "24" + "02010300");
  assert.deepEqual(decoded(encodeNotification(ok)), ok);
  assert.deepEqual(decoded(hex("2080 21 00")), { ...base, preferredConTypes: [0] });
  assertError(decodeNotification(hex("2080 22 00 01")), ErrorCode.P0_BAD_OPTION_VALUE, "@3");
  assertError(decodeNotification(hex("2080 22 00 00")), ErrorCode.P0_BAD_OPTION_VALUE, "@3");
  assertError(decodeNotification(hex("2080 23 01 02 01")), ErrorCode.P0_BAD_OPTION_VALUE, "@5");
  assertError(decodeNotification(hex("2080 22 01 04")), ErrorCode.P0_BAD_OPTION_VALUE, "@4");
  assertError(decodeNotification(hex("2080 20")), ErrorCode.P0_BAD_OPTION_VALUE, "@2");
  const path = "$.preferredConTypes";
  const bad = (list: number[]): Notification => ({ ...base, preferredConTypes: list as ConType[] });
  assertThrowsCode(() => encodeNotification(bad([0, 1])), ErrorCode.P0_BAD_OPTION_VALUE, `${path}[0]`);
  assertThrowsCode(() => encodeNotification(bad([1, 2, 1])), ErrorCode.P0_BAD_OPTION_VALUE, `${path}[2]`);
  assertThrowsCode(() => encodeNotification(bad([1, 7])), ErrorCode.P0_BAD_OPTION_VALUE, `${path}[1]`);
  assertThrowsCode(() => encodeNotification(bad([])), ErrorCode.P0_BAD_OPTION_VALUE, path);
});

test("NOTIFICATION-ID: exactly 2 bytes, uint16", () => {
  assert.equal(toHex(encodeNotification({ ...base, notificationId: 0xbeef })), "2080" + "32beef");
  assert.deepEqual(decoded(hex("2080 32 ffff")), { ...base, notificationId: 65535 });
  assertError(decodeNotification(hex("2080 31 12")), ErrorCode.P0_BAD_OPTION_VALUE, "@2");
  assertError(decodeNotification(hex("2080 33 123456")), ErrorCode.P0_BAD_OPTION_VALUE, "@2");
  for (const id of [65536, -1, 1.5, Number.NaN]) {
    assertThrowsCode(
      () => encodeNotification({ ...base, notificationId: id }),
      ErrorCode.P0_BAD_OPTION_VALUE,
      "$.notificationId",
    );
  }
});

test("SHA256-DIGEST: exactly 32 bytes", () => {
  assert.deepEqual(decoded(hex(`2080 4f11 ${toHex(DIGEST)}`)), { ...base, digest: DIGEST });
  assertError(decodeNotification(hex(`2080 4f10 ${toHex(DIGEST.subarray(1))}`)), ErrorCode.P0_BAD_OPTION_VALUE, "@2");
  assertThrowsCode(
    () => encodeNotification({ ...base, digest: new Uint8Array(31) }),
    ErrorCode.P0_BAD_OPTION_VALUE,
    "$.digest",
  );
});

test("TIMESTAMP: 4 bytes big-endian sent, 4 or 8 accepted, 8 only beyond uint32 on encode", () => {
  assert.equal(toHex(encodeNotification({ ...base, timestamp: 1_700_000_000 })), "2080" + "54" + "6553f100");
  assert.deepEqual(decoded(hex("2080 54 6553f100")), { ...base, timestamp: 1_700_000_000 });
  assert.deepEqual(decoded(hex("2080 58 000000006553f100")), { ...base, timestamp: 1_700_000_000 });
  assert.equal(toHex(encodeNotification({ ...base, timestamp: 2 ** 32 })), "2080" + "58" + "0000000100000000");
  const max = Number.MAX_SAFE_INTEGER;
  assert.deepEqual(decoded(encodeNotification({ ...base, timestamp: max })), { ...base, timestamp: max });
  assertError(decodeNotification(hex("2080 58 0020000000000000")), ErrorCode.P0_BAD_OPTION_VALUE, "@3");
  assertError(decodeNotification(hex("2080 53 000001")), ErrorCode.P0_BAD_OPTION_VALUE, "@2");
  assertError(decodeNotification(hex("2080 50")), ErrorCode.P0_BAD_OPTION_VALUE, "@2");
  for (const t of [-1, 0.5, 2 ** 53]) {
    assertThrowsCode(() => encodeNotification({ ...base, timestamp: t }), ErrorCode.P0_BAD_OPTION_VALUE, "$.timestamp");
  }
});

test("REQ-MOS: type Null, length 0", () => {
  assert.equal(toHex(encodeNotification({ ...base, reqMos: true })), "208060");
  assertError(decodeNotification(hex("2080 61 00")), ErrorCode.P0_BAD_OPTION_VALUE, "@2");
});

test("unknown options are kept and re-encoded in number order among the standard ones", () => {
  // SERVER-ID "a" (1), unknown 7 = 01, REQ-MOS absent, unknown 20 = (empty), unknown 9 = ab cd.
  const bytes = hex("2200 11 61  61 01  22 abcd  b0");
  const n = decoded(bytes);
  assert.deepEqual(n, {
    ...base,
    serverId: "a",
    unknownOptions: [
      { number: 7, value: Uint8Array.of(1) },
      { number: 9, value: Uint8Array.of(0xab, 0xcd) },
      { number: 20, value: new Uint8Array(0) },
    ],
  });
  const shuffled: Notification = {
    serverId: "a",
    reqMos: true,
    unknownOptions: [
      { number: 20, value: new Uint8Array(0) },
      { number: 7, value: Uint8Array.of(1) },
      { number: 9, value: Uint8Array.of(0xab, 0xcd) },
    ],
  };
  // REQ-MOS (6) sits between SERVER-ID (1) and 7: deltas 1, 5, 1, 2, 11.
  assert.equal(toHex(encodeNotification(shuffled)), "2280" + "1161" + "50" + "1101" + "22abcd" + "b0");
  assert.deepEqual(decoded(encodeNotification(shuffled, { profile: "B" }), "B"), {
    ...shuffled,
    unknownOptions: n.unknownOptions,
  });
});

test("unknownOptions on encode: numbers 7 and up, once each, gaps of at most 14, at most 31 options", () => {
  const enc = (unknownOptions: Notification["unknownOptions"]) => () => encodeNotification({ ...base, unknownOptions });
  const v = new Uint8Array(0);
  assertThrowsCode(enc([{ number: 3, value: v }]), ErrorCode.P0_BAD_OPTION_NUMBER, "$.unknownOptions[0]");
  assertThrowsCode(enc([{ number: 0, value: v }]), ErrorCode.P0_BAD_OPTION_NUMBER);
  assertThrowsCode(enc([{ number: 7.5, value: v }]), ErrorCode.P0_BAD_OPTION_NUMBER);
  assertThrowsCode(
    enc([
      { number: 8, value: v },
      { number: 8, value: v },
    ]),
    ErrorCode.P0_DUPLICATE_OPTION,
  );
  // Nothing before it: option 15 would need delta 15, which is reserved.
  assertThrowsCode(enc([{ number: 15, value: v }]), ErrorCode.P0_BAD_OPTION_NUMBER, "$.unknownOptions[0]");
  assert.equal(
    toHex(encodeNotification({ ...base, reqMos: true, unknownOptions: [{ number: 20, value: v }] })),
    "2100" + "60" + "e0",
  );
  assertThrowsCode(
    enc([
      { number: 7, value: v },
      { number: 22, value: v },
    ]),
    ErrorCode.P0_BAD_OPTION_NUMBER,
    "$.unknownOptions[1]",
  );
  const many = Array.from({ length: 32 }, (_, i) => ({ number: 7 + i, value: v }));
  assertThrowsCode(enc(many), ErrorCode.P0_OPTION_COUNT);
});

test("OC must match the options present; bytes after the last option are rejected", () => {
  // OC=1 but two whole options (SERVER-ID "a", REQ-MOS) follow.
  const e = assertError(decodeNotification(hex("2080 1161 50")), ErrorCode.P0_OPTION_COUNT, "@4");
  assert.match(e.message, /OC is 1 but 2 options follow/);
  // OC=3 but only two options.
  assertError(decodeNotification(hex("2180 1161 50")), ErrorCode.P0_TRUNCATED, "@5");
  // OC=1, then bytes that are not whole options (a header announcing 5 bytes, 1 present).
  assertError(decodeNotification(hex("2080 60 15 00")), ErrorCode.P0_TRAILING_BYTES, "@3");
  assertError(decodeNotification(hex("2000 ff")), ErrorCode.P0_TRAILING_BYTES, "@2");
});

test("a value or an option header cut short is a truncation naming its offset", () => {
  const e = assertError(decodeNotification(hex("2080 1a 646d")), ErrorCode.P0_TRUNCATED, "@3");
  assert.match(e.message, /SERVER-ID \(1\) declares 10 value bytes but only 2 remain/);
  assertError(decodeNotification(hex("2080 1f")), ErrorCode.P0_TRUNCATED, "@2"); // extension byte missing
  assertError(decodeNotification(hex("2080 10"), { profile: "B" }), ErrorCode.P0_TRUNCATED, "@2");
  assertError(decodeNotification(hex("2080 1f 00 61")), ErrorCode.P0_TRUNCATED, "@4");
});

test("decoded byte values are fresh Uint8Array copies, also from a Buffer view at an offset", () => {
  const backing = Buffer.concat([Buffer.from("xxx"), Buffer.from(EXAMPLE_A), Buffer.from("yy")]);
  const view = backing.subarray(3, 3 + EXAMPLE_A.length);
  const n = decoded(view);
  assert.deepEqual(n, EXAMPLE);
  assert.equal(Object.getPrototypeOf(n.digest), Uint8Array.prototype);
  backing.fill(0);
  assert.deepEqual(n.digest, DIGEST);
  const t = decoded(Buffer.concat([Buffer.from("z"), Buffer.from(hex("2080 58 0000000100000002"))]).subarray(1));
  assert.equal(t.timestamp, 2 ** 32 + 2);
});

test("the encoder writes the options in number order whatever order the fields were set in", () => {
  const n: Notification = {
    unknownOptions: [],
    reqMos: true,
    timestamp: 1,
    notificationId: 2,
    preferredConTypes: [3],
    serverId: "s",
  };
  assert.equal(toHex(encodeNotification(n)), "2280" + "1173" + "1103" + "120002" + "2400000001" + "10");
});
