// ClientURI as a value object: the parsed form and the total parser (DM 2.0 §6.1, docs/protocol.md §6.1).
// The ABNF is (omadm's choice) in docs/protocol.md §6.1; every rule below cites the production it enforces.
// Formatting and the concrete-URI helpers live in client-uri-format.ts; resolution in resolve.ts.
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import { percentDecode } from "./percent.js";

/** mo-inst: which MO instance(s) the URI selects (§6.1 "mo-inst = MIID / x-name / "*" / """). */
export type MoInst =
  | { readonly kind: "miid"; readonly miid: string }
  | { readonly kind: "xname"; readonly letter: string }
  /** `""`: the only instance of the MOID (unresolvable when there are two or more). */
  | { readonly kind: "only" }
  /** `*`: every instance. */
  | { readonly kind: "all" };

/** One node of path-from-moroot: a real (percent-decoded) name, an x-name, or `*`. */
export type PathSegment =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "xname"; readonly letter: string }
  | { readonly kind: "all" };

/** nv-field `nv=(x)/A/B:v`: the candidate bound to `(x)` must have a leaf `A/B` whose value is `v`. */
export interface NvField {
  readonly letter: string;
  /** Decoded node names below the x-named node; never empty. */
  readonly relPath: readonly string[];
  /** Decoded value, compared as a string. */
  readonly value: string;
}

export interface ClientUriQuery {
  /** nv-fields in the order given; several for the same letter are ANDed. */
  readonly nv: readonly NvField[];
  /** Cache validator (§6.3), decoded. */
  readonly cv?: string;
  /** Other fields `[key, decodedValue]`, kept but ignored by resolution (omadm's choice). */
  readonly other: readonly (readonly [string, string])[];
}

export interface ClientUri {
  readonly moid: string;
  readonly inst: MoInst;
  /** Empty for an instance root. */
  readonly path: readonly PathSegment[];
  /** The text before the query ends in "/". Always true when `path` is empty (`MOID/mo-inst/`). */
  readonly trailingSlash: boolean;
  readonly query: ClientUriQuery;
}

// MOID = "urn:oma:mo:" 1*( ALPHA / DIGIT / "-" / "." / "_" / ":" )
const MOID_RE = /^urn:oma:mo:[A-Za-z0-9\-._:]+$/;
// MIID = 1*64( ALPHA / DIGIT / "-" / "." / "_" / "~" )
const MIID_RE = /^[A-Za-z0-9\-._~]{1,64}$/;
// x-name = "(" ALPHA ")"
const XNAME_RE = /^\(([A-Za-z])\)$/;
// real-name = 1*( unreserved / pct-encoded / "!" / "$" / "'" / "+" / "," / ";" / "=" / ":" / "@" )
const REAL_NAME_RE = /^(?:[A-Za-z0-9\-._~!$'+,;=:@]|%[0-9A-Fa-f]{2})+$/;
// Node names inside an nv rel-path: as real-name, but ":" must be percent-encoded (split rule).
const REL_NAME_RE = /^(?:[A-Za-z0-9\-._~!$'+,;=@]|%[0-9A-Fa-f]{2})+$/;
// value = *( unreserved / pct-encoded / ":" / "@" / "/" )
const VALUE_RE = /^(?:[A-Za-z0-9\-._~:@/]|%[0-9A-Fa-f]{2})*$/;
// cv-field value = 1*( unreserved / pct-encoded )
const CV_RE = /^(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})+$/;
// other-field = 1*( ALPHA / DIGIT ) "=" *( unreserved / pct-encoded / ":" / "/" )
const OTHER_KEY_RE = /^[A-Za-z0-9]+$/;
const OTHER_VALUE_RE = /^(?:[A-Za-z0-9\-._~:/]|%[0-9A-Fa-f]{2})*$/;

/** True when `text` is a MOID per the §6.1 grammar (`urn:oma:mo:` followed by name characters). */
export function isValidMoid(text: string): boolean {
  return MOID_RE.test(text);
}

/** True when `text` is a MIID per the §6.1 grammar (omadm's choice): 1–64 of ALPHA DIGIT "-" "." "_" "~". */
export function isValidMiid(text: string): boolean {
  return MIID_RE.test(text);
}

/**
 * True when a tree node may carry this name and still be addressed by a ClientURI: non-empty, not exactly
 * "*" and not shaped like an x-name "(a)" (§6.1: a real name must not be confused with a wildcard or x-name).
 */
export function isValidNodeName(name: string): boolean {
  return name.length > 0 && name !== "*" && !XNAME_RE.test(name);
}

/** The x-name letter of `text`, or undefined when `text` is not an x-name. */
export function xNameLetter(text: string): string | undefined {
  return XNAME_RE.exec(text)?.[1];
}

function show(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + "..." : text);
}

function syntax(component: string, message: string): { readonly ok: false; readonly error: ProtocolError } {
  return err(
    new ProtocolError(ErrorCode.URI_SYNTAX, `ClientURI ${component}: ${message}`, { path: component, status: 400 }),
  );
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ProtocolError };

/** Decodes and checks a real name (path node or rel-path node). */
function realName(raw: string, re: RegExp, component: string): Parsed<string> {
  if (!re.test(raw)) {
    const hint = raw.includes("#") ? " (a fragment is not allowed)" : "";
    return syntax(component, `invalid character in node name ${show(raw)}${hint}`);
  }
  const name = percentDecode(raw);
  if (name === undefined) return syntax(component, `node name ${show(raw)} is not valid percent-encoded UTF-8`);
  if (!isValidNodeName(name)) return syntax(component, `real name ${show(raw)} must not decode to "*" or an x-name`);
  return ok(name);
}

function parseInst(raw: string): Parsed<MoInst> {
  if (raw === "") return ok({ kind: "only" });
  if (raw === "*") return ok({ kind: "all" });
  const letter = xNameLetter(raw);
  if (letter !== undefined) return ok({ kind: "xname", letter });
  if (raw.startsWith("(")) return syntax("mo-inst", `malformed x-name ${show(raw)} (expected "(" ALPHA ")")`);
  if (!isValidMiid(raw)) {
    return syntax("mo-inst", `invalid MIID ${show(raw)} (1 to 64 of ALPHA, DIGIT, "-", ".", "_", "~")`);
  }
  return ok({ kind: "miid", miid: raw });
}

function parsePath(raw: string): Parsed<{ path: PathSegment[]; trailingSlash: boolean }> {
  if (raw === "") return ok({ path: [], trailingSlash: true });
  const trailingSlash = raw.endsWith("/");
  const body = trailingSlash ? raw.slice(0, -1) : raw;
  const path: PathSegment[] = [];
  for (const seg of body.split("/")) {
    if (seg === "") return syntax("path", 'empty node name ("//" inside the path)');
    if (seg === "*") {
      path.push({ kind: "all" });
      continue;
    }
    const letter = xNameLetter(seg);
    if (letter !== undefined) {
      path.push({ kind: "xname", letter });
      continue;
    }
    if (seg.startsWith("(")) return syntax("path", `malformed x-name ${show(seg)} (expected "(" ALPHA ")")`);
    const name = realName(seg, REAL_NAME_RE, "path");
    if (!name.ok) return name;
    path.push({ kind: "name", name: name.value });
  }
  return ok({ path, trailingSlash });
}

function parseNv(body: string): Parsed<NvField> {
  // nv-field = "nv=" x-name "/" rel-path ":" value; split at the first ":" after the rel-path (omadm's choice).
  const m = /^\(([A-Za-z])\)\//.exec(body);
  const letter = m?.[1];
  if (letter === undefined) return syntax("nv-field", `${show("nv=" + body)} must start with "nv=(" ALPHA ")/"`);
  const rest = body.slice(4);
  const colon = rest.indexOf(":");
  if (colon < 0) return syntax("nv-field", `${show("nv=" + body)} has no ":" between rel-path and value`);
  const relText = rest.slice(0, colon);
  if (relText === "") return syntax("nv-field", `${show("nv=" + body)} has an empty rel-path`);
  const relPath: string[] = [];
  for (const seg of relText.split("/")) {
    if (seg === "") return syntax("nv-field", `empty node name in rel-path of ${show("nv=" + body)}`);
    const name = realName(seg, REL_NAME_RE, "nv-field");
    if (!name.ok) return name;
    relPath.push(name.value);
  }
  const rawValue = rest.slice(colon + 1);
  if (!VALUE_RE.test(rawValue)) return syntax("nv-field", `invalid character in value ${show(rawValue)}`);
  const value = percentDecode(rawValue);
  if (value === undefined) return syntax("nv-field", `value ${show(rawValue)} is not valid percent-encoded UTF-8`);
  return ok({ letter, relPath, value });
}

function parseQuery(raw: string): Parsed<ClientUriQuery> {
  const nv: NvField[] = [];
  const other: (readonly [string, string])[] = [];
  let cv: string | undefined;
  for (const field of raw.split("&")) {
    if (field === "") return syntax("query", 'empty field (query = field *( "&" field ))');
    if (field.startsWith("nv=")) {
      const f = parseNv(field.slice(3));
      if (!f.ok) return f;
      nv.push(f.value);
    } else if (field.startsWith("cv=")) {
      if (cv !== undefined) return syntax("cv-field", "more than one cv-field");
      const rawCv = field.slice(3);
      if (!CV_RE.test(rawCv)) return syntax("cv-field", `invalid cache validator ${show(rawCv)}`);
      const decoded = percentDecode(rawCv);
      if (decoded === undefined) return syntax("cv-field", `${show(rawCv)} is not valid percent-encoded UTF-8`);
      cv = decoded;
    } else {
      const eq = field.indexOf("=");
      const key = eq < 0 ? field : field.slice(0, eq);
      if (eq < 0 || !OTHER_KEY_RE.test(key))
        return syntax("query", `malformed field ${show(field)} (expected key=value)`);
      if (key === "nv" || key === "cv") return syntax("query", `malformed ${key}-field ${show(field)}`);
      const rawValue = field.slice(eq + 1);
      if (!OTHER_VALUE_RE.test(rawValue)) return syntax("query", `invalid character in field ${show(field)}`);
      const value = percentDecode(rawValue);
      if (value === undefined) return syntax("query", `${show(field)} is not valid percent-encoded UTF-8`);
      other.push([key, value]);
    }
  }
  return ok(cv === undefined ? { nv, other } : { nv, cv, other });
}

/** x-name letters: each used at most once, each with an nv-field, and no nv-field for an unused letter. */
function checkLetters(inst: MoInst, path: readonly PathSegment[], nv: readonly NvField[]): Parsed<true> {
  const used = new Set<string>();
  const letters = [inst, ...path].flatMap((s) => (s.kind === "xname" ? [s.letter] : []));
  for (const letter of letters) {
    if (used.has(letter)) return syntax("path", `x-name "(${letter})" is used more than once`);
    used.add(letter);
  }
  const bound = new Set<string>();
  for (const f of nv) {
    if (!used.has(f.letter)) return syntax("nv-field", `nv-field for "(${f.letter})", which the URI does not use`);
    bound.add(f.letter);
  }
  for (const letter of used) {
    if (!bound.has(letter)) return syntax("nv-field", `x-name "(${letter})" has no nv-field`);
  }
  return ok(true);
}

/**
 * Parses a ClientURI (docs/protocol.md §6.1). Total: any string gives a ClientUri or a `URI_SYNTAX` error
 * (status 400) whose message names the offending component. Real names and values are percent-decoded.
 */
export function parseClientUri(text: string): Result<ClientUri> {
  const q = text.indexOf("?");
  const hier = q < 0 ? text : text.slice(0, q);
  const slash1 = hier.indexOf("/");
  if (slash1 < 0) return syntax("MOID", `${show(text)} has no "/" after the MOID`);
  const moid = hier.slice(0, slash1);
  if (!isValidMoid(moid)) {
    return syntax("MOID", `invalid MOID ${show(moid)} (expected "urn:oma:mo:" followed by ALPHA DIGIT - . _ :)`);
  }
  const afterMoid = hier.slice(slash1 + 1);
  const slash2 = afterMoid.indexOf("/");
  if (slash2 < 0) return syntax("mo-inst", `${show(text)} has no "/" after the mo-inst`);
  const inst = parseInst(afterMoid.slice(0, slash2));
  if (!inst.ok) return inst;
  const path = parsePath(afterMoid.slice(slash2 + 1));
  if (!path.ok) return path;
  const query = q < 0 ? ok<ClientUriQuery>({ nv: [], other: [] }) : parseQuery(text.slice(q + 1));
  if (!query.ok) return query;
  const letters = checkLetters(inst.value, path.value.path, query.value.nv);
  if (!letters.ok) return letters;
  return ok({
    moid,
    inst: inst.value,
    path: path.value.path,
    trailingSlash: path.value.trailingSlash,
    query: query.value,
  });
}
