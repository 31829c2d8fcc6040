// ServerURI validation (DM 2.0 §6.2, docs/protocol.md §6.2): an absolute http(s) URI naming a resource on the
// DM Server or a Data Repository. (omadm's choice) plain http only when the caller allows it (tests); a relative URI,
// another scheme, credentials in the userinfo or a fragment are rejected with 400. Never throws.
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";

export interface ServerUriOptions {
  /** Accept plain `http:` (tests, loopback setups). Default false: only `https:`. */
  readonly allowHttp?: boolean;
}

/** Longest ServerURI accepted; far above any real one, it bounds the work spent on hostile input. */
export const SERVER_URI_MAX_LENGTH = 8192;

function show(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 77) + "..." : text);
}

function invalid(message: string): { readonly ok: false; readonly error: ProtocolError } {
  return err(new ProtocolError(ErrorCode.SERVER_URI_INVALID, `ServerURI ${message}`, { status: 400 }));
}

// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ":".
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// Whitespace, C0/C1 controls and DEL: the WHATWG parser would silently strip or encode them.
// eslint-disable-next-line no-control-regex
const BAD_CHAR_RE = /[\u0000-\u0020\u007f-\u009f]/;

/**
 * Parses and checks a ServerURI. Returns the WHATWG `URL` on success; `SERVER_URI_INVALID` (400) for a relative
 * URI, another scheme, userinfo, a fragment or a malformed URI; `SERVER_URI_INSECURE` (400) for `http:` when
 * `allowHttp` is not set.
 */
export function parseServerUri(text: string, options: ServerUriOptions = {}): Result<URL> {
  if (text.length === 0) return invalid("is empty");
  if (text.length > SERVER_URI_MAX_LENGTH) return invalid(`is longer than ${SERVER_URI_MAX_LENGTH} characters`);
  if (BAD_CHAR_RE.test(text)) return invalid(`${show(text)} contains whitespace or control characters`);
  if (text.includes("\\")) return invalid(`${show(text)} contains a backslash`);
  const scheme = SCHEME_RE.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return invalid(`${show(text)} is relative; an absolute http(s) URI is required`);
  if (scheme !== "https" && scheme !== "http") {
    return invalid(
      `${show(text)} has scheme "${scheme}"; only ${options.allowHttp === true ? "https or http" : "https"} is allowed`,
    );
  }
  // RFC 3986 §3.2: http(s) URIs have an authority ("//" host); WHATWG would accept "https:host" and "https:///h".
  const rest = text.slice(scheme.length + 1);
  if (!rest.startsWith("//")) return invalid(`${show(text)} has no "//" authority`);
  const authority = /^[^/?#]*/.exec(rest.slice(2))?.[0] ?? "";
  if (authority === "") return invalid(`${show(text)} has an empty host`);
  if (authority.includes("@"))
    return invalid(`${show(text)} carries credentials in the userinfo; they are not allowed`);
  if (text.includes("#")) return invalid(`${show(text)} has a fragment; fragments are not allowed`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid(`${show(text)} is not a valid URI`);
  }
  if (url.hostname === "") return invalid(`${show(text)} has an empty host`);
  if (scheme === "http" && options.allowHttp !== true) {
    return err(
      new ProtocolError(
        ErrorCode.SERVER_URI_INSECURE,
        `ServerURI ${show(text)} uses plain http; https is required (set allowHttp for tests)`,
        { status: 400 },
      ),
    );
  }
  return ok(url);
}
