// A total parser of the HTTP `Authorization` header (RFC 7235 §2.1, §4.2), and the quoting needed to write
// `WWW-Authenticate` challenges. Network input: any string gives a value or null, never an exception.
//
//   credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param  = token BWS "=" BWS ( token / quoted-string )

export interface AuthorizationHeader {
  /** The scheme, lowercased ("basic", "digest", …): schemes are case-insensitive. */
  readonly scheme: string;
  /** The token68 form (Basic's base64), when the credentials are not a parameter list. */
  readonly token68: string | null;
  /** Parameters by lowercased name; a repeated name makes the whole header invalid (RFC 7616 §3.4). */
  readonly params: ReadonlyMap<string, string>;
}

/** Longest header we parse; real credentials are far shorter, and this bounds the work per request. */
export const MAX_AUTHORIZATION_LENGTH = 8192;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

function isTokenChar(c: string): boolean {
  return TOKEN.test(c);
}

/** Parses one `Authorization` value; null when it is not well-formed. */
export function parseAuthorization(header: string): AuthorizationHeader | null {
  if (header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const value = header.trim();
  const space = value.search(/[ \t]/);
  const scheme = space === -1 ? value : value.slice(0, space);
  if (!TOKEN.test(scheme)) return null;
  const rest = space === -1 ? "" : value.slice(space).trimStart();
  if (rest === "") return { scheme: scheme.toLowerCase(), token68: null, params: new Map() };
  if (TOKEN68.test(rest)) {
    return { scheme: scheme.toLowerCase(), token68: rest, params: new Map() };
  }
  const params = parseParams(rest);
  return params === null ? null : { scheme: scheme.toLowerCase(), token68: null, params };
}

/** `#auth-param`: comma-separated, empty list elements allowed (RFC 7230 §7), OWS around commas and `=`. */
function parseParams(input: string): Map<string, string> | null {
  const params = new Map<string, string>();
  let i = 0;
  const n = input.length;
  const skipWs = (): void => {
    while (i < n && (input[i] === " " || input[i] === "\t")) i++;
  };
  while (i < n) {
    skipWs();
    if (input[i] === ",") {
      i++;
      continue;
    }
    if (i >= n) break;
    const nameStart = i;
    while (i < n && isTokenChar(input[i] as string)) i++;
    const name = input.slice(nameStart, i).toLowerCase();
    if (name === "") return null;
    skipWs();
    if (input[i] !== "=") return null;
    i++;
    skipWs();
    let paramValue: string;
    if (input[i] === '"') {
      i++;
      let out = "";
      let closed = false;
      while (i < n) {
        const c = input[i] as string;
        if (c === "\\") {
          if (i + 1 >= n) return null;
          out += input[i + 1] as string;
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        out += c;
        i++;
      }
      if (!closed) return null;
      paramValue = out;
    } else {
      const start = i;
      while (i < n && isTokenChar(input[i] as string)) i++;
      paramValue = input.slice(start, i);
      if (paramValue === "") return null;
    }
    if (params.has(name)) return null;
    params.set(name, paramValue);
    skipWs();
    if (i < n && input[i] !== ",") return null;
  }
  return params;
}

/** A quoted-string for a challenge parameter (RFC 7230 §3.2.6): backslash-escapes `"` and `\`. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
