// How a console session cookie becomes an API caller (docs/console.md). The REST API's authentication hook calls
// `authorize` first: a request that carries an Authorization header is left alone (token auth exactly as before);
// one that carries the console cookie gets its session's token as `Authorization: Bearer …`, after a write
// (any method but GET/HEAD/OPTIONS) proved it came from the console's own page with the session's CSRF token in
// `X-CSRF-Token`. SameSite=Strict already keeps other sites' requests from carrying the cookie; the token is the
// second lock (an older browser, a sibling subdomain). Everything after that — token lookup, revocation,
// scopes — is the API's own, unchanged.
import type { FastifyRequest } from "fastify";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { ConsoleSessions } from "./console-sessions.js";

export const CSRF_HEADER = "x-csrf-token";
/** Without TLS; with TLS the `__Host-` prefix binds the cookie to this origin over HTTPS (RFC 6265bis §4.1.3.2). */
export const CONSOLE_COOKIE = "omadm-console";
export const CONSOLE_COOKIE_TLS = "__Host-omadm-console";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface ConsoleAuth {
  readonly sessions: ConsoleSessions;
  readonly cookieName: string;
  /** Whether the cookie is `Secure` (the server speaks TLS). */
  readonly secure: boolean;
}

export function consoleCookieName(tls: boolean): string {
  return tls ? CONSOLE_COOKIE_TLS : CONSOLE_COOKIE;
}

/** The value of cookie `name` in a Cookie header; undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value that stores `value` for `maxAgeMs` (0: removes the cookie). */
export function sessionCookie(
  auth: Pick<ConsoleAuth, "cookieName" | "secure">,
  value: string,
  maxAgeMs: number,
): string {
  const attributes = [
    `${auth.cookieName}=${value}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (auth.secure) attributes.push("Secure");
  return attributes.join("; ");
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Turns the console cookie of an API request into the API's own credential (see the file comment). Throws
 * API_UNAUTHORIZED for an ended sign-in and CONSOLE_CSRF_REJECTED for a write without the session's CSRF token.
 */
export function authorizeConsoleRequest(auth: ConsoleAuth, request: Pick<FastifyRequest, "headers" | "method">): void {
  if (request.headers.authorization !== undefined) return;
  const cookie = readCookie(request.headers.cookie, auth.cookieName);
  if (cookie === undefined) return;
  const session = auth.sessions.touch(cookie);
  if (session === null) {
    throw new ServerError(ServerErrorCode.API_UNAUTHORIZED, "the console sign-in has ended: sign in again");
  }
  if (
    !SAFE_METHODS.has(request.method) &&
    !auth.sessions.csrfMatches(session, headerText(request.headers[CSRF_HEADER]))
  ) {
    throw new ServerError(
      ServerErrorCode.CONSOLE_CSRF_REJECTED,
      `a console write must carry the sign-in's CSRF token in ${CSRF_HEADER}`,
    );
  }
  if (session.bearer !== null) request.headers.authorization = `Bearer ${session.bearer}`;
}
