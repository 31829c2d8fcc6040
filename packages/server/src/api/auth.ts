// Operator authentication of the REST API: `Authorization: Bearer <token>` (RFC 6750) against the hashed
// tokens in the store.
//
// Loopback mode (default on): a request whose TCP peer is a loopback address needs no token. Why on by
// default: the quick start is one machine — `npm start`, then `omadm devices list` — and the first token has to
// be created somehow; a process that can open a loopback connection already runs on the server's machine, with
// at least the rights of a local user. Turn it off (`loopbackWithoutToken: false`) when anything forwards remote
// traffic over loopback — a reverse proxy, an SSH tunnel, a container port mapping through a userland proxy —
// because every forwarded request would then arrive from 127.0.0.1. The peer address is taken from the socket,
// never from X-Forwarded-For, so no header can claim loopback. And a request that carries a forwarding header
// (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`) came through a proxy: loopback mode never applies to it, unless
// its peer is a proxy named in `trustProxy`, in which case the client the proxy names must be loopback.
import type { FastifyRequest } from "fastify";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import type { ApiToken } from "../store/types-content.js";
import { authenticateApiToken } from "../services/api-tokens.js";

export const AUTH_REALM = "omadm";

export interface ApiAuthOptions {
  /** Loopback peers need no token (default true; see the file comment for when to turn it off). */
  readonly loopbackWithoutToken: boolean;
  /** Proxies whose forwarding headers are believed (default none). */
  readonly trustProxy?: readonly string[] | undefined;
}

const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"] as const;

/**
 * The client address a request stands for, for loopback mode: the socket peer; for a request through a trusted
 * proxy the address the proxy added last; null when a forwarding header came from a peer not trusted.
 */
export function clientAddressOf(
  headers: FastifyRequest["headers"],
  peer: string | undefined,
  trustProxy: readonly string[],
): string | null {
  const forwarded = FORWARDING_HEADERS.filter((h) => headers[h] !== undefined);
  if (forwarded.length === 0) return peer ?? null;
  if (peer === undefined || !trustProxy.includes(peer.startsWith("::ffff:") ? peer.slice(7) : peer)) return null;
  const last = (name: string): string | undefined => {
    const value = headers[name];
    const text = Array.isArray(value) ? value.join(",") : value;
    return text?.split(",").at(-1)?.trim();
  };
  const fromForwarded = /for="?\[?([^\]";,]+)/i.exec(last("forwarded") ?? "")?.[1];
  return last("x-forwarded-for") ?? last("x-real-ip") ?? fromForwarded ?? null;
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
    const client = options.loopbackWithoutToken
      ? clientAddressOf(request.headers, address, options.trustProxy ?? [])
      : null;
    if (client !== null && isLoopbackAddress(client)) return { kind: "loopback", address: client };
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
