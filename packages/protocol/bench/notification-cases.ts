// Ready-to-run closures for benchmarking the Package#0 codec and digest (docs/protocol.md §2.5). The runner
// (mitata) measures them side by side; bareSha256 is the floor: one SHA-256 over the same input bytes.
import { createHash } from "node:crypto";
import type { Notification, NotificationCodecOptions, NotificationCredentials } from "../src/notification/types.js";
import { signNotification, verifyNotification } from "../src/notification/digest.js";

export interface NotificationCases {
  /** The bytes every case works on: the signed sample notification. */
  readonly bytes: Uint8Array;
  /** Encode and sign the sample notification (one encoding, one hash). */
  encodeSign(): Uint8Array;
  /** Decode and verify `bytes`; throws if verification fails (a broken build must not benchmark well). */
  decodeVerify(): void;
  /** SHA-256 of secret | bytes | authData, pre-concatenated: the same hash input as sign/verify, nothing else. */
  bareSha256(): Buffer;
}

/** A typical wake-up: SERVER-ID, bearers, NOTIFICATION-ID, digest, TIMESTAMP, REQ-MOS: 64 bytes. */
export const SAMPLE_NOTIFICATION: Notification = {
  serverId: "dm.example.com",
  preferredConTypes: [2, 1, 0],
  notificationId: 0x1234,
  timestamp: 1_700_000_000,
  reqMos: true,
  unknownOptions: [],
};

export const SAMPLE_CREDENTIALS: NotificationCredentials = {
  secret: Buffer.from("a-32-byte-notification-secret!!!"),
  authData: Buffer.from("auth-data-0001"),
};

export function createNotificationCases(
  notification: Notification = SAMPLE_NOTIFICATION,
  credentials: NotificationCredentials = SAMPLE_CREDENTIALS,
  options: NotificationCodecOptions = {},
): NotificationCases {
  const bytes = signNotification(notification, credentials, options);
  const hashInput = Buffer.concat([credentials.secret, bytes, credentials.authData]);
  return {
    bytes,
    encodeSign: () => signNotification(notification, credentials, options),
    decodeVerify: () => {
      const r = verifyNotification(bytes, credentials, options);
      if (!r.ok) throw r.error;
    },
    bareSha256: () => createHash("sha256").update(hashInput).digest(),
  };
}
