// Typed leaf values of the DM Tree and their JSON form in the MO serialization (docs/protocol.md §7.1, §8.1).
// A leaf's DDF format decides its TypeScript type; every value that enters the tree passes through one of the
// two checks below, so a stored value always matches its format.
import { ErrorCode, ProtocolError, type NodeFormat, type Result, err, ok } from "@omadm/protocol";

/** The value of a leaf: chr/xml/date/time → string, int/float → number, bool → boolean, bin/b64 → bytes. */
export type LeafValue = string | number | boolean | Uint8Array | null;

/** A JSON value as it appears inside `MOData` (§7.1). */
export type MoDataValue = string | number | boolean | null | MoDataObject;
export interface MoDataObject {
  [name: string]: MoDataValue;
}

type LeafFormat = Exclude<NodeFormat, "node">;

// ISO 8601 calendar date and time of day, extended or basic form (DM 1.3 TND §7.7.7 formats reused by DM 2.0).
const DATE_RE = /^\d{4}(?:-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$/;
const ZONE = String.raw`(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?`;
const TIME_RE = new RegExp(
  String.raw`^(?:(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?|(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d(?:[.,]\d+)?)?)` +
    ZONE +
    "$",
);
const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// RFC 4648 §4 alphabet; padding optional on input (peers differ), required on output.
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

function badValue(format: LeafFormat, where: string, detail: string): Result<never> {
  return err(
    new ProtocolError(ErrorCode.TREE_BAD_VALUE, `value for ${format} leaf ${where} ${detail}`, {
      status: 400,
      path: where,
    }),
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Uint8Array) return "bytes";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `the string ${JSON.stringify(value.slice(0, 40))}` : `a ${typeof value}`;
}

function checkString(format: LeafFormat, s: string, where: string): Result<string> {
  if (format === "date" && !DATE_RE.test(s))
    return badValue(format, where, `must be an ISO 8601 date, got ${describe(s)}`);
  if (format === "time" && !TIME_RE.test(s))
    return badValue(format, where, `must be an ISO 8601 time, got ${describe(s)}`);
  return ok(s);
}

/** Decodes base64 (RFC 4648 §4, padding optional); undefined when `s` is not base64. */
export function decodeBase64(s: string): Uint8Array | undefined {
  if (!BASE64_RE.test(s)) return undefined;
  const b = Buffer.from(s, "base64");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Decodes a leaf's JSON value from `MOData` (§7.1). Lenient, as §7.1 requires: int, float and bool also arrive
 * as strings (the approved DevInfo example and another DM 2.0 client send every value as a string); `null`
 * accepts "" as well.
 */
export function decodeLeafJson(format: LeafFormat, json: unknown, where: string): Result<LeafValue> {
  switch (format) {
    case "chr":
    case "xml":
    case "date":
    case "time":
      return typeof json === "string"
        ? checkString(format, json, where)
        : badValue(format, where, `must be a string, got ${describe(json)}`);
    case "int": {
      const n = typeof json === "string" && INT_RE.test(json) ? Number(json) : json;
      if (typeof n === "number" && Number.isSafeInteger(n)) return ok(n);
      return badValue(format, where, `must be an integer, got ${describe(json)}`);
    }
    case "float": {
      const n = typeof json === "string" && FLOAT_RE.test(json) ? Number(json) : json;
      if (typeof n === "number" && Number.isFinite(n)) return ok(n);
      return badValue(format, where, `must be a finite number, got ${describe(json)}`);
    }
    case "bool":
      if (typeof json === "boolean") return ok(json);
      if (typeof json === "string" && /^(?:true|false)$/i.test(json)) return ok(json.toLowerCase() === "true");
      return badValue(format, where, `must be true or false, got ${describe(json)}`);
    case "bin":
    case "b64": {
      const bytes = typeof json === "string" ? decodeBase64(json) : undefined;
      return bytes === undefined
        ? badValue(format, where, `must be a base64 string, got ${describe(json)}`)
        : ok(bytes);
    }
    case "null":
      return json === null || json === "" ? ok(null) : badValue(format, where, `must be null, got ${describe(json)}`);
  }
}

/** Checks a value a local application sets (typed, no string coercion). */
export function checkLeafValue(format: LeafFormat, value: LeafValue, where: string): Result<LeafValue> {
  switch (format) {
    case "chr":
    case "xml":
    case "date":
    case "time":
      return typeof value === "string"
        ? checkString(format, value, where)
        : badValue(format, where, `must be a string, got ${describe(value)}`);
    case "int":
      return typeof value === "number" && Number.isSafeInteger(value)
        ? ok(value)
        : badValue(format, where, `must be an integer, got ${describe(value)}`);
    case "float":
      return typeof value === "number" && Number.isFinite(value)
        ? ok(value)
        : badValue(format, where, `must be a finite number, got ${describe(value)}`);
    case "bool":
      return typeof value === "boolean"
        ? ok(value)
        : badValue(format, where, `must be a boolean, got ${describe(value)}`);
    case "bin":
    case "b64":
      return value instanceof Uint8Array ? ok(value) : badValue(format, where, `must be bytes, got ${describe(value)}`);
    case "null":
      return value === null ? ok(null) : badValue(format, where, `must be null, got ${describe(value)}`);
  }
}

/** The JSON form of a stored value (§7.1 table): bin/b64 as base64, everything else as its JSON type. */
export function encodeLeafJson(value: LeafValue): MoDataValue {
  return value instanceof Uint8Array ? encodeBase64(value) : value;
}

/** The string form used for `nv=` comparison (§6.1). */
export function leafValueToString(value: LeafValue): string {
  if (value === null) return "";
  if (value instanceof Uint8Array) return encodeBase64(value);
  return String(value);
}

export function leafValuesEqual(a: LeafValue, b: LeafValue): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.byteLength !== b.byteLength) return false;
    for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Object.is(a, b) || a === b;
}
