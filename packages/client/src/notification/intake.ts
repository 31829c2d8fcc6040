// Package#0 intake: decides whether a received DM Notification opens a session (docs/protocol.md §2, §2.4, §2.5, §2.7). Pure: bytes, the accounts, the duplicate cache and the time in, a typed decision out. The
// caller records the NOTIFICATION-ID only for an accepted (or deferred) notification, so a rejected one changes
// nothing.
//
// Checks, in order (each failure is a rejection with its reason):
// 1. decode — VER 2, option rules (§2.2–§2.4);
// 2. account — SERVER-ID names a DMAcc; absent: the only DMAcc or the one bound to the transport (§2.7 step 1);
// 3. digest — the §2.5 policy table over Auth/Noti (or the seed's Credentials/Noti, §15);
// 4. TIMESTAMP — not older than the window (default 3600 s), not more than 300 s ahead (§2.4, omadm's choice);
// 5. duplicate — (SrvID, NOTIFICATION-ID) seen within the TIMESTAMP acceptance window (§2.4); an account whose
//    window already holds its cap of ids is refused (recent-ids.ts: the cache never forgets an id early);
// 6. bearer — PREFERRED-CON-TYPE against the available bearers; none usable → defer (§2.4, §2.7 step 2).
// Authentication comes before the duplicate check so an unauthenticated sender cannot probe the cache.
import {
  type ConType,
  DigestPolicyAction,
  type Notification,
  type NotificationCodecOptions,
  decodeNotification,
  notificationDigestPolicy,
  verifyNotification,
} from "@omadm/protocol";
import type { DmAccount } from "../tree/dmacc.js";
import type { NotificationSource } from "./transports/notification-transport.js";
import { chooseBearer } from "./bearer.js";

/** docs/protocol.md §2.4 (omadm's choice): a TIMESTAMP older than this is a replay (seconds). */
export const DEFAULT_MAX_AGE_SECONDS = 3600;
/** docs/protocol.md §2.4 (omadm's choice): a TIMESTAMP further ahead than this is refused (seconds). */
export const DEFAULT_MAX_FUTURE_SECONDS = 300;

/** Why a notification was dropped. Stable codes; the message names the detail. */
export const RejectReason = {
  /** The bytes are not a DM 2.0 Package#0 (truncated, VER ≠ 2, bad option …). */
  DECODE: "decode",
  /** SERVER-ID names no DM Account, or it is absent and no single/bound account applies. */
  UNKNOWN_SERVER: "unknown-server",
  /** The account has notification credentials but the notification carries no SHA256-DIGEST (§2.5 table). */
  DIGEST_MISSING: "digest-missing",
  /** The SHA256-DIGEST does not match the account's secret and auth data. */
  DIGEST_MISMATCH: "digest-mismatch",
  /** A digest arrived but the account has no notification credentials: "not properly provisioned" (§2.5). */
  NO_CREDENTIALS: "no-credentials",
  /** Neither credentials nor a digest, and unauthenticated notifications are not allowed (the default). */
  UNAUTHENTICATED: "unauthenticated",
  /** Auth/Noti/Type names a method this client does not implement (only 1 = SHA256-DIGEST, §2.5). */
  AUTH_TYPE_UNSUPPORTED: "auth-type-unsupported",
  /** (SERVER-ID, NOTIFICATION-ID) was already seen within the duplicate window. */
  DUPLICATE: "duplicate",
  /** TIMESTAMP is older than the replay window. */
  STALE: "stale",
  /** TIMESTAMP is too far in the future. */
  FUTURE: "future",
  /** The account already has its cap of NOTIFICATION-IDs inside the acceptance window (recent-ids.ts). */
  TOO_MANY: "too-many",
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export const IntakeKind = { Accept: "accept", Defer: "defer", Reject: "reject" } as const;
export type IntakeKind = (typeof IntakeKind)[keyof typeof IntakeKind];

/** A notification that passed every check: the session to open (§2.7 step 3). */
export interface AcceptedNotification {
  readonly account: DmAccount;
  /** Absent when the notification carried none (a transport that identifies the sender may omit it). */
  readonly notificationId?: number;
  /** REQ-MOS: Package#1 MUST carry the MOS array. */
  readonly reqMos: boolean;
  readonly notification: Notification;
  readonly source: NotificationSource;
}

export type IntakeDecision =
  | (AcceptedNotification & { readonly kind: typeof IntakeKind.Accept; readonly bearer: ConType })
  /** Valid, but none of the preferred bearers is up: wait for the availability to change, then choose again. */
  | (AcceptedNotification & { readonly kind: typeof IntakeKind.Defer; readonly preferred: readonly ConType[] })
  | {
      readonly kind: typeof IntakeKind.Reject;
      readonly reason: RejectReason;
      readonly message: string;
      readonly source: NotificationSource;
      readonly serverId?: string;
      readonly notificationId?: number;
    };

export type RejectedNotification = Extract<IntakeDecision, { kind: "reject" }>;

export interface IntakeOptions {
  /** §2.5 table, last row: accept notifications no credentials cover (default false). */
  readonly allowUnauthenticated?: boolean;
  readonly maxAgeSeconds?: number;
  readonly maxFutureSeconds?: number;
  readonly codec?: NotificationCodecOptions;
}

export interface IntakeContext {
  readonly accounts: readonly DmAccount[];
  /** Duplicate lookup (see recent-ids.ts). */
  readonly isDuplicate: (srvId: string, notificationId: number) => boolean;
  /** True when the account's duplicate cache is at its cap (a new id could not be remembered). */
  readonly isFull?: (srvId: string) => boolean;
  /** SrvID of the account bound to the transport the notification came in on, if any (§2.7 step 1). */
  readonly boundServerId?: string;
  /** Bearers usable right now. */
  readonly availableBearers: readonly ConType[];
  /** Epoch milliseconds. */
  readonly now: number;
}

/** (§2.5, omadm's choice) Auth/Noti/Type: 1 = SHA256-DIGEST, 0 = none; the seed's Credentials/Noti has no type (digest). */
const NOTI_TYPE_NONE = 0;
const NOTI_TYPE_SHA256 = 1;

/** Decides what to do with one received notification. Total: never throws. */
export function evaluateNotification(
  bytes: Uint8Array,
  source: NotificationSource,
  ctx: IntakeContext,
  options: IntakeOptions = {},
): IntakeDecision {
  const reject = (
    reason: RejectReason,
    message: string,
    n?: Notification,
    serverId?: string,
  ): RejectedNotification => ({
    kind: IntakeKind.Reject,
    reason,
    message,
    source,
    ...(serverId === undefined ? {} : { serverId }),
    ...(n?.notificationId === undefined ? {} : { notificationId: n.notificationId }),
  });

  // 1. decode
  const decoded = decodeNotification(bytes, options.codec);
  if (!decoded.ok) return reject(RejectReason.DECODE, `not a DM 2.0 notification: ${decoded.error.message}`);
  const n = decoded.value;

  // 2. account (§2.7 step 1)
  const account = pickAccount(n.serverId, ctx);
  if (typeof account === "string") return reject(RejectReason.UNKNOWN_SERVER, account, n, n.serverId);
  const srvId = account.srvId;

  // 3. digest (§2.5 policy table)
  const noti = account.noti;
  if (noti?.type !== undefined && noti.type !== NOTI_TYPE_NONE && noti.type !== NOTI_TYPE_SHA256) {
    const msg = `account ${srvId} has Auth/Noti/Type ${noti.type}; only 1 (SHA256-DIGEST) is supported`;
    return reject(RejectReason.AUTH_TYPE_UNSUPPORTED, msg, n, srvId);
  }
  const credentials = noti === undefined || noti.type === NOTI_TYPE_NONE ? undefined : noti;
  const action = notificationDigestPolicy({
    hasCredentials: credentials !== undefined,
    digestPresent: n.digest !== undefined,
    allowUnauthenticated: options.allowUnauthenticated === true,
  });
  if (action === DigestPolicyAction.VERIFY && credentials !== undefined) {
    const verified = verifyNotification(
      bytes,
      { secret: credentials.secret, authData: credentials.data },
      options.codec,
    );
    if (!verified.ok) {
      return reject(RejectReason.DIGEST_MISMATCH, `SHA256-DIGEST check failed: ${verified.error.message}`, n, srvId);
    }
  } else if (action === DigestPolicyAction.DROP) {
    if (credentials !== undefined) {
      const msg = `account ${srvId} has notification credentials but the notification has no SHA256-DIGEST`;
      return reject(RejectReason.DIGEST_MISSING, msg, n, srvId);
    }
    if (n.digest !== undefined) {
      const msg = `the notification has a SHA256-DIGEST but account ${srvId} has no notification credentials`;
      return reject(RejectReason.NO_CREDENTIALS, msg, n, srvId);
    }
    const msg = `account ${srvId} has no notification credentials and unauthenticated notifications are not allowed`;
    return reject(RejectReason.UNAUTHENTICATED, msg, n, srvId);
  }

  // 4. TIMESTAMP (§2.4, omadm's choice of replay window)
  if (n.timestamp !== undefined) {
    const nowSeconds = Math.floor(ctx.now / 1000);
    const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
    const maxFuture = options.maxFutureSeconds ?? DEFAULT_MAX_FUTURE_SECONDS;
    if (nowSeconds - n.timestamp > maxAge) {
      const msg = `TIMESTAMP ${n.timestamp} is ${nowSeconds - n.timestamp} s old (limit ${maxAge} s)`;
      return reject(RejectReason.STALE, msg, n, srvId);
    }
    if (n.timestamp - nowSeconds > maxFuture) {
      const msg = `TIMESTAMP ${n.timestamp} is ${n.timestamp - nowSeconds} s in the future (limit ${maxFuture} s)`;
      return reject(RejectReason.FUTURE, msg, n, srvId);
    }
  }

  // 5. duplicate (docs/protocol.md §2.3: duplicates MUST be dropped)
  if (n.notificationId !== undefined && ctx.isDuplicate(srvId, n.notificationId)) {
    const msg = `NOTIFICATION-ID ${n.notificationId} from ${srvId} was already received`;
    return reject(RejectReason.DUPLICATE, msg, n, srvId);
  }
  if (n.notificationId !== undefined && ctx.isFull?.(srvId) === true) {
    const msg = `${srvId} sent more notifications than this client remembers inside the acceptance window`;
    return reject(RejectReason.TOO_MANY, msg, n, srvId);
  }

  // 6. bearer (§2.7 step 2)
  const accepted: AcceptedNotification = {
    account,
    reqMos: n.reqMos,
    notification: n,
    source,
    ...(n.notificationId === undefined ? {} : { notificationId: n.notificationId }),
  };
  const choice = chooseBearer(n.preferredConTypes, ctx.availableBearers);
  if (choice.kind === "wait") return { kind: IntakeKind.Defer, ...accepted, preferred: choice.preferred };
  return { kind: IntakeKind.Accept, ...accepted, bearer: choice.bearer };
}

/** The DMAcc the notification is for, or the reason there is none. */
function pickAccount(serverId: string | undefined, ctx: IntakeContext): DmAccount | string {
  if (serverId !== undefined) {
    return ctx.accounts.find((a) => a.srvId === serverId) ?? `SERVER-ID "${serverId}" matches no DM Account`;
  }
  // §2.7 step 1 (omadm's choice): without SERVER-ID, the account bound to the transport, else the only account.
  if (ctx.boundServerId !== undefined) {
    return (
      ctx.accounts.find((a) => a.srvId === ctx.boundServerId) ??
      `no SERVER-ID, and the transport's account "${ctx.boundServerId}" does not exist`
    );
  }
  const only = ctx.accounts.length === 1 ? ctx.accounts[0] : undefined;
  if (only !== undefined) return only;
  return ctx.accounts.length === 0
    ? "no SERVER-ID, and the client has no DM Account"
    : `no SERVER-ID, and ${ctx.accounts.length} DM Accounts could have sent it (bind the transport to one)`;
}
