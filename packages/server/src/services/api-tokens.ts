// Operator API tokens: bearer secrets for the REST API (RFC 6750). The secret is shown once, at creation; the
// store keeps only its SHA-256, so a leaked database does not leak usable tokens. 32 random bytes (256 bits)
// make guessing and hash inversion hopeless, so a plain unsalted SHA-256 is enough (the secret is not a
// low-entropy password that would need a slow, salted hash).
import { createHash, randomBytes } from "node:crypto";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import { ApiScope, type ApiToken } from "../store/types-content.js";

/** Bytes of randomness in a token. */
export const API_TOKEN_BYTES = 32;
/** Longest token name accepted. */
export const MAX_API_TOKEN_NAME_LENGTH = 100;

/** base64url of 32 bytes: 43 characters, no padding. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface CreatedApiToken {
  /** The bearer secret. Shown to the operator once; never stored, never readable again. */
  readonly token: string;
  readonly record: ApiToken;
}

export interface ApiTokenDeps {
  /** Source of randomness (default: node:crypto randomBytes). */
  readonly randomBytes?: ((size: number) => Uint8Array) | undefined;
}

/** Hex SHA-256 of the token text: what `store.apiTokens` holds and looks up. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Creates a token named `name` (1–100 characters, for the operator's own bookkeeping) with `scope` (default
 * admin: what `omadm token create` made before scopes existed). INVALID_INPUT.
 */
export async function createApiToken(
  store: Pick<Store, "apiTokens">,
  name: string,
  deps: ApiTokenDeps = {},
  scope: ApiScope = ApiScope.Admin,
): Promise<CreatedApiToken> {
  const trimmed = typeof name === "string" ? name.trim() : "";
  if (trimmed.length === 0 || trimmed.length > MAX_API_TOKEN_NAME_LENGTH) {
    throw new ServerError(
      ServerErrorCode.INVALID_INPUT,
      `token name must be 1 to ${MAX_API_TOKEN_NAME_LENGTH} characters`,
    );
  }
  const bytes = (deps.randomBytes ?? randomBytes)(API_TOKEN_BYTES);
  const token = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  const record = await store.apiTokens.create({ name: trimmed, tokenHash: hashApiToken(token), scope });
  return { token, record };
}

/**
 * The live (unrevoked) token record for a presented secret, its last use stamped; null for anything else.
 * A string that cannot be a token is refused without a store lookup.
 */
export async function authenticateApiToken(store: Pick<Store, "apiTokens">, token: string): Promise<ApiToken | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  return store.apiTokens.use(hashApiToken(token));
}
