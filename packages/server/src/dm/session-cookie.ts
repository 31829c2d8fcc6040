// The session cookie (docs/protocol.md §1.4 item 2: the client keeps RFC 6265 cookies for a session). It is
// one of the three correlation keys (device id, cookie, CONT URL); the value is an unguessable token distinct
// from the CONT token, so a URL seen in a log does not give away the cookie.

export const DM_COOKIE_NAME = "omadm_session";

export interface CookieOptions {
  /** URL path the cookie applies to (the DM endpoint's). */
  readonly path: string;
  /** Max-Age in seconds; 0 deletes the cookie (the session has ended). */
  readonly maxAgeSeconds: number;
  /** Set when the public URL is https. */
  readonly secure: boolean;
}

/** The Set-Cookie value for the session cookie: HttpOnly, SameSite=Strict (no browser ever needs it). */
export function sessionCookieHeader(value: string, options: CookieOptions): string {
  const parts = [
    `${DM_COOKIE_NAME}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** The session cookie's value from a Cookie request header (RFC 6265 §5.4), or undefined. */
export function readSessionCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() !== DM_COOKIE_NAME) continue;
    const value = pair.slice(eq + 1).trim();
    return value === "" ? undefined : value;
  }
  return undefined;
}

/** Tokens we issue: base64url, 16–128 characters (anything else cannot be ours). */
export function isWellFormedToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{16,128}$/.test(token);
}
