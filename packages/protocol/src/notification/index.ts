// Package#0 (DM Notification): binary codec and SHA256-DIGEST — DM 2.0 §5.2.1 / §7.1 (docs/protocol.md §2).
// Public exports of this module; the package's hand-written export list is ../index.ts.
export {
  ConType,
  isConType,
  NOTIFICATION_ID_SIZE,
  OptionProfile,
  P0_HEADER_SIZE,
  P0_MAX_DELTA,
  P0_MAX_OPTIONS,
  P0_VERSION,
  P0Option,
  SHA256_DIGEST_SIZE,
} from "./constants.js";
export type { Notification, NotificationCodecOptions, NotificationCredentials, UnknownOption } from "./types.js";
export { decodeNotification } from "./decode.js";
export { encodeNotification } from "./encode.js";
export type { DigestPolicyInput } from "./digest.js";
export { DigestPolicyAction, notificationDigestPolicy, signNotification, verifyNotification } from "./digest.js";
