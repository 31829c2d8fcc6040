// How a console session cookie becomes an API caller (docs/console.md). The REST API's authentication hook calls
// `authorize` first: a request that carries an Authorization header is left alone (token auth exactly as before);
// one that carries the console cookie is the API token its sign-in was made with (looked up by the hash the store
// keeps, as a bearer token is), after a write (any method but GET/HEAD/OPTIONS) proved it came from the console's
// own page with the session's CSRF token in `X-CSRF-Token`. SameSite=Strict already keeps other sites' requests from carrying the cookie; the token is the
// second lock (an older browser, a sibling subdomain). Everything after that — token lookup, revocation,
// scopes — is the API's own, unchanged.
import type { FastifyRequest } from "fastify";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { ApiCaller } from "../api/auth.js";
import type { Store } from "../store/store.js";
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
 * Turns the console cookie of an API request into the API's own caller (see the file comment): for a sign-in made
 * with a token, that token as `store.apiTokens.use` finds it now (so a revoked token is refused, and its sign-in
 * ended); null when the request is the API's alone to authenticate (it carries Authorization or no cookie, or
 * the sign-in was a loopback one, which the API checks by the peer address as before). Throws API_UNAUTHORIZED
 * for an ended sign-in and CONSOLE_CSRF_REJECTED for a write without the session's CSRF token.
 */
export async function authorizeConsoleRequest(
  auth: ConsoleAuth,
  store: Pick<Store, "apiTokens">,
  request: Pick<FastifyRequest, "headers" | "method">,
): Promise<ApiCaller | null> {
  if (request.headers.authorization !== undefined) return null;
  const cookie = readCookie(request.headers.cookie, auth.cookieName);
  if (cookie === undefined) return null;
  const session = await auth.sessions.touch(cookie);
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
  if (session.token === null) return null;
  const token = await store.apiTokens.use(session.token.hash);
  if (token === null) {
    await auth.sessions.end(cookie);
    throw new ServerError(ServerErrorCode.API_UNAUTHORIZED, "the API token of this sign-in is revoked");
  }
  return { kind: "token", token };
}
