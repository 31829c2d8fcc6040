// Package#0 encoder — DM 2.0 §5.2.1 / §7.1 (seed CR §7.2.1; dm2-reference §2.2–§2.4). Input comes from our own
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
import { hasLoneSurrogate } from "./utf8.js";

/** Encoded bytes plus where the SHA256-DIGEST value starts (-1 when absent), for signing in place. */
export interface EncodedNotification {
  readonly bytes: Uint8Array;
  readonly digestOffset: number;
}

interface Entry {
  readonly number: number;
  readonly value: Uint8Array;
  readonly path: string;
}

const utf8 = new TextEncoder();
const NO_VALUE = new Uint8Array(0);
/** dm2-reference §2.5 step 1: the digest option is first written as 32 zero bytes. Only ever read. */
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
 * `n.digest` holds, ready for the digest to be computed and written at `digestOffset` (dm2-reference §2.5).
 */
export function encodeNotificationWith(
  n: Notification,
  layout: OptionLayout,
  forSigning: boolean,
): EncodedNotification {
  const entries = collectEntries(n, forSigning);
  // OC is 5 bits (dm2-reference §2.2).
  if (entries.length > P0_MAX_OPTIONS) {
    throw invalid(ErrorCode.P0_OPTION_COUNT, `${entries.length} options, OC allows at most 31`, "$");
  }
  let size = P0_HEADER_SIZE;
  let previous = 0;
  for (const e of entries) {
    // Options go in increasing number order with a 4-bit delta; 15 is reserved (dm2-reference §2.3).
    if (e.number - previous > P0_MAX_DELTA) {
      const msg = `option ${e.number} follows option ${previous}: a delta above ${P0_MAX_DELTA} cannot be encoded`;
      throw invalid(ErrorCode.P0_BAD_OPTION_NUMBER, msg, e.path);
    }
    if (e.value.length > layout.maxLength) {
      const msg = `${optionName(e.number)} value is ${e.value.length} bytes, profile ${layout.profile} allows ${layout.maxLength}`;
      throw invalid(ErrorCode.P0_VALUE_TOO_LONG, msg, e.path);
    }
    size += layout.headerSize(e.value.length) + e.value.length;
    previous = e.number;
  }

  const out = new Uint8Array(size);
  out[0] = (P0_VERSION << 4) | (entries.length >> 1);
  out[1] = (entries.length & 1) << 7; // the 7 reserved bits are sent as 0
  let pos = P0_HEADER_SIZE;
  let digestOffset = -1;
  previous = 0;
  for (const e of entries) {
    pos = layout.writeHeader(out, pos, e.number - previous, e.value.length);
    if (e.number === P0Option.SHA256_DIGEST) digestOffset = pos;
    out.set(e.value, pos);
    pos += e.value.length;
    previous = e.number;
  }
  return { bytes: out, digestOffset };
}

/** The options of `n` as (number, value) in increasing number order, each value checked against its rule. */
function collectEntries(n: Notification, forSigning: boolean): Entry[] {
  const entries: Entry[] = [];
  if (n.serverId !== undefined) {
    if (hasLoneSurrogate(n.serverId)) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, "serverId has a lone surrogate: it has no UTF-8 form", "$.serverId");
    }
    entries.push({ number: P0Option.SERVER_ID, value: utf8.encode(n.serverId), path: "$.serverId" });
  }
  if (n.preferredConTypes !== undefined) {
    entries.push({
      number: P0Option.PREFERRED_CON_TYPE,
      value: conTypeBytes(n.preferredConTypes),
      path: "$.preferredConTypes",
    });
  }
  if (n.notificationId !== undefined) {
    const id = n.notificationId;
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `notificationId ${id} is not a uint16`, "$.notificationId");
    }
    const value = new Uint8Array(NOTIFICATION_ID_SIZE);
    value[0] = id >> 8;
    value[1] = id & 0xff;
    entries.push({ number: P0Option.NOTIFICATION_ID, value, path: "$.notificationId" });
  }
  if (forSigning) {
    entries.push({ number: P0Option.SHA256_DIGEST, value: ZERO_DIGEST, path: "$.digest" });
  } else if (n.digest !== undefined) {
    if (n.digest.length !== SHA256_DIGEST_SIZE) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `digest is ${n.digest.length} bytes, must be 32`, "$.digest");
    }
    entries.push({ number: P0Option.SHA256_DIGEST, value: n.digest, path: "$.digest" });
  }
  if (n.timestamp !== undefined) {
    entries.push({ number: P0Option.TIMESTAMP, value: timestampBytes(n.timestamp), path: "$.timestamp" });
  }
  if (n.reqMos) entries.push({ number: P0Option.REQ_MOS, value: NO_VALUE, path: "$.reqMos" });
  appendUnknown(entries, n);
  return entries;
}

function conTypeBytes(list: readonly ConType[]): Uint8Array {
  const path = "$.preferredConTypes";
  if (list.length === 0) throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, "preferredConTypes is empty", path);
  const value = new Uint8Array(list.length);
  list.forEach((code, i) => {
    const raw: number = code; // a JavaScript caller can pass any number despite the type
    if (!isConType(raw)) throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `unknown bearer code ${raw}`, `${path}[${i}]`);
    // Seed CR §7.2.1.2: "If ANY_AVAILABLE is used, it MUST be put at the end".
    if (code === ConType.ANY_AVAILABLE && i !== list.length - 1) {
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, "ANY_AVAILABLE must be the last bearer", `${path}[${i}]`);
    }
    if (list.indexOf(code) !== i)
      throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `bearer ${code} repeated`, `${path}[${i}]`);
    value[i] = code;
  });
  return value;
}

function timestampBytes(seconds: number): Uint8Array {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw invalid(ErrorCode.P0_BAD_OPTION_VALUE, `timestamp ${seconds} is not whole POSIX seconds ≥ 0`, "$.timestamp");
  }
  // dm2-reference §2.4 [PROPOSED]: send 4 bytes. Only past 2106 (beyond uint32) the 8-byte form is used,
  // which every receiver of this proposal accepts.
  const wide = seconds >= UINT32_LIMIT;
  const value = new Uint8Array(wide ? 8 : 4);
  const view = new DataView(value.buffer);
  if (wide) {
    view.setUint32(0, Math.floor(seconds / UINT32_LIMIT));
    view.setUint32(4, seconds % UINT32_LIMIT);
  } else {
    view.setUint32(0, seconds);
  }
  return value;
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
    entries.push({ number, value: option.value, path });
    previous = number;
  }
}
