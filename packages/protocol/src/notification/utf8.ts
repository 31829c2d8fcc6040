// Strict UTF-8 (RFC 3629) for the SERVER-ID String option (docs/protocol.md §2.3: String values are UTF-8).
// Written out rather than relying on TextDecoder's `fatal` exception so that the error names the exact byte.

/**
 * Offset of the first sequence in `bytes[start, end)` that breaks RFC 3629 (its lead byte: overlong forms,
 * surrogates, code points above U+10FFFF, bad or missing continuation bytes), or -1 when it is valid UTF-8.
 */
export function findInvalidUtf8(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b0 = bytes[i] ?? 0;
    if (b0 < 0x80) {
      i += 1;
      continue;
    }
    // RFC 3629 §4 table: the lead byte fixes the sequence length and the allowed range of the 2nd byte.
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) lo = 0xa0; // overlong
      if (b0 === 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) lo = 0x90; // overlong
      if (b0 === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i; // 0x80..0xC1 (continuation or overlong lead) and 0xF5..0xFF never start a sequence
    for (let k = 1; k <= need; k++) {
      const at = i + k;
      if (at >= end) return i; // cut short by the end of the value
      const b = bytes[at] ?? 0;
      if (k === 1 ? b < lo || b > hi : b < 0x80 || b > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * UTF-8 byte length of `s`, or -1 when `s` has a lone surrogate (it has no UTF-8 form; TextEncoder would
 * silently write U+FFFD). Hand-written with writeUtf8 because TextEncoder costs more than the whole
 * encoding of a notification (docs/protocol.md §2.5 sign path).
 */
export function utf8Length(s: string): number {
  let length = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c < 0xd800 || c > 0xdfff) length += 3;
    else if (c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else return -1;
  }
  return length;
}

/** Writes `s` (checked by utf8Length) as UTF-8 at `at`; returns the next offset. */
export function writeUtf8(s: string, out: Uint8Array, at: number): number {
  let pos = at;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
      continue;
    }
    if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
    } else {
      if (c >= 0xd800 && c <= 0xdbff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        out[pos++] = 0xf0 | (c >> 18);
        out[pos++] = 0x80 | ((c >> 12) & 0x3f);
      } else {
        out[pos++] = 0xe0 | (c >> 12);
      }
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
    }
    out[pos++] = 0x80 | (c & 0x3f);
  }
  return pos;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
