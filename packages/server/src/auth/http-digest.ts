// HTTP Digest (RFC 7616) against the HA1 the store keeps (docs/protocol.md §11.2: the DM Server MUST support
// Digest). Algorithms MD5 and SHA-256, qop=auth only; `-sess` variants, auth-int and userhash are refused by
// name. The store never holds the password: HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2).

import { createHash, timingSafeEqual } from "node:crypto";
import type { HttpCredentials } from "../store/types.js";
import { quote, type AuthorizationHeader } from "./authorization-header.js";

export const DigestAlgorithm = { Sha256: "SHA-256", Md5: "MD5" } as const;
export type DigestAlgorithm = (typeof DigestAlgorithm)[keyof typeof DigestAlgorithm];

/** RFC 7616 §3.7: the client uses the first challenge it supports, so the strongest goes first. */
export const DEFAULT_DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = [DigestAlgorithm.Sha256, DigestAlgorithm.Md5];

const HASH_NAME: Record<DigestAlgorithm, string> = { "SHA-256": "sha256", MD5: "md5" };

export function digestHash(algorithm: DigestAlgorithm, data: string): string {
  return createHash(HASH_NAME[algorithm]).update(data, "utf8").digest("hex");
}

/** One `WWW-Authenticate: Digest …` value (RFC 7616 §3.3). */
export function digestChallenge(input: {
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm: DigestAlgorithm;
  readonly stale: boolean;
}): string {
  const parts = [
    `realm=${quote(input.realm)}`,
    `qop="auth"`,
    `algorithm=${input.algorithm}`,
    `nonce=${quote(input.nonce)}`,
    `charset=UTF-8`,
  ];
  if (input.stale) parts.push("stale=true");
  return `Digest ${parts.join(", ")}`;
}

/** The fields of a Digest `Authorization` this server accepts, checked for presence and syntax. */
export interface DigestResponse {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  readonly cnonce: string;
  /** nc as a number (8 hex digits on the wire). */
  readonly nc: number;
  readonly ncText: string;
}

export type DigestParse =
  { readonly ok: true; readonly value: DigestResponse } | { readonly ok: false; readonly message: string };

/** Validates the parameter list of `Authorization: Digest …` (RFC 7616 §3.4). */
export function parseDigestResponse(header: AuthorizationHeader): DigestParse {
  const p = header.params;
  const fail = (message: string): DigestParse => ({ ok: false, message: `Digest: ${message}` });
  if (p.has("username*")) return fail("username* (RFC 5987 encoding) is not supported; send username");
  if (p.get("userhash")?.toLowerCase() === "true") return fail("userhash is not supported");
  const missing = ["username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce"].filter((k) => !p.has(k));
  if (missing.length > 0) return fail(`missing ${missing.join(", ")} (qop=auth is required)`);
  const qop = p.get("qop") ?? "";
  if (qop !== "auth") return fail(`qop "${qop}" is not supported; use qop=auth`);
  const algorithmText = p.get("algorithm") ?? "MD5"; // RFC 7616 §3.4: absent means MD5
  const algorithm = Object.values(DigestAlgorithm).find((a) => a.toLowerCase() === algorithmText.toLowerCase());
  if (algorithm === undefined) return fail(`algorithm "${algorithmText}" is not supported (SHA-256, MD5)`);
  const ncText = p.get("nc") ?? "";
  if (!/^[0-9a-fA-F]{8}$/.test(ncText)) return fail("nc must be 8 hexadecimal digits");
  const response = (p.get("response") ?? "").toLowerCase();
  const expectedLength = algorithm === DigestAlgorithm.Md5 ? 32 : 64;
  if (!new RegExp(`^[0-9a-f]{${expectedLength}}$`).test(response)) {
    return fail(`response must be ${expectedLength} hexadecimal digits for ${algorithm}`);
  }
  const cnonce = p.get("cnonce") ?? "";
  if (cnonce === "") return fail("cnonce is empty");
  return {
    ok: true,
    value: {
      username: p.get("username") ?? "",
      realm: p.get("realm") ?? "",
      nonce: p.get("nonce") ?? "",
      uri: p.get("uri") ?? "",
      response,
      algorithm,
      cnonce,
      nc: Number.parseInt(ncText, 16),
      ncText,
    },
  };
}

/** The stored HA1 for the algorithm, or null when the device has none for it. */
export function storedHa1(credentials: HttpCredentials, algorithm: DigestAlgorithm): string | null {
  return (algorithm === DigestAlgorithm.Md5 ? credentials.ha1Md5 : credentials.ha1Sha256) ?? null;
}

/** RFC 7616 §3.4.1 with qop=auth: KD(HA1, nonce:nc:cnonce:qop:H(method:uri)), compared in constant time. */
export function digestResponseMatches(r: DigestResponse, ha1: string, method: string): boolean {
  const ha2 = digestHash(r.algorithm, `${method}:${r.uri}`);
  const expected = digestHash(r.algorithm, `${ha1}:${r.nonce}:${r.ncText}:${r.cnonce}:auth:${ha2}`);
  return timingSafeEqual(Buffer.from(expected, "latin1"), Buffer.from(r.response, "latin1"));
}
