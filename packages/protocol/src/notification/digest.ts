// SHA256-DIGEST of Package#0 — DM 2.0 §5.2.1 / §9 (docs/protocol.md §2.3, §2.5, §11.1).
// Digest = SHA-256(server-secret | notification-with-zero-digest | auth-data), written over the zero digest.
import { createHash, timingSafeEqual } from "node:crypto";
import { ErrorCode, ProtocolError } from "../errors.js";
import type { Result } from "../result.js";
import { err, ok } from "../result.js";
import { SHA256_DIGEST_SIZE } from "./constants.js";
import { decodeNotificationWith } from "./decode.js";
import { encodeNotificationWith } from "./encode.js";
import { optionLayout } from "./option-layout.js";
import type { Notification, NotificationCodecOptions, NotificationCredentials } from "./types.js";

const ZERO_DIGEST = new Uint8Array(SHA256_DIGEST_SIZE);

/**
 * The digest of received `bytes` as if its 32 digest bytes at `digestOffset` were zero (docs/protocol.md §2.5
 * step 2). The bytes are fed to the hash around the digest, so the caller's buffer is neither copied nor changed.
 */
function digestOfReceived(bytes: Uint8Array, digestOffset: number, credentials: NotificationCredentials): Buffer {
  return createHash("sha256")
    .update(credentials.secret)
    .update(bytes.subarray(0, digestOffset))
    .update(ZERO_DIGEST)
    .update(bytes.subarray(digestOffset + SHA256_DIGEST_SIZE))
    .update(credentials.authData)
    .digest();
}

/**
 * Encodes `n` with a SHA256-DIGEST option (whatever `n.digest` holds) and signs it in place: one encoding, one
 * hash (docs/protocol.md §2.5 steps 1–3). Throws a ProtocolError, like encodeNotification, for an invalid `n`.
 */
export function signNotification(
  n: Notification,
  credentials: NotificationCredentials,
  options: NotificationCodecOptions = {},
): Uint8Array {
  // Freshly encoded, the digest bytes are still zero: the bytes are hashed as they are.
  const { bytes, digestOffset } = encodeNotificationWith(n, optionLayout(options.profile), true);
  const digest = createHash("sha256").update(credentials.secret).update(bytes).update(credentials.authData).digest();
  bytes.set(digest, digestOffset);
  return bytes;
}

/**
 * Decodes `bytes` and checks its SHA256-DIGEST against the sender's credentials with a constant-time compare.
 * Never throws. Errors: any decode error, P0_DIGEST_MISSING (no digest option), P0_DIGEST_MISMATCH.
 * Whether a digest is required at all is the caller's policy: see notificationDigestPolicy.
 */
export function verifyNotification(
  bytes: Uint8Array,
  credentials: NotificationCredentials,
  options: NotificationCodecOptions = {},
): Result<Notification> {
  const decoded = decodeNotificationWith(bytes, optionLayout(options.profile));
  if (!decoded.ok) return decoded;
  const { notification, digestOffset } = decoded.value;
  const received = notification.digest; // the decoder's copy of bytes[digestOffset, +32)
  if (received === undefined) {
    const msg = "the notification has no SHA256-DIGEST option to verify";
    return err(new ProtocolError(ErrorCode.P0_DIGEST_MISSING, msg, { path: "@0", status: 401 }));
  }
  const expected = digestOfReceived(bytes, digestOffset, credentials);
  // docs/protocol.md §2.5: compare in constant time so the digest cannot be guessed byte by byte.
  if (!timingSafeEqual(expected, received)) {
    const msg = "SHA256-DIGEST does not match the server secret and auth data";
    return err(new ProtocolError(ErrorCode.P0_DIGEST_MISMATCH, msg, { path: `@${digestOffset}`, status: 401 }));
  }
  return ok(notification);
}

/** What a client does with a notification, given its credentials and the digest option (docs/protocol.md §2.5). */
export const DigestPolicyAction = {
  /** Check the digest with verifyNotification; drop the notification when it fails. */
  VERIFY: "verify",
  /** Ignore the notification. */
  DROP: "drop",
  /** Act on the notification without a digest. */
  ACCEPT: "accept",
} as const;
export type DigestPolicyAction = (typeof DigestPolicyAction)[keyof typeof DigestPolicyAction];

export interface DigestPolicyInput {
  /** The sender's DMAcc has `Auth/Noti` credentials (Secret and Data). */
  readonly hasCredentials: boolean;
  /** The notification carries a SHA256-DIGEST option. */
  readonly digestPresent: boolean;
  /** Client configuration: accept notifications that no credentials cover (default false in our config). */
  readonly allowUnauthenticated: boolean;
}

/**
 * docs/protocol.md §2.5 (omadm's choice) policy table:
 * credentials + digest → verify; credentials, no digest → drop; digest, no credentials → drop (the secret is
 * "not properly provided", docs/protocol.md §2.3); neither → accept only if unauthenticated notifications are allowed.
 */
export function notificationDigestPolicy(input: DigestPolicyInput): DigestPolicyAction {
  if (input.hasCredentials) return input.digestPresent ? DigestPolicyAction.VERIFY : DigestPolicyAction.DROP;
  if (input.digestPresent) return DigestPolicyAction.DROP;
  return input.allowUnauthenticated ? DigestPolicyAction.ACCEPT : DigestPolicyAction.DROP;
}
