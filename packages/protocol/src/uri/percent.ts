// Percent-encoding helpers for ClientURI components (RFC 3986 §2.1, docs/protocol.md §6.1).
// Decoding is total (malformed input gives undefined, never an exception); encoding always uses upper-case hex
// and UTF-8, which is the canonical form of RFC 3986 §2.1 and §6.2.2.1.

/** Decodes `%XX` sequences as UTF-8. Returns undefined when a sequence is not valid UTF-8. */
export function percentDecode(text: string): string | undefined {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // URIError: a %XX run that is not well-formed UTF-8 (e.g. "%C3" alone or "%FF").
    return undefined;
  }
}

const HEX = "0123456789ABCDEF";

function pctByte(byte: number): string {
  return "%" + (HEX[byte >> 4] ?? "0") + (HEX[byte & 15] ?? "0");
}

/**
 * Percent-encodes every code point of `text` that `keep` does not accept. `keep` sees single ASCII characters
 * only; all non-ASCII code points are encoded as UTF-8. A lone surrogate (not representable in UTF-8) becomes
 * U+FFFD rather than throwing, so formatting is total too. `allKept`, when given, is an anchored regex that
 * matches exactly the strings `keep` would leave unchanged (a fast path).
 */
export function percentEncode(text: string, keep: (ch: string) => boolean, allKept?: RegExp): string {
  // Fast path: most names and values need no encoding at all.
  if (allKept?.test(text) === true) return text;
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) {
      out += keep(ch) ? ch : pctByte(code);
      continue;
    }
    try {
      out += encodeURIComponent(ch);
    } catch {
      out += "%EF%BF%BD";
    }
  }
  return out;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** RFC 3986 unreserved characters. */
export function isUnreserved(ch: string): boolean {
  return UNRESERVED.test(ch);
}
