// Operator authentication of the REST API: `Authorization: Bearer <token>` (RFC 6750) against the hashed
// tokens in the store.
//
// Loopback mode (default on): a request whose TCP peer is a loopback address needs no token. Why on by
// default: the quick start is one machine — `npm start`, then `omadm devices list` — and the first token has to
// be created somehow; a process that can open a loopback connection already runs on the server's machine, with
// at least the rights of a local user. Turn it off (`loopbackWithoutToken: false`) when anything forwards remote
// traffic over loopback — a reverse proxy, an SSH tunnel, a container port mapping through a userland proxy —
// because every forwarded request would then arrive from 127.0.0.1. The peer address is taken from the socket,
// never from X-Forwarded-For, so no header can claim loopback.
import type { FastifyRequest } from "fastify";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import type { ApiToken } from "../store/types-content.js";
import { authenticateApiToken } from "../services/api-tokens.js";

export const AUTH_REALM = "omadm";

export interface ApiAuthOptions {
  /** Loopback peers need no token (default true; see the file comment for when to turn it off). */
  readonly loopbackWithoutToken: boolean;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (a dual-stack socket reports those). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** The token of an `Authorization: Bearer <token>` header; null without one; "" when malformed. */
export function bearerTokenOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer +([^ ]+) *$/i.exec(header);
  return match?.[1] ?? "";
}

/** What the API knows about the caller after authentication. */
export type ApiCaller =
  { readonly kind: "token"; readonly token: ApiToken } | { readonly kind: "loopback"; readonly address: string };

/**
 * Authenticates a request: the caller, or API_UNAUTHORIZED. A presented token is always checked, even from
 * loopback (a revoked token is refused everywhere, so a script learns about it).
 */
export async function authenticate(
  store: Pick<Store, "apiTokens">,
  request: Pick<FastifyRequest, "headers" | "socket">,
  options: ApiAuthOptions,
): Promise<ApiCaller> {
  const token = bearerTokenOf(request.headers.authorization);
  const address = request.socket.remoteAddress;
  if (token === null) {
    if (options.loopbackWithoutToken && isLoopbackAddress(address)) return { kind: "loopback", address: address ?? "" };
    throw new ServerError(ServerErrorCode.API_UNAUTHORIZED, "an API token is required: Authorization: Bearer <token>");
  }
  if (token === "") {
    throw new ServerError(ServerErrorCode.API_UNAUTHORIZED, "the Authorization header is not `Bearer <token>`");
  }
  const record = await authenticateApiToken(store, token);
  if (record === null) {
    throw new ServerError(ServerErrorCode.API_UNAUTHORIZED, "the API token is unknown or revoked");
  }
  return { kind: "token", token: record };
}

/** The WWW-Authenticate challenge for a 401 (RFC 6750 §3): `invalid_token` when a token was presented. */
export function bearerChallenge(authorizationHeader: string | undefined): string {
  return authorizationHeader === undefined
    ? `Bearer realm="${AUTH_REALM}"`
    : `Bearer realm="${AUTH_REALM}", error="invalid_token"`;
}
