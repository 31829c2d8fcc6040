// The HMAC key of the stateless Digest nonces (digest-nonce.ts; RFC 7616 §3.3, docs/protocol.md §11.2) from the
// configuration. Every server node behind one address — and a node after a restart — must hold the same key, or a
// device answering one node's challenge on another node gets 401 and a new challenge.
//
// Where the secret comes from (decided here): a file named by `deviceAuth.nonceKeyFile` (config file, overrides,
// or OMADM_DEVICE_AUTH_NONCE_KEY_FILE), or the environment variable OMADM_DEVICE_AUTH_NONCE_KEY
// (`deviceAuth.nonceKey`, also settable through programmatic overrides). The JSON config file may name the key
// file but must not hold the key itself: config files are committed, copied and shown around; secrets are not.
// Giving both is refused (which one wins would be a guess).
//
// Key bytes: the UTF-8 bytes of the variable, or the file's bytes without surrounding ASCII whitespace (so a file
// written by `openssl rand -hex 32 > key` works on every node alike); at least 16 bytes either way. With neither,
// each process draws a random key, and the server logs one warning at start when Digest is on (app.ts).
import { readFileSync } from "node:fs";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { ConfigProblem, ConfigSource } from "../config-problem.js";
import { AuthMode } from "./types.js";
import { errorMessage } from "@omadm/protocol";

export const MIN_NONCE_KEY_BYTES = 16;
export const NONCE_KEY_ENV = "OMADM_DEVICE_AUTH_NONCE_KEY";

/** The part of the `deviceAuth` configuration section the nonce key comes from. */
export interface NonceKeySettings {
  readonly modes: readonly AuthMode[];
  readonly nonceKey: string | null;
  readonly nonceKeyFile: string | null;
}
type DeviceAuthConfig = NonceKeySettings;
/** Reads a whole file; throws when it cannot. */
export type ReadKeyFile = (path: string) => Uint8Array;

type KeyOutcome =
  | { readonly ok: true; readonly key: Uint8Array | null }
  | { readonly ok: false; readonly path: "deviceAuth.nonceKey" | "deviceAuth.nonceKeyFile"; readonly message: string };

const defaultRead: ReadKeyFile = (path) => readFileSync(path);

/** The file's bytes without leading and trailing ASCII whitespace (a trailing newline is not part of the key). */
export function trimKeyBytes(bytes: Uint8Array): Uint8Array {
  const space = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  let start = 0;
  let end = bytes.length;
  while (start < end && space(bytes[start])) start++;
  while (end > start && space(bytes[end - 1])) end--;
  return bytes.subarray(start, end);
}

function keyOf(auth: DeviceAuthConfig, read: ReadKeyFile): KeyOutcome {
  if (auth.nonceKey !== null && auth.nonceKeyFile !== null) {
    return {
      ok: false,
      path: "deviceAuth.nonceKeyFile",
      message: `deviceAuth.nonceKey (${NONCE_KEY_ENV}) and deviceAuth.nonceKeyFile are both set: give one`,
    };
  }
  if (auth.nonceKey !== null) {
    // Never echo the secret, only its length.
    const key = Buffer.from(auth.nonceKey, "utf8");
    if (key.length < MIN_NONCE_KEY_BYTES) {
      return {
        ok: false,
        path: "deviceAuth.nonceKey",
        message: `deviceAuth.nonceKey (${NONCE_KEY_ENV}) must be at least ${MIN_NONCE_KEY_BYTES} bytes, got ${key.length}`,
      };
    }
    return { ok: true, key };
  }
  if (auth.nonceKeyFile !== null) {
    const path = auth.nonceKeyFile;
    let bytes: Uint8Array;
    try {
      bytes = read(path);
    } catch (cause) {
      return {
        ok: false,
        path: "deviceAuth.nonceKeyFile",
        message: `deviceAuth.nonceKeyFile ${path} cannot be read: ${errorMessage(cause)}`,
      };
    }
    const key = trimKeyBytes(bytes);
    if (key.length < MIN_NONCE_KEY_BYTES) {
      return {
        ok: false,
        path: "deviceAuth.nonceKeyFile",
        message:
          `deviceAuth.nonceKeyFile ${path} holds a key of ${key.length} bytes; ` +
          `it must be at least ${MIN_NONCE_KEY_BYTES}`,
      };
    }
    return { ok: true, key: Uint8Array.from(key) };
  }
  return { ok: true, key: null };
}

const usesDigest = (auth: DeviceAuthConfig): boolean => auth.modes.includes(AuthMode.Digest);

/**
 * Checks the nonce key settings for loadServerConfig (../config.ts): the key file is read and both sources are
 * length-checked now, so a bad key stops the start with a problem naming the key. Set without mode "digest":
 * a warning, and nothing is read.
 */
export function resolveNonceKeyConfig(
  config: { readonly deviceAuth: NonceKeySettings },
  explicit: ReadonlyMap<string, ConfigSource>,
  read: ReadKeyFile = defaultRead,
): { readonly problems: readonly ConfigProblem[]; readonly warnings: readonly string[] } {
  const auth = config.deviceAuth;
  if (auth.nonceKey === null && auth.nonceKeyFile === null) return { problems: [], warnings: [] };
  if (!usesDigest(auth)) {
    const set = (["deviceAuth.nonceKey", "deviceAuth.nonceKeyFile"] as const).filter((k) => explicit.has(k));
    return { problems: [], warnings: [`${set.join(", ")} ignored: deviceAuth.modes has no "digest"`] };
  }
  const outcome = keyOf(auth, read);
  if (outcome.ok) return { problems: [], warnings: [] };
  const source = explicit.get(outcome.path) ?? "overrides";
  const key = outcome.path === "deviceAuth.nonceKey" && source === "env" ? NONCE_KEY_ENV : outcome.path;
  return { problems: [{ key, source, message: outcome.message }], warnings: [] };
}

/**
 * The configured nonce key, read now (for composing the server); null when none is configured or Digest is off.
 * Throws CONFIG_INVALID naming the key (and the file) when the file cannot be read or a key is too short.
 */
export function loadNonceKey(auth: DeviceAuthConfig, read: ReadKeyFile = defaultRead): Uint8Array | null {
  if (!usesDigest(auth)) return null;
  const outcome = keyOf(auth, read);
  if (!outcome.ok) throw new ServerError(ServerErrorCode.CONFIG_INVALID, outcome.message);
  return outcome.key;
}
