// Media types and media-range lists (RFC 9110 §8.3.1 and §12.5.1), for `Content-Type`, `Accept` and the DM 2.0
// `OMADM-Accept` header, which has the same syntax as `Accept` (DM 2.0 §5.5 / docs/protocol.md §1.6, §1.3). A hand-written scanner: linear, total (a Result for any input), and tolerant of optional whitespace.
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";

/** A media type: lower-cased type and subtype, parameters with lower-cased names and unquoted values. */
export interface MediaType {
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly (readonly [string, string])[];
}

/** One element of an Accept list: `type/subtype`, `type/*` or `*\/*`, its parameters and its weight. */
export interface MediaRange extends MediaType {
  /** Weight 0–1 with at most three decimals; 1 when absent. q=0 means "not acceptable". */
  readonly q: number;
}

// RFC 9110 §5.6.2 tchar.
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TCHAR_RE = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/y;
// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
const QVALUE_RE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

class Scanner {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.pos);
  }

  /** OWS = *( SP / HTAB ). */
  skipOws(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }

  token(): string {
    const start = this.pos;
    TCHAR_RE.lastIndex = this.pos;
    while (TCHAR_RE.test(this.text)) this.pos = TCHAR_RE.lastIndex;
    return this.text.slice(start, this.pos);
  }

  /** quoted-string (RFC 9110 §5.6.4); the opening quote is at `pos`. Undefined when unterminated or invalid. */
  quoted(): string | undefined {
    let out = "";
    this.pos++;
    while (!this.done()) {
      const ch = this.peek();
      const code = ch.charCodeAt(0);
      this.pos++;
      if (ch === '"') return out;
      if (ch === "\\") {
        const next = this.peek();
        const n = next.charCodeAt(0);
        if (this.done() || !(n === 0x09 || (n >= 0x20 && n !== 0x7f && n <= 0xff))) return undefined;
        out += next;
        this.pos++;
        continue;
      }
      if (!(code === 0x09 || (code >= 0x20 && code !== 0x7f && code <= 0xff))) return undefined;
      out += ch;
    }
    return undefined;
  }
}

type Fail = { readonly ok: false; readonly error: ProtocolError };

function fail(code: ErrorCode, status: number, what: string, s: Scanner, why: string): Fail {
  const shown = JSON.stringify(s.text.length > 100 ? s.text.slice(0, 97) + "..." : s.text);
  return err(new ProtocolError(code, `${what}: ${why} at offset ${s.pos} in ${shown}`, { path: `@${s.pos}`, status }));
}

/**
 * Scans `type/subtype *( OWS ";" OWS [ parameter ] )` at the scanner position. With `accept`, wildcards are
 * allowed and "q" is the weight: parameters after it are accept-ext (RFC 7231 §5.3.2) and are dropped.
 */
function scanRange(s: Scanner, accept: boolean, onError: (why: string) => Fail): Result<MediaRange> {
  const type = s.token().toLowerCase();
  if (type === "") return onError("expected a media type");
  if (s.peek() !== "/") return onError(`expected "/" after "${type}"`);
  s.pos++;
  const subtype = s.token().toLowerCase();
  if (subtype === "") return onError(`expected a subtype after "${type}/"`);
  if (!accept && (type === "*" || subtype === "*")) return onError("a wildcard is not a media type");
  if (type === "*" && subtype !== "*") return onError(`"*/${subtype}" is not a media range`);
  const params: [string, string][] = [];
  let q: number | undefined;
  for (;;) {
    const before = s.pos;
    s.skipOws();
    if (s.peek() !== ";") {
      s.pos = before;
      break;
    }
    s.pos++;
    s.skipOws();
    if (s.done() || s.peek() === "," || s.peek() === ";") continue; // empty parameter: allowed by RFC 9110 §5.6.6
    const name = s.token().toLowerCase();
    if (name === "") return onError("expected a parameter name");
    s.skipOws();
    if (s.peek() !== "=") return onError(`expected "=" after parameter "${name}"`);
    s.pos++;
    s.skipOws();
    let value: string | undefined;
    const quoted = s.peek() === '"';
    if (quoted) {
      value = s.quoted();
      if (value === undefined) return onError(`unterminated or invalid quoted value of "${name}"`);
    } else {
      value = s.token();
      if (value === "") return onError(`expected a value for parameter "${name}"`);
    }
    if (accept && name === "q") {
      if (q !== undefined) return onError("more than one q parameter");
      if (quoted) return onError("a q value must not be quoted"); // RFC 9110 §12.4.2: weight = "q=" qvalue
      if (!QVALUE_RE.test(value)) return onError(`q=${value} is not a qvalue (0 to 1, at most 3 decimals)`);
      q = Number(value);
    } else if (q === undefined) {
      params.push([name, value]);
    }
  }
  return ok({ type, subtype, params, q: q ?? 1 });
}

/**
 * Parses an `Accept` or `OMADM-Accept` value: a comma-separated list of media ranges with optional q-weights.
 * Empty list elements are skipped (RFC 9110 §5.6.1); an empty header gives an empty list. Malformed input →
 * `MEDIA_RANGE_SYNTAX` (400) naming the offset.
 */
export function parseAccept(header: string): Result<MediaRange[]> {
  const s = new Scanner(header);
  const onError = (why: string): Fail => fail(ErrorCode.MEDIA_RANGE_SYNTAX, 400, "Accept", s, why);
  const out: MediaRange[] = [];
  for (;;) {
    s.skipOws();
    if (s.done()) return ok(out);
    if (s.peek() === ",") {
      s.pos++;
      continue;
    }
    const r = scanRange(s, true, onError);
    if (!r.ok) return r;
    out.push(r.value);
    s.skipOws();
    if (s.done()) return ok(out);
    if (s.peek() !== ",") return onError('expected "," or the end of the list');
    s.pos++;
  }
}

/**
 * Parses one media type (a `Content-Type` value, or a type a component offers): `type/subtype` with optional
 * parameters, no wildcards, no weight. Malformed → `MEDIA_RANGE_SYNTAX` (400) naming the offset.
 */
export function parseMediaType(text: string): Result<MediaType> {
  const s = new Scanner(text);
  const onError = (why: string): Fail => fail(ErrorCode.MEDIA_RANGE_SYNTAX, 400, "media type", s, why);
  s.skipOws();
  const r = scanRange(s, false, onError);
  if (!r.ok) return r;
  s.skipOws();
  if (!s.done()) return onError("unexpected text after the media type");
  const { type, subtype, params } = r.value;
  return ok({ type, subtype, params });
}

/** "type/subtype" in lower case, parameters dropped; undefined when `text` is not a media type. */
export function mediaTypeEssence(text: string): string | undefined {
  const r = parseMediaType(text);
  return r.ok ? `${r.value.type}/${r.value.subtype}` : undefined;
}

function formatParamValue(value: string): string {
  return TOKEN_RE.test(value) ? value : `"${value.replace(/["\\]/g, (c) => "\\" + c)}"`;
}

/** A weight as RFC 9110 writes it: clamped to 0–1, at most three decimals, no trailing zeros. NaN counts as 0. */
function formatQ(q: number): string {
  const clamped = Number.isNaN(q) ? 0 : Math.min(1, Math.max(0, q));
  return String(Number(clamped.toFixed(3)));
}

function formatType(t: MediaType): string {
  return `${t.type}/${t.subtype}` + t.params.map(([k, v]) => `;${k}=${formatParamValue(v)}`).join("");
}

/** Formats media ranges as an `Accept` / `OMADM-Accept` value: `a/b;p=v;q=0.5, c/d` (q omitted when 1). */
export function formatAccept(ranges: readonly MediaRange[]): string {
  return ranges.map((r) => (r.q === 1 ? formatType(r) : `${formatType(r)};q=${formatQ(r.q)}`)).join(", ");
}

/** Formats a media type (`Content-Type` value). */
export function formatMediaType(type: MediaType): string {
  return formatType(type);
}
