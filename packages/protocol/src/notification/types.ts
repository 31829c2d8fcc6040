// The typed value of a Package#0 (DM Notification) — docs/protocol.md §2.4.
import type { ConType, OptionProfile } from "./constants.js";

/** An option whose number this codec does not know (7 and up): kept verbatim so it can be re-encoded. */
export interface UnknownOption {
  readonly number: number;
  readonly value: Uint8Array;
}

/**
 * One DM Notification. An absent option is an absent key (never `undefined`), so a decoded value compares
 * equal to the value it was encoded from.
 */
export interface Notification {
  /** SERVER-ID (1): the DMAcc `SrvID` of the sender, UTF-8. */
  readonly serverId?: string;
  /** PREFERRED-CON-TYPE (2): bearers in priority order; ANY_AVAILABLE only last; no repeats; never empty. */
  readonly preferredConTypes?: readonly ConType[];
  /** NOTIFICATION-ID (3): uint16 used with SERVER-ID to drop duplicates. */
  readonly notificationId?: number;
  /** SHA256-DIGEST (4): 32 bytes (see signNotification / verifyNotification, docs/protocol.md §2.5). */
  readonly digest?: Uint8Array;
  /** TIMESTAMP (5): send time, POSIX seconds (whole seconds since 1970-01-01T00:00:00Z). */
  readonly timestamp?: number;
  /** REQ-MOS (6): present (true) asks the client to send the MOS array in Package#1. */
  readonly reqMos: boolean;
  /** Options 7 and up, in increasing number order on decode; any order on encode. */
  readonly unknownOptions: readonly UnknownOption[];
}

export interface NotificationCodecOptions {
  /** Option-header layout (docs/protocol.md §2.3); default "A". */
  readonly profile?: OptionProfile;
}

/** Credentials from the sender's DMAcc: `<x>/Auth/Noti/Secret` and `<x>/Auth/Noti/Data` (docs/protocol.md §2.5). */
export interface NotificationCredentials {
  readonly secret: Uint8Array;
  readonly authData: Uint8Array;
}
