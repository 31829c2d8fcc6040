// WWW-Authenticate parsing (RFC 9110 §11.6.1): `#challenge`, each `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`.
// Several challenges may share one header line and auth-param values may be quoted strings holding commas, so
// a split on "," is wrong; this is a small scanner instead. Total: any text gives challenges or an error.
import { err, ok, type Result } from "@omadm/protocol";

export interface AuthChallenge {
  /** The auth-scheme in lower case ("basic", "digest", …). */
  readonly scheme: string;
  /** auth-params by lower-case name; the first occurrence wins. */
  readonly params: ReadonlyMap<string, string>;
  /** The token68 form (e.g. `Negotiate abc==`), when the challenge uses it instead of auth-params. */
  readonly token68?: string;
}

/** A header longer than this is refused; real challenges are a few hundred bytes. */
const MAX_HEADER_LENGTH = 16 * 1024;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[-._~+/0-9A-Za-z]/;

class Scanner {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text.charAt(this.pos);
  }
  skipWs(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  /** Skips whitespace and empty list elements (RFC 9110 §5.6.1 lets a list hold empty elements). */
  skipSeparators(): void {
    while (this.peek() === " " || this.peek() === "\t" || this.peek() === ",") this.pos++;
  }
  token(): string {
    const start = this.pos;
    while (!this.done() && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
  token68(): string {
    const start = this.pos;
    while (!this.done() && TOKEN68_CHAR.test(this.peek())) this.pos++;
    while (this.peek() === "=") this.pos++;
    return this.text.slice(start, this.pos);
  }
  /** A quoted-string with `\` escapes; undefined when unterminated. */
  quoted(): string | undefined {
    this.pos++; // opening quote
    let out = "";
    while (!this.done()) {
      const c = this.peek();
      this.pos++;
      if (c === '"') return out;
      if (c === "\\") {
        if (this.done()) return undefined;
        out += this.peek();
        this.pos++;
      } else {
        out += c;
      }
    }
    return undefined;
  }
}

/** Parses every WWW-Authenticate value of a response into its challenges, in order. */
export function parseWwwAuthenticate(values: readonly string[]): Result<AuthChallenge[], Error> {
  const challenges: AuthChallenge[] = [];
  for (const value of values) {
    if (value.length > MAX_HEADER_LENGTH)
      return err(new Error(`WWW-Authenticate longer than ${MAX_HEADER_LENGTH} characters`));
    const r = parseOne(value);
    if (!r.ok) return r;
    challenges.push(...r.value);
  }
  return ok(challenges);
}

function parseOne(text: string): Result<AuthChallenge[], Error> {
  const s = new Scanner(text);
  const out: AuthChallenge[] = [];
  const fail = (why: string): Result<never, Error> =>
    err(new Error(`malformed WWW-Authenticate at offset ${s.pos}: ${why} in ${JSON.stringify(text.slice(0, 120))}`));
  s.skipSeparators();
  while (!s.done()) {
    const scheme = s.token();
    if (scheme === "") return fail("expected an auth-scheme");
    const params = new Map<string, string>();
    let token68: string | undefined;
    const hadSpace = s.peek() === " " || s.peek() === "\t";
    s.skipWs();
    if (hadSpace && !s.done() && s.peek() !== ",") {
      // Either token68 or the first auth-param: look past the name for "=" followed by a value.
      const mark = s.pos;
      const name = s.token();
      s.skipWs();
      if (name !== "" && s.peek() === "=" && isParamValueAhead(s)) {
        s.pos = mark;
        const r = readParams(s, params);
        if (r !== undefined) return fail(r);
      } else {
        s.pos = mark;
        token68 = s.token68();
        if (token68 === "") return fail("expected token68 or auth-param");
        s.skipWs();
        if (!s.done() && s.peek() !== ",") return fail("unexpected text after token68");
      }
    } else if (!s.done() && s.peek() !== ",") {
      return fail("expected a space after the auth-scheme");
    }
    out.push({ scheme: scheme.toLowerCase(), params, ...(token68 === undefined ? {} : { token68 }) });
    s.skipSeparators();
  }
  return ok(out);
}

/** At "=": true when a token or quoted-string follows (an auth-param), false for token68 padding. */
function isParamValueAhead(s: Scanner): boolean {
  const save = s.pos;
  s.pos++; // "="
  s.skipWs();
  const c = s.peek();
  const result = c === '"' || (c !== "" && TCHAR.test(c));
  s.pos = save;
  return result;
}

/** Reads `name=value` pairs separated by commas until the next challenge (a token not followed by "="). */
function readParams(s: Scanner, params: Map<string, string>): string | undefined {
  for (;;) {
    const name = s.token();
    if (name === "") return "expected an auth-param name";
    s.skipWs();
    if (s.peek() !== "=") return `auth-param ${JSON.stringify(name)} has no "="`;
    s.pos++;
    s.skipWs();
    let value: string | undefined;
    if (s.peek() === '"') {
      value = s.quoted();
      if (value === undefined) return `unterminated quoted-string for ${JSON.stringify(name)}`;
    } else {
      value = s.token();
      if (value === "") return `auth-param ${JSON.stringify(name)} has no value`;
    }
    const key = name.toLowerCase();
    if (!params.has(key)) params.set(key, value);
    s.skipWs();
    if (s.done()) return undefined;
    if (s.peek() !== ",") return 'expected "," between auth-params';
    // After the comma: another auth-param of this challenge, or the scheme of the next challenge.
    s.skipSeparators();
    if (s.done()) return undefined;
    const mark = s.pos;
    const next = s.token();
    s.skipWs();
    const isParam = next !== "" && s.peek() === "=";
    s.pos = mark;
    if (!isParam) return undefined;
  }
}
