// Package#0 (DM Notification) constants — DM 2.0 §5.2.1 / §7.1 (docs/protocol.md §2, §16).

/** DM 2.0 §5.2.1 (docs/protocol.md §2.2): the VER header field MUST be 2 (the version of the notification format, not of DM). */
export const P0_VERSION = 2;

/** Option numbers of the standard options (docs/protocol.md §2.3, Table 1; §2.4). */
export const P0Option = {
  SERVER_ID: 1,
  PREFERRED_CON_TYPE: 2,
  NOTIFICATION_ID: 3,
  SHA256_DIGEST: 4,
  TIMESTAMP: 5,
  REQ_MOS: 6,
} as const;
export type P0Option = (typeof P0Option)[keyof typeof P0Option];

/**
 * Bearer codes of PREFERRED-CON-TYPE. The approved spec names 0x01/0x02 CELLULAR/WLAN; the draft change request called
 * them MOBILE/WIRELESS (docs/protocol.md §15). The codes are identical, so the CR names are aliases.
 */
export const ConType = {
  ANY_AVAILABLE: 0,
  CELLULAR: 1,
  WLAN: 2,
  WIRELINE: 3,
  /** The draft change request's name of CELLULAR (docs/protocol.md §15). */
  MOBILE: 1,
  /** The draft change request's name of WLAN (docs/protocol.md §15). */
  WIRELESS: 2,
} as const;
export type ConType = (typeof ConType)[keyof typeof ConType];

/** docs/protocol.md §2.3 (omadm's choice): the two candidate option-header layouts; A is the default. */
export const OptionProfile = {
  /** 4-bit delta, 4-bit length; length 15 means one extension byte E follows (length 15 + E, max 270). */
  A: "A",
  /** 4-bit delta, 12-bit length: a 2-byte option header (max 4095), as DM 1.3's notification did. */
  B: "B",
} as const;
export type OptionProfile = (typeof OptionProfile)[keyof typeof OptionProfile];

/** The 2-byte fixed header (VER 4 bits, OC 5 bits, 7 reserved bits). */
export const P0_HEADER_SIZE = 2;
/** OC is 5 bits wide. */
export const P0_MAX_OPTIONS = 31;
/** Delta 15 is reserved and never sent (docs/protocol.md §2.3), so one step covers at most 14 option numbers. */
export const P0_MAX_DELTA = 14;
/** NOTIFICATION-ID MUST be 2 bytes long (docs/protocol.md §2.3). */
export const NOTIFICATION_ID_SIZE = 2;
/** SHA256-DIGEST MUST be 32 bytes long (docs/protocol.md §2.3). */
export const SHA256_DIGEST_SIZE = 32;

/** True for the four bearer codes PREFERRED-CON-TYPE defines (0x00–0x03). */
export function isConType(code: number): code is ConType {
  return (
    code === ConType.ANY_AVAILABLE || code === ConType.CELLULAR || code === ConType.WLAN || code === ConType.WIRELINE
  );
}
