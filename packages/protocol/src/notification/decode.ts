// Package#0 decoder — DM 2.0 §5.2.1 / §7.1 (docs/protocol.md §2, §2.2–§2.4). Total: any bytes give a
// Notification or a typed ProtocolError whose path is the byte offset ("@17") where the rule was broken.
import { ErrorCode, ProtocolError } from "../errors.js";
import type { Result } from "../result.js";
import { err, ok } from "../result.js";
import {
  ConType,
  isConType,
  NOTIFICATION_ID_SIZE,
  P0_HEADER_SIZE,
  P0_VERSION,
  P0Option,
  SHA256_DIGEST_SIZE,
} from "./constants.js";
import type { OptionLayout } from "./option-layout.js";
import { optionLayout } from "./option-layout.js";
import { optionName } from "./option-names.js";
import type { Notification, NotificationCodecOptions, UnknownOption } from "./types.js";
import { findInvalidUtf8 } from "./utf8.js";

/** A decoded notification plus where its SHA256-DIGEST value starts (-1 when absent), for verification. */
export interface DecodedNotification {
  readonly notification: Notification;
  readonly digestOffset: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const RESERVED_DELTA = 15;
// Validity is checked first by findInvalidUtf8; ignoreBOM keeps a leading U+FEFF as part of the value.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

function fail(code: ErrorCode, message: string, offset: number): Result<never> {
  return err(new ProtocolError(code, message, { path: `@${offset}` }));
}

export function decodeNotification(bytes: Uint8Array, options: NotificationCodecOptions = {}): Result<Notification> {
  const decoded = decodeNotificationWith(bytes, optionLayout(options.profile));
  return decoded.ok ? ok(decoded.value.notification) : decoded;
}

export function decodeNotificationWith(bytes: Uint8Array, layout: OptionLayout): Result<DecodedNotification> {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === undefined || b1 === undefined) {
    return fail(ErrorCode.P0_TRUNCATED, `the 2-byte header is cut short (${bytes.length} bytes)`, bytes.length);
  }
  // docs/protocol.md §2.2: VER is the top 4 bits and MUST be 2; a receiver discards anything else.
  const version = b0 >> 4;
  if (version !== P0_VERSION) {
    return fail(ErrorCode.P0_BAD_VERSION, `VER is ${version}, only ${P0_VERSION} is defined`, 0);
  }
  const optionCount = ((b0 & 0x0f) << 1) | (b1 >> 7); // OC, 5 bits; the 7 reserved bits are ignored
  const unknown: UnknownOption[] = [];
  const n: Mutable<Notification> = { reqMos: false, unknownOptions: unknown };
  let digestOffset = -1;
  let number = 0;
  let pos = P0_HEADER_SIZE;

  for (let index = 0; index < optionCount; index++) {
    const headerAt = pos;
    const header = layout.readHeader(bytes, pos);
    if (header === undefined) {
      const what = pos >= bytes.length ? `ends after ${index}` : `ends inside the header of option #${index + 1}`;
      return fail(ErrorCode.P0_TRUNCATED, `OC announces ${optionCount} options but the notification ${what}`, pos);
    }
    // docs/protocol.md §2.3: delta 15 is reserved; delta 0 would repeat the previous number (or name option 0).
    if (header.delta === RESERVED_DELTA) {
      return fail(ErrorCode.P0_RESERVED_DELTA, "option delta 15 is reserved", headerAt);
    }
    if (header.delta === 0) {
      return index === 0
        ? fail(ErrorCode.P0_BAD_OPTION_NUMBER, "option number 0 does not exist (the first delta must be ≥ 1)", headerAt)
        : fail(ErrorCode.P0_DUPLICATE_OPTION, `${optionName(number)} occurs twice (occurrence is 0..1)`, headerAt);
    }
    number += header.delta;
    const start = pos + header.size;
    const end = start + header.length;
    if (end > bytes.length) {
      const left = bytes.length - start;
      const msg = `${optionName(number)} declares ${header.length} value bytes but only ${left} remain`;
      return fail(ErrorCode.P0_TRUNCATED, msg, start);
    }
    const problem = readValue(n, number, bytes, start, end, headerAt, unknown);
    if (problem !== undefined) return problem;
    if (number === P0Option.SHA256_DIGEST) digestOffset = start;
    pos = end;
  }

  if (pos < bytes.length) {
    const extra = countWholeOptions(bytes, pos, layout);
    return extra > 0
      ? fail(ErrorCode.P0_OPTION_COUNT, `OC is ${optionCount} but ${optionCount + extra} options follow`, pos)
      : fail(ErrorCode.P0_TRAILING_BYTES, `${bytes.length - pos} bytes follow the last option`, pos);
  }
  return ok({ notification: n, digestOffset });
}

function wrongLength(number: number, rule: string, length: number, headerAt: number): Result<never> {
  return fail(ErrorCode.P0_BAD_OPTION_VALUE, `${optionName(number)} must be ${rule}, got ${length} bytes`, headerAt);
}

/** Stores one option's value in `n`; returns the failure, or undefined when the value is valid. */
function readValue(
  n: Mutable<Notification>,
  number: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  headerAt: number,
  unknown: UnknownOption[],
): Result<never> | undefined {
  const length = end - start;

  switch (number) {
    case P0Option.SERVER_ID: {
      // docs/protocol.md §2.3: String = UTF-8 (Net-Unicode); a byte sequence that is not UTF-8 is rejected.
      const bad = findInvalidUtf8(bytes, start, end);
      if (bad >= 0) return fail(ErrorCode.P0_BAD_OPTION_VALUE, "SERVER-ID is not valid UTF-8", bad);
      n.serverId = utf8.decode(bytes.subarray(start, end));
      return undefined;
    }
    case P0Option.PREFERRED_CON_TYPE:
      return readConTypes(n, bytes, start, end, headerAt);
    case P0Option.NOTIFICATION_ID:
      // docs/protocol.md §2.3: NOTIFICATION-ID's length MUST be 2 bytes (a uint16).
      if (length !== NOTIFICATION_ID_SIZE) return wrongLength(number, "exactly 2 bytes", length, headerAt);
      n.notificationId = ((bytes[start] ?? 0) << 8) | (bytes[start + 1] ?? 0);
      return undefined;
    case P0Option.SHA256_DIGEST:
      if (length !== SHA256_DIGEST_SIZE) return wrongLength(number, "exactly 32 bytes", length, headerAt);
      n.digest = copyOf(bytes, start, end);
      return undefined;
    case P0Option.TIMESTAMP:
      return readTimestamp(n, bytes, start, end, headerAt);
    case P0Option.REQ_MOS:
      // docs/protocol.md §2.3: REQ-MOS is of type Null: it carries no value.
      if (length !== 0) return wrongLength(number, "empty (type Null)", length, headerAt);
      n.reqMos = true;
      return undefined;
    default:
      // docs/protocol.md §2.4 (omadm's choice): unknown options are skipped by length; we keep them for re-encoding.
      unknown.push({ number, value: copyOf(bytes, start, end) });
      return undefined;
  }
}

function readConTypes(
  n: Mutable<Notification>,
  bytes: Uint8Array,
  start: number,
  end: number,
  headerAt: number,
): Result<never> | undefined {
  if (start === end) return fail(ErrorCode.P0_BAD_OPTION_VALUE, "PREFERRED-CON-TYPE lists no bearer", headerAt);
  const list: ConType[] = [];
  for (let i = start; i < end; i++) {
    const code = bytes[i] ?? 0;
    if (!isConType(code)) {
      return fail(ErrorCode.P0_BAD_OPTION_VALUE, `PREFERRED-CON-TYPE has unknown bearer code ${hex(code)}`, i);
    }
    // docs/protocol.md §2.3: ANY_AVAILABLE, when used, MUST be the last value.
    if (code === ConType.ANY_AVAILABLE && i !== end - 1) {
      return fail(ErrorCode.P0_BAD_OPTION_VALUE, "PREFERRED-CON-TYPE has ANY_AVAILABLE before the end", i);
    }
    if (list.includes(code)) {
      return fail(ErrorCode.P0_BAD_OPTION_VALUE, `PREFERRED-CON-TYPE lists bearer ${hex(code)} twice`, i);
    }
    list.push(code);
  }
  n.preferredConTypes = list;
  return undefined;
}

/** 2^53 / 2^32: an 8-byte TIMESTAMP whose high word reaches this is beyond Number.MAX_SAFE_INTEGER. */
const SAFE_HIGH_WORD_LIMIT = 0x200000;

function readTimestamp(
  n: Mutable<Notification>,
  bytes: Uint8Array,
  start: number,
  end: number,
  headerAt: number,
): Result<never> | undefined {
  // docs/protocol.md §2.4 (omadm's choice): big-endian POSIX seconds; 4 bytes are sent, 4 or 8 are accepted.
  const length = end - start;
  if (length !== 4 && length !== 8) {
    return fail(ErrorCode.P0_BAD_OPTION_VALUE, `TIMESTAMP must be 4 or 8 bytes, got ${length} bytes`, headerAt);
  }
  if (length === 4) {
    n.timestamp = readUint32(bytes, start);
    return undefined;
  }
  const high = readUint32(bytes, start);
  if (high >= SAFE_HIGH_WORD_LIMIT) {
    return fail(ErrorCode.P0_BAD_OPTION_VALUE, "TIMESTAMP is beyond 2^53 seconds", start);
  }
  n.timestamp = high * 0x1_0000_0000 + readUint32(bytes, start + 4);
  return undefined;
}

/** Big-endian uint32 at `at` (the caller checked the 4 bytes exist). */
function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0
  );
}

/** How many whole options (headers plus values, ignoring meaning) exactly fill bytes[pos..]; 0 if they do not. */
function countWholeOptions(bytes: Uint8Array, pos: number, layout: OptionLayout): number {
  let count = 0;
  let at = pos;
  while (at < bytes.length) {
    const header = layout.readHeader(bytes, at);
    if (header === undefined) return 0;
    at += header.size + header.length;
    count++;
  }
  return at === bytes.length ? count : 0;
}

/** A fresh plain Uint8Array (never a view: the caller may reuse its buffer, and Buffer#slice is a view). */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}
