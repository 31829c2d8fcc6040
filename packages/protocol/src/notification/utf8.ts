// Strict UTF-8 (RFC 3629) for the SERVER-ID String option (seed CR §7.2.1.2: "encoded using UTF-8").
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

/** A JavaScript string with a lone surrogate has no UTF-8 form (TextEncoder would silently write U+FFFD). */
export function hasLoneSurrogate(s: string): boolean {
  return /\p{Cs}/u.test(s);
}
