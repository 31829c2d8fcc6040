// The JSON front end shared by every package parser (docs/protocol.md §3, §7.1): bytes → text → value, with the
// three guards a network-facing parser needs before it trusts JSON.parse: a size limit, strict UTF-8 (RFC 8259
// §8.1 requires UTF-8), and a nesting-depth limit checked *before* parsing so that `[[[[…` a hundred thousand
// levels deep is rejected by a flat loop instead of reaching anything recursive (the schema check, our
// normalizers, JSON.stringify on the way back).

import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import { locateJsonSyntaxError } from "./json-syntax.js";

export interface JsonLimits {
  /** Largest accepted input in UTF-8 bytes. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of arrays and objects (the top-level value is depth 1). */
  readonly maxDepth?: number;
}

/** (omadm's choice) 1 MiB covers a Package#3 with GET data for a whole device; 128 levels exceed any real MO tree. */
export const DEFAULT_JSON_LIMITS = { maxBytes: 1_048_576, maxDepth: 128 } as const;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Decodes, guards and parses one JSON document. Total: any input gives a value or a typed error. */
export function parseJsonText(input: Uint8Array | string, limits: JsonLimits = {}): Result<unknown> {
  const maxBytes = limits.maxBytes ?? DEFAULT_JSON_LIMITS.maxBytes;
  const maxDepth = limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
  let text: string;
  if (typeof input === "string") {
    // Callers holding a string already decoded it; still refuse what cannot be re-encoded as UTF-8.
    if (LONE_SURROGATE.test(input)) {
      return err(new ProtocolError(ErrorCode.JSON_ENCODING, "text contains a lone UTF-16 surrogate"));
    }
    const size = utf8Length(input, maxBytes);
    if (size > maxBytes) return err(tooLarge(size, maxBytes));
    text = input;
  } else {
    if (input.byteLength > maxBytes) return err(tooLarge(input.byteLength, maxBytes));
    try {
      text = utf8.decode(input);
    } catch {
      const at = firstBadUtf8Offset(input);
      return err(new ProtocolError(ErrorCode.JSON_ENCODING, "body is not valid UTF-8", { path: `@${at}` }));
    }
  }
  const deepAt = firstTooDeepOffset(text, maxDepth);
  if (deepAt >= 0) {
    return err(
      new ProtocolError(ErrorCode.JSON_TOO_DEEP, `JSON nesting exceeds ${maxDepth} levels`, { path: `@${deepAt}` }),
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    // V8's messages differ by version and some carry no position, so we locate the error ourselves.
    const found = locateJsonSyntaxError(text);
    return err(
      new ProtocolError(ErrorCode.JSON_SYNTAX, `invalid JSON: ${found.reason} at position ${found.position}`, {
        path: `@${found.position}`,
        cause,
      }),
    );
  }
  // JSON.parse turns 1e999 into Infinity, which JSON cannot carry back (it serializes as null); the scan above
  // flagged the rare texts where that can happen, and only those are walked.
  if (deepAt === MAY_OVERFLOW) {
    const at = firstNonFiniteNumber(value);
    if (at !== undefined) {
      return err(new ProtocolError(ErrorCode.SCHEMA_VIOLATION, "number is out of range (not finite)", { path: at }));
    }
  }
  return ok(value);
}

/** JSON path of the first non-finite number in a parsed value (iterative: the depth is already bounded). */
function firstNonFiniteNumber(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, "$"]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, path] = top;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (typeof v === "object" && v !== null) {
      const entries: [string, unknown][] = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i] ?? ["", undefined];
        stack.push([child, /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`]);
      }
    }
  }
  return undefined;
}

function tooLarge(size: number, maxBytes: number): ProtocolError {
  // `size` may be a lower bound: utf8Length stops counting once past the limit.
  return new ProtocolError(ErrorCode.JSON_TOO_LARGE, `JSON body (${size}+ bytes) exceeds the limit of ${maxBytes}`, {
    status: 413,
  });
}

/** UTF-8 length of `text`, counting no further than just past `limit` (enough to know it is too large). */
function utf8Length(text: string, limit: number): number {
  if (text.length * 3 <= limit) return text.length; // cannot exceed; exact size not needed
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // a well-formed pair (checked above): 4 bytes for both halves
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** firstTooDeepOffset's answer when nesting is fine but a number may overflow to ±Infinity. */
const MAY_OVERFLOW = -2;

/**
 * Offset of the bracket that first exceeds `maxDepth`; else -1, or MAY_OVERFLOW when a number outside strings
 * has a 3-digit exponent or a 200-digit run (overflow needs (integer digits - 1) + exponent >= 308). A flat
 * scan that skips string contents; it does not validate (JSON.parse does), so unbalanced input simply yields
 * -1 or a too-deep offset.
 */
function firstTooDeepOffset(text: string, maxDepth: number): number {
  let depth = 0;
  let digits = 0;
  let mayOverflow = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (++digits >= 200) mayOverflow = true;
      continue;
    }
    if ((c === 0x65 || c === 0x45) /* e E */ && digits > 0) {
      let j = i + 1;
      if (text.charCodeAt(j) === 0x2b || text.charCodeAt(j) === 0x2d) j++; // + -
      let k = j;
      while (k < n && text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39) k++;
      if (k - j >= 3) mayOverflow = true;
      i = k - 1;
      digits = 0;
      continue;
    }
    digits = 0;
    if (c === 0x22 /* " */) {
      // Jump to the closing quote: one not preceded by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return -1; // unterminated string: JSON.parse reports it
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c /* \ */) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return mayOverflow ? MAY_OVERFLOW : -1;
}

/** Byte offset of the first invalid UTF-8 sequence (only called once the strict decoder refused). */
function firstBadUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}
