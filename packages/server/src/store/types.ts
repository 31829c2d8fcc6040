// The records the DM Server keeps, and the inputs that create or change them. Every store implementation
// (memory, SQLite, PostgreSQL) returns exactly these shapes; the shared contract suite checks that they agree.
// Conventions: times are epoch milliseconds (numbers) taken from the injected `Clock`; a field that may be
// unknown is `T | null` in a record; in inputs an absent field means "unchanged"/"none" and `null` clears.
// JSON values are accepted as `unknown` (they must survive JSON.stringify) and come back as `JsonValue`.

/** The store never calls Date.now(): the server injects time, so tests can drive expiry deterministically. */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
}

export interface StoreDeps {
  readonly clock: Clock;
  /** Makes record ids (default: UUIDv7, time-ordered with 74 random bits: record-ids.ts). */
  readonly newId?: (() => string) | undefined;
}

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One page of a list, oldest first unless the query asked for `order: "desc"`. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `cursor` to get the next page; null when this page is the last. */
  readonly nextCursor: string | null;
}

export interface PageQuery {
  /** 1..1000, default 100. */
  readonly limit?: number | undefined;
  /** An opaque `nextCursor` from an earlier page of the same query. */
  readonly cursor?: string | undefined;
}

export const SortOrder = { Asc: "asc", Desc: "desc" } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];

// ---------------------------------------------------------------------------------------------- devices

export const DeviceState = {
  /** Known to the operator, never seen (pre-provisioned). */
  Provisioned: "provisioned",
  /** Has opened at least one session. */
  Registered: "registered",
  /** Refused by the DM endpoint until enabled again. */
  Disabled: "disabled",
} as const;
export type DeviceState = (typeof DeviceState)[keyof typeof DeviceState];

/** One MOS entry exactly as Package#1 carries it (docs/protocol.md §3.1). */
export interface MosInventoryEntry {
  readonly MOID?: string;
  readonly MIID: readonly string[];
  readonly DDF?: string;
}

/** DMAcc `Auth/Noti/*` of this server on the device (docs/protocol.md §2.5, §9.2): what SHA256-DIGEST needs. */
export interface NotificationCredentials {
  /** `Auth/Noti/Type`: 1 = SHA256-DIGEST, 0 = none (omadm's choice). */
  readonly type: number;
  /** `Auth/Noti/Secret` (bin), prepended to the notification in the digest. */
  readonly secret: Uint8Array;
  /** `Auth/Noti/Data` (bin), appended after the notification in the digest. */
  readonly authData: Uint8Array;
}

/** Where Package#0 reaches the device (docs/protocol.md §12): any of the transports the client listens on. */
export interface NotificationAddress {
  readonly udp?: { readonly host: string; readonly port: number };
  readonly mqtt?: { readonly topic: string };
}

export const HttpAuthType = { Basic: "basic", Digest: "digest" } as const;
export type HttpAuthType = (typeof HttpAuthType)[keyof typeof HttpAuthType];

/**
 * HTTP authentication of the device (docs/protocol.md §9.2 `Ext/HttpAuth`, §11.2). Only HA1 is kept, never the
 * password: HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2) verifies Digest directly and Basic by
 * recomputing it from the presented password.
 */
export interface HttpCredentials {
  readonly type: HttpAuthType;
  readonly username: string;
  readonly realm: string;
  /** Lowercase hex MD5 HA1 (Digest algorithm MD5, and Basic). */
  readonly ha1Md5?: string;
  /** Lowercase hex SHA-256 HA1 (Digest algorithm SHA-256). */
  readonly ha1Sha256?: string;
}

/** PSK-TLS (RFC 4279, docs/protocol.md §11.2): the identity the device presents and the shared key (hex). */
export interface PskCredentials {
  readonly identity: string;
  readonly keyHex: string;
}

export interface Device {
  /** OMADM-DevID. */
  readonly id: string;
  readonly state: DeviceState;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly firstContactAt: number | null;
  readonly lastContactAt: number | null;
  /** DevInfo values as last read (e.g. from a GET result), with when. */
  readonly devInfo: JsonValue | null;
  readonly devInfoAt: number | null;
  /** MOS inventory from the last Package#1 that carried one. */
  readonly mos: readonly MosInventoryEntry[] | null;
  readonly mosAt: number | null;
  readonly notification: NotificationCredentials | null;
  readonly notifyAddress: NotificationAddress | null;
  readonly http: HttpCredentials | null;
  /** Client certificate fingerprint for mTLS: lowercase hex SHA-256 of the DER certificate. */
  readonly certFingerprint: string | null;
  readonly psk: PskCredentials | null;
}

/** What an operator or the endpoint may change on a device; absent = unchanged, null = cleared. */
export interface DevicePatch {
  /** Replaces all labels. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** true → disabled; false → registered if it ever made contact, else provisioned. */
  readonly disabled?: boolean | undefined;
  /** Also stamps `devInfoAt`. */
  readonly devInfo?: unknown;
  /** Also stamps `mosAt`. */
  readonly mos?: readonly MosInventoryEntry[] | null | undefined;
  readonly notification?: NotificationCredentials | null | undefined;
  readonly notifyAddress?: NotificationAddress | null | undefined;
  readonly http?: HttpCredentials | null | undefined;
  readonly certFingerprint?: string | null | undefined;
  readonly psk?: PskCredentials | null | undefined;
}

export type NewDevice = { readonly id: string } & Omit<DevicePatch, "disabled">;

/** The credential a TLS or HTTP layer presents, to find the device it belongs to. Each is unique. */
export type CredentialKey =
  { readonly certFingerprint: string } | { readonly pskIdentity: string } | { readonly httpUsername: string };

export interface DeviceQuery extends PageQuery {
  readonly state?: DeviceState | undefined;
  /** Every given label must match exactly. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

// --------------------------------------------------------------------------------------------- commands

/**
 * queued → sent → done | failed | accepted;  accepted → done | failed (the asynchronous alert, §4.12);
 * sent without an answer when its session ends (superseded, aborted, timed out): at-least-once → queued while
 * deliveries remain, else failed; at-most-once → unknown (docs/delivery.md);  queued → expired | cancelled;
 * sent | accepted → cancelled (the operator stops it; a late answer to a sent one is still recorded).
 */
export const CommandState = {
  Queued: "queued",
  Sent: "sent",
  Accepted: "accepted",
  Done: "done",
  Failed: "failed",
  Expired: "expired",
  Cancelled: "cancelled",
  /** At-most-once, sent and never answered: it may or may not have run; it is not sent again. */
  Unknown: "unknown",
} as const;
export type CommandState = (typeof CommandState)[keyof typeof CommandState];

/**
 * What happens to a command sent in a session that ends without its answer (docs/delivery.md):
 * `at-least-once` sends it again in a later session, up to the command's `maxDeliveries` in all, then it fails;
 * `at-most-once` never sends it again and it ends `unknown`.
 */
export const DeliveryPolicy = { AtLeastOnce: "at-least-once", AtMostOnce: "at-most-once" } as const;
export type DeliveryPolicy = (typeof DeliveryPolicy)[keyof typeof DeliveryPolicy];

/** For EXEC answered 202: how the later Generic Alert is matched back (docs/protocol.md §4.4). */
export interface AsyncCorrelation {
  /** The executed ClientURI — the alert's SourceURI. */
  readonly sourceUri: string;
  /** The ServerURI the alert is sent to, when EXEC carried one. */
  readonly serverUri?: string;
}

export interface CommandResult {
  /** Status item `URI` (concrete ClientURIs). */
  readonly uris: readonly string[];
  /** GET data or the asynchronous alert's Data. */
  readonly data: JsonValue | null;
}

export interface Command {
  readonly id: string;
  readonly deviceId: string;
  /** The command name, P2 item [0] (docs/protocol.md §4). */
  readonly name: string;
  /** The parameters, P2 items [1..] in order. */
  readonly params: readonly string[];
  readonly idempotencyKey: string | null;
  readonly state: CommandState;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number | null;
  /** Last time it went out in a Package#2. */
  readonly sentAt: number | null;
  readonly completedAt: number | null;
  /** How many times it was put into a Package#2 (more than 1 after a requeue). */
  readonly attempts: number;
  readonly delivery: DeliveryPolicy;
  /** At-least-once: the most Package#2s it may go out in (then `failed`); 1 for at-most-once. */
  readonly maxDeliveries: number;
  /** Why it ended as it did when no status code tells (never answered, outcome unknown); else null. */
  readonly reason: string | null;
  /** Session, package number and CMD index of the Package#2 it was (last) sent in. */
  readonly sessionId: string | null;
  readonly packageNo: number | null;
  readonly position: number | null;
  readonly statusCode: number | null;
  readonly result: CommandResult | null;
  readonly correlation: AsyncCorrelation | null;
}

export interface NewCommand {
  readonly deviceId: string;
  readonly name: string;
  readonly params: readonly string[];
  /** Unique per device: enqueueing again with the same key returns the first command. */
  readonly idempotencyKey?: string | undefined;
  readonly expiresAt?: number | undefined;
  readonly correlation?: AsyncCorrelation | undefined;
  /** Default: the command's own (`defaultDelivery`). */
  readonly delivery?: DeliveryPolicy | undefined;
  /** At-least-once: 1..100, default 3. Ignored (1) for at-most-once. */
  readonly maxDeliveries?: number | undefined;
}

export interface EnqueueResult {
  readonly command: Command;
  /** false when the idempotency key matched an existing command (which is returned unchanged). */
  readonly created: boolean;
}

export interface TakeBatchInput {
  readonly deviceId: string;
  /** Must be the device's open, live session. */
  readonly sessionId: string;
  /** Most commands to take (≥ 1). */
  readonly max: number;
  /** Package number of the Package#2 being built. */
  readonly packageNo: number;
  /** CMD index of the first taken command (e.g. 1 when a CONT comes first); default 0. */
  readonly firstPosition?: number | undefined;
}

export const CommandOutcome = { Done: "done", Failed: "failed", Accepted: "accepted" } as const;
export type CommandOutcome = (typeof CommandOutcome)[keyof typeof CommandOutcome];

/** One Package#3 status item applied to the command it answers. */
export interface CommandResultInput {
  readonly commandId: string;
  readonly outcome: CommandOutcome;
  readonly statusCode: number;
  readonly uris?: readonly string[] | undefined;
  readonly data?: unknown;
  /** For `accepted`: overrides the correlation given at enqueue (e.g. the concrete ClientURI). */
  readonly correlation?: AsyncCorrelation | undefined;
}

export type AcceptedSelector =
  { readonly commandId: string } | { readonly deviceId: string; readonly sourceUri: string };

export interface AsyncCompletion {
  readonly outcome: typeof CommandOutcome.Done | typeof CommandOutcome.Failed;
  readonly statusCode: number;
  readonly data?: unknown;
  /** The stored alert that completed it; its `matchedCommandId` is set in the same transaction. */
  readonly alertId?: string | undefined;
}

export interface CommandQuery extends PageQuery {
  readonly deviceId?: string | undefined;
  readonly state?: CommandState | readonly CommandState[] | undefined;
  readonly sessionId?: string | undefined;
  readonly order?: SortOrder | undefined;
}
