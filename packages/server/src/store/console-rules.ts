// Checks every store makes on a console sign-in (types-console.ts), before it changes anything.
import { invalid, requireInt, requireText } from "./rules.js";
import type { NewConsoleSignIn } from "./types-console.js";

/** A secret hash is hex SHA-256 (64) in practice; the bound keeps a key from being anything else. */
const MAX_HASH_LENGTH = 128;

export function checkSecretHash(value: unknown): string {
  const hash = requireText(value, "secretHash");
  if (hash.length > MAX_HASH_LENGTH) throw invalid(`secretHash must be at most ${MAX_HASH_LENGTH} characters`);
  return hash;
}

export function checkNewConsoleSignIn(input: NewConsoleSignIn, now: number): NewConsoleSignIn {
  const secretHash = checkSecretHash(input.secretHash);
  const tokenId = input.tokenId === null ? null : requireText(input.tokenId, "tokenId");
  const tokenHash = input.tokenHash === null ? null : requireText(input.tokenHash, "tokenHash");
  if ((tokenId === null) !== (tokenHash === null)) throw invalid("tokenId and tokenHash go together");
  const expiresAt = requireInt(input.expiresAt, "expiresAt", now + 1);
  const endsAt = requireInt(input.endsAt, "endsAt", now + 1, expiresAt);
  return { secretHash, tokenId, tokenHash, expiresAt, endsAt };
}

/** Where `touch` moves the end to: later only, never past the absolute end. */
export function touchedEnd(current: { readonly endsAt: number; readonly expiresAt: number }, endsAt: number): number {
  return Math.min(current.expiresAt, Math.max(current.endsAt, requireInt(endsAt, "endsAt", 0)));
}
