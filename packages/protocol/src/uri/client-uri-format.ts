// Canonical text of a ClientURI and the concrete-form helpers (docs/protocol.md §6.1 "Canonical form", omadm's choice):
// the client always reports concrete ClientURIs (real MIID, no x-names or "*", no query); instance roots end
// in "/"; comparison is case-sensitive, so the text must be produced one way only: upper-case %XX, and only
// the characters the grammar does not allow raw are encoded.
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import { parseClientUri, type ClientUri, type MoInst, type PathSegment } from "./client-uri.js";
import { isUnreserved, percentEncode } from "./percent.js";

// Characters each component may carry unencoded (the complement of what §6.1 says must be percent-encoded).
const keepRealName = (ch: string): boolean => isUnreserved(ch) || "!$'+,;=:@".includes(ch);
const keepRelName = (ch: string): boolean => isUnreserved(ch) || "!$'+,;=@".includes(ch); // ":" splits nv-fields
const keepNvValue = (ch: string): boolean => isUnreserved(ch) || ":@/".includes(ch);
const keepOtherValue = (ch: string): boolean => isUnreserved(ch) || ":/".includes(ch);
const ALL_REAL_NAME = /^[A-Za-z0-9\-._~!$'+,;=:@]*$/;
const ALL_REL_NAME = /^[A-Za-z0-9\-._~!$'+,;=@]*$/;
const ALL_NV_VALUE = /^[A-Za-z0-9\-._~:@/]*$/;
const ALL_UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const ALL_OTHER_VALUE = /^[A-Za-z0-9\-._~:/]*$/;

/** Encodes a node name for the path of a ClientURI (e.g. "a/b" → "a%2Fb", "x(1)" → "x%281%29"). */
export function encodeNodeName(name: string): string {
  return percentEncode(name, keepRealName, ALL_REAL_NAME);
}

function formatInst(inst: MoInst): string {
  switch (inst.kind) {
    case "miid":
      return inst.miid;
    case "xname":
      return `(${inst.letter})`;
    case "only":
      return "";
    case "all":
      return "*";
  }
}

function formatSegment(seg: PathSegment): string {
  switch (seg.kind) {
    case "name":
      return encodeNodeName(seg.name);
    case "xname":
      return `(${seg.letter})`;
    case "all":
      return "*";
  }
}

/**
 * The canonical text of a ClientURI: query fields in the order nv-fields, cv-field, other fields; names and
 * values re-encoded. For any parsed `uri`, `parseClientUri(formatClientUri(uri))` gives back an equal value.
 */
export function formatClientUri(uri: ClientUri): string {
  let text = `${uri.moid}/${formatInst(uri.inst)}/${uri.path.map(formatSegment).join("/")}`;
  if (uri.path.length > 0 && uri.trailingSlash) text += "/";
  const fields: string[] = [];
  for (const f of uri.query.nv) {
    const rel = f.relPath.map((n) => percentEncode(n, keepRelName, ALL_REL_NAME)).join("/");
    fields.push(`nv=(${f.letter})/${rel}:${percentEncode(f.value, keepNvValue, ALL_NV_VALUE)}`);
  }
  if (uri.query.cv !== undefined) fields.push(`cv=${percentEncode(uri.query.cv, isUnreserved, ALL_UNRESERVED)}`);
  for (const [key, value] of uri.query.other)
    fields.push(`${key}=${percentEncode(value, keepOtherValue, ALL_OTHER_VALUE)}`);
  return fields.length === 0 ? text : `${text}?${fields.join("&")}`;
}

/** True when the URI names exactly one node by itself: a real MIID, only real names, and no query at all. */
export function isConcrete(uri: ClientUri): boolean {
  return (
    uri.inst.kind === "miid" &&
    uri.path.every((s) => s.kind === "name") &&
    uri.query.nv.length === 0 &&
    uri.query.cv === undefined &&
    uri.query.other.length === 0
  );
}

export interface ConcreteOptions {
  /**
   * End the text in "/" (the form of an instance root). Implied when `path` is empty, which always gives
   * `MOID/MIID/`; for a non-empty path the default is no trailing "/".
   */
  readonly root?: boolean;
}

/**
 * The canonical concrete ClientURI of one node (docs/protocol.md §6.1): `MOID/MIID/` for an instance root,
 * `MOID/MIID/a/b` below it, node names percent-encoded. `moid` and `miid` should satisfy isValidMoid and
 * isValidMiid, and every name isValidNodeName; otherwise the text will not parse back.
 */
export function concreteClientUri(
  moid: string,
  miid: string,
  path: readonly string[],
  options: ConcreteOptions = {},
): string {
  if (path.length === 0) return `${moid}/${miid}/`;
  const text = `${moid}/${miid}/${path.map(encodeNodeName).join("/")}`;
  return options.root === true ? text + "/" : text;
}

/**
 * Parses a ClientURI that must be concrete (e.g. a `URI` a client reports in Package#3). `URI_SYNTAX` for
 * bad syntax, `URI_NOT_CONCRETE` (400) for a valid URI with "", "*", an x-name or a query.
 */
export function parseConcreteClientUri(text: string): Result<ClientUri> {
  const parsed = parseClientUri(text);
  if (!parsed.ok || isConcrete(parsed.value)) return parsed;
  return err(
    new ProtocolError(
      ErrorCode.URI_NOT_CONCRETE,
      `ClientURI ${JSON.stringify(text.slice(0, 80))} is not concrete (needs a real MIID, real names and no query)`,
      { status: 400 },
    ),
  );
}

/** Parses `text` and returns its canonical text (e.g. "%7e" → "~", query fields reordered), or the parse error. */
export function canonicalClientUri(text: string): Result<string> {
  const parsed = parseClientUri(text);
  return parsed.ok ? ok(formatClientUri(parsed.value)) : parsed;
}
