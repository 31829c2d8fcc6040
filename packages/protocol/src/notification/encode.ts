// Package#0 encoder — DM 2.0 §5.2.1 / §7.1 (docs/protocol.md §2, §2.2–§2.4). Input comes from our own
// code (the server's notifier), so an invalid value is a programming mistake: it throws a ProtocolError.
import { ErrorCode, ProtocolError } from "../errors.js";
import {
  ConType,
  isConType,
  NOTIFICATION_ID_SIZE,
  P0_HEADER_SIZE,
  P0_MAX_DELTA,
  P0_MAX_OPTIONS,
  P0_VERSION,
  P0Option,
  SHA256_DIGEST_SIZE,
} from "./constants.js";
import type { OptionLayout } from "./option-layout.js";
import { optionLayout } from "./option-layout.js";
import { optionName } from "./option-names.js";
import type { Notification, NotificationCodecOptions } from "./types.js";
import { utf8Length, writeUtf8 } from "./utf8.js";

/** Encoded bytes plus where the SHA256-DIGEST value starts (-1 when absent), for signing in place. */
export interface EncodedNotification {
  readonly bytes: Uint8Array;
  readonly digestOffset: number;
}

/**
 * One option to write. Values stay in their natural form until they are written into the one output buffer
 * (small typed arrays cost more to allocate than the whole encoding): a string is SERVER-ID (UTF-8), a number
 * array is bearer codes, a number is a big-endian uint of `length` bytes, bytes are copied.
 */
interface Entry {
  readonly number: number;
  readonly value: Uint8Array | string | readonly number[] | number;
  readonly length: number;
  readonly path: string;
}

const NO_VALUE = new Uint8Array(0);
/** docs/protocol.md §2.5 step 1: the digest option is first written as 32 zero bytes. Only ever read. */
const ZERO_DIGEST = new Uint8Array(SHA256_DIGEST_SIZE);
const UINT32_LIMIT = 0x1_0000_0000;

function invalid(code: ErrorCode, message: string, path: string): ProtocolError {
  return new ProtocolError(code, message, { path, status: 500 });
}

export function encodeNotification(n: Notification, options: NotificationCodecOptions = {}): Uint8Array {
  return encodeNotificationWith(n, optionLayout(options.profile), false).bytes;
}

/**
 * Encodes `n` in one allocation. With `forSigning`, a SHA256-DIGEST option of 32 zero bytes is written whatever
 * `n.digest` holds, ready for the digest to be computed and written at `digestOffset` (docs/protocol.md §2.5).
 */
export function encodeNotificationWith(
  n: Notification,
  layout: OptionLayout,
  forSigning: boolean,
): EncodedNotification {
  const entries = collectEntries(n, forSigning);
  // OC is 5 bits (docs/protocol.md §2.2).
  if (entries.length > P0_MAX_OPTIONS) {
    throw invalid(ErrorCode.P0_OPTION_COUNT, `${entries.length} options, OC allows at most 31`, "$");
  }
  let size = P0_HEADER_SIZE;
  let previous = 0;
  for (const e of entries) {
    // Options go in increasing number order with a 4-bit delta; 15 is reserved (docs/protocol.md §2.3).
    if (e.number - previous > P0_MAX_DELTA) {
      const msg = `option ${e.number} follows option ${previous}: a delta above ${P0_MAX_DELTA} cannot be encoded`;
      throw invalid(ErrorCode.P0_BAD_OPTION_NUMBER, msg, e.path);
    }
    if (e.length > layout.maxLength) {
      const msg = `${optionName(e.number)} value is ${e.length} bytes, profile ${layout.profile} allows ${layout.maxLength}`;
      throw invalid(ErrorCode.P0_VALUE_TOO_LONG, msg, e.path);
    }
    size += layout.headerSize(e.length) + e.length;
    previous = e.number;
  }

  const out = new Uint8Array(size);
  out[0] = (P0_VERSION << 4) | (entries.length >> 1);
  out[1] = (entries.length & 1) << 7; // the 7 reserved bits are sent as 0
  let pos = P0_HEADER_SIZE;
  let digestOffset = -1;
  previous = 0;
  for (const e of entries) {
    pos = layout.writeHeader(out, pos, e.number - previous, e.length);
    if (e.number === P0Option.SHA256_DIGEST) digestOffset = pos;
    pos = writeValue(e, out, pos);
    previous = e.number;
  }
  return { bytes: out, digestOffset };
}

/** The options of `n` as (number, value) in increasing number order, each value checked against its rule. */
function collectEntries(n: Notification, forSigning: boolean): Entry[] {
  const entries: Entry[] = [];
  if (n.serverId !== undefined) {
    const length = utf8Length(n.serverId);
    if (length < 0) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, "serverId has a lone surrogate: it has no UTF-8 form", "$.serverId");
    }
    entries.push({ number: P0Option.SERVER_ID, value: n.serverId, length, path: "$.serverId" });
  }
  if (n.preferredConTypes !== undefined) {
    const list = checkedConTypes(n.preferredConTypes);
    entries.push({
      number: P0Option.PREFERRED_CON_TYPE,
      value: list,
      length: list.length,
      path: "$.preferredConTypes",
    });
  }
  if (n.notificationId !== undefined) {
    const id = n.notificationId;
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `notificationId ${id} is not a uint16`, "$.notificationId");
    }
    entries.push({
      number: P0Option.NOTIFICATION_ID,
      value: id,
      length: NOTIFICATION_ID_SIZE,
      path: "$.notificationId",
    });
  }
  if (forSigning) {
    entries.push(bytesEntry(P0Option.SHA256_DIGEST, ZERO_DIGEST, "$.digest"));
  } else if (n.digest !== undefined) {
    if (n.digest.length !== SHA256_DIGEST_SIZE) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `digest is ${n.digest.length} bytes, must be 32`, "$.digest");
    }
    entries.push(bytesEntry(P0Option.SHA256_DIGEST, n.digest, "$.digest"));
  }
  if (n.timestamp !== undefined) {
    const seconds = n.timestamp;
    if (!Number.isSafeInteger(seconds) || seconds < 0) {
      throw invalid(
        ErrorCode.P0_BAD_OPTION_VALUE,
        `timestamp ${seconds} is not whole POSIX seconds ≥ 0`,
        "$.timestamp",
      );
    }
    // docs/protocol.md §2.4 (omadm's choice): send 4 bytes. Only past 2106 (beyond uint32) the 8-byte form is used,
    // which every receiver of this proposal accepts.
    const length = seconds >= UINT32_LIMIT ? 8 : 4;
    entries.push({ number: P0Option.TIMESTAMP, value: seconds, length, path: "$.timestamp" });
  }
  if (n.reqMos) entries.push(bytesEntry(P0Option.REQ_MOS, NO_VALUE, "$.reqMos"));
  appendUnknown(entries, n);
  return entries;
}

function checkedConTypes(list: readonly ConType[]): readonly number[] {
  const path = "$.preferredConTypes";
  if (list.length === 0) throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, "preferredConTypes is empty", path);
  for (let i = 0; i < list.length; i++) {
    const code: number | undefined = list[i]; // a JavaScript caller can pass any number despite the type
    if (code === undefined || !isConType(code)) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `unknown bearer code ${String(code)}`, `${path}[${i}]`);
    }
    // docs/protocol.md §2.3: ANY_AVAILABLE, when used, MUST be the last value.
    if (code === ConType.ANY_AVAILABLE && i !== list.length - 1) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, "ANY_AVAILABLE must be the last bearer", `${path}[${i}]`);
    }
    if (list.indexOf(code) !== i)
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `bearer ${code} repeated`, `${path}[${i}]`);
  }
  return list;
}

function bytesEntry(number: number, value: Uint8Array, path: string): Entry {
  return { number, value, length: value.length, path };
}

/** Writes an entry's value at `at`; returns the next offset. */
function writeValue(e: Entry, out: Uint8Array, at: number): number {
  const { value } = e;
  if (typeof value === "string") return writeUtf8(value, out, at);
  if (typeof value === "number") {
    // A big-endian uint of 2 (NOTIFICATION-ID), 4 or 8 (TIMESTAMP) bytes; 8 are written as two 32-bit words.
    let low = value;
    if (e.length === 8) {
      writeUint32(out, at, Math.floor(value / UINT32_LIMIT));
      low = value % UINT32_LIMIT;
    }
    if (e.length === 2) {
      out[at] = low >> 8;
      out[at + 1] = low & 0xff;
    } else {
      writeUint32(out, at + e.length - 4, low);
    }
    return at + e.length;
  }
  if (value instanceof Uint8Array && value.length > 64) {
    out.set(value, at); // TypedArray#set has a fixed cost that only pays off for longer values
    return at + value.length;
  }
  for (let i = 0; i < value.length; i++) out[at + i] = value[i] ?? 0;
  return at + value.length;
}

function writeUint32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/** Unknown options (numbers 7 and up) go after the standard ones, sorted, each number once. */
function appendUnknown(entries: Entry[], n: Notification): void {
  if (n.unknownOptions.length === 0) return;
  const indexed = n.unknownOptions.map((option, i) => ({ option, path: `$.unknownOptions[${i}]` }));
  indexed.sort((a, b) => a.option.number - b.option.number);
  let previous = 0;
  for (const { option, path } of indexed) {
    const { number } = option;
    if (!Number.isInteger(number) || number < 1) {
      throw invalid(ErrorCode.P0_BAD_OPTION_NUMBER, `option number ${number} is not a positive integer`, path);
    }
    if (number <= P0Option.REQ_MOS) {
      const msg = `${optionName(number)} is a standard option: set its typed field instead`;
      throw invalid(ErrorCode.P0_BAD_OPTION_NUMBER, msg, path);
    }
    if (number === previous) throw invalid(ErrorCode.P0_DUPLICATE_OPTION, `option ${number} given twice`, path);
    entries.push(bytesEntry(number, option.value, path));
    previous = number;
  }
}
