// The option-header layouts of Package#0 — docs/protocol.md §2.3. The approved figure for Option Length was not
// available, so the layout sits behind this interface and both candidate profiles are implemented (omadm's choice).
import { OptionProfile } from "./constants.js";

/** One decoded option header: the 4-bit delta, the value length and how many bytes the header took. */
export interface OptionHeader {
  readonly delta: number;
  readonly length: number;
  readonly size: number;
}

export interface OptionLayout {
  readonly profile: OptionProfile;
  /** Longest value the layout can express. */
  readonly maxLength: number;
  /** Bytes the header of an option with a value of `length` bytes takes. */
  headerSize(length: number): number;
  /** Writes a header at `at` (the caller checked delta ≤ 14 and length ≤ maxLength); returns the next offset. */
  writeHeader(out: Uint8Array, at: number, delta: number, length: number): number;
  /** Reads the header at `at`, or undefined when the bytes end inside it. Never reads past `bytes.length`. */
  readHeader(bytes: Uint8Array, at: number): OptionHeader | undefined;
}

/** 4-bit length nibble 15 = "one extension byte follows" (the CoAP-draft rule the field names come from). */
const A_EXTENDED = 15;

/** Profile A: `Delta(4) | Len(4) [E(8)]`; Len 0..14 is the length, Len 15 means 15 + E (max 270). */
export const profileA: OptionLayout = {
  profile: OptionProfile.A,
  maxLength: A_EXTENDED + 0xff,
  headerSize: (length) => (length < A_EXTENDED ? 1 : 2),
  writeHeader(out, at, delta, length) {
    if (length < A_EXTENDED) {
      out[at] = (delta << 4) | length;
      return at + 1;
    }
    out[at] = (delta << 4) | A_EXTENDED;
    out[at + 1] = length - A_EXTENDED;
    return at + 2;
  },
  readHeader(bytes, at) {
    const b = bytes[at];
    if (b === undefined) return undefined;
    const nibble = b & 0x0f;
    if (nibble < A_EXTENDED) return { delta: b >> 4, length: nibble, size: 1 };
    const e = bytes[at + 1];
    if (e === undefined) return undefined;
    return { delta: b >> 4, length: A_EXTENDED + e, size: 2 };
  },
};

/** Profile B: `Delta(4) | Len(12)`, always 2 bytes (max 4095), like DM 1.3's notification options. */
export const profileB: OptionLayout = {
  profile: OptionProfile.B,
  maxLength: 0x0fff,
  headerSize: () => 2,
  writeHeader(out, at, delta, length) {
    out[at] = (delta << 4) | (length >> 8);
    out[at + 1] = length & 0xff;
    return at + 2;
  },
  readHeader(bytes, at) {
    const hi = bytes[at];
    const lo = bytes[at + 1];
    if (hi === undefined || lo === undefined) return undefined;
    return { delta: hi >> 4, length: ((hi & 0x0f) << 8) | lo, size: 2 };
  },
};

export function optionLayout(profile: OptionProfile | undefined): OptionLayout {
  return profile === OptionProfile.B ? profileB : profileA;
}
