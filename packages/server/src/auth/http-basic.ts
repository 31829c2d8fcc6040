// HTTP Basic (RFC 7617) verified against the stored HA1 (docs/protocol.md §11.2: the DM Server MUST support
// Basic). The store keeps no password, only H(username ":" realm ":" password) (see ../store/types.ts
// HttpCredentials), so Basic recomputes that hash from the presented password and the device's stored realm.

import { timingSafeEqual } from "node:crypto";
import type { HttpCredentials } from "../store/types.js";
import { quote } from "./authorization-header.js";
import { DigestAlgorithm, digestHash } from "./http-digest.js";

/** `WWW-Authenticate: Basic realm="…", charset="UTF-8"` (RFC 7617 §2, §2.1). */
export function basicChallenge(realm: string): string {
  return `Basic realm=${quote(realm)}, charset="UTF-8"`;
}

export type BasicParse =
  | { readonly ok: true; readonly username: string; readonly password: string }
  | { readonly ok: false; readonly message: string };

/** Decodes the token68 of `Authorization: Basic …` into user-id and password (UTF-8, RFC 7617 §2.1). */
export function parseBasicCredentials(token68: string | null): BasicParse {
  if (token68 === null || !/^[A-Za-z0-9+/]+={0,2}$/.test(token68) || token68.length % 4 !== 0) {
    return { ok: false, message: "Basic: the credentials are not base64" };
  }
  const bytes = Buffer.from(token68, "base64");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, message: "Basic: the credentials are not UTF-8" };
  }
  const colon = text.indexOf(":");
  if (colon <= 0) return { ok: false, message: 'Basic: expected "user-id:password"' };
  // eslint-disable-next-line no-control-regex -- RFC 7617 §2: user-id and password exclude control characters
  if (/[\u0000-\u001f\u007f]/.test(text)) return { ok: false, message: "Basic: control characters in the credentials" };
  return { ok: true, username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** true when `password` hashes to the device's stored HA1 (SHA-256 preferred when both are stored). */
export function basicPasswordMatches(credentials: HttpCredentials, username: string, password: string): boolean {
  const algorithm = credentials.ha1Sha256 !== undefined ? DigestAlgorithm.Sha256 : DigestAlgorithm.Md5;
  const stored = credentials.ha1Sha256 ?? credentials.ha1Md5;
  if (stored === undefined) return false;
  const computed = digestHash(algorithm, `${username}:${credentials.realm}:${password}`);
  return timingSafeEqual(Buffer.from(computed, "latin1"), Buffer.from(stored, "latin1"));
}
