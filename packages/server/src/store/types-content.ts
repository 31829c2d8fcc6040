// Records of content the server hosts or collects: Data Repository items and uploads, SHOW UI sessions, and
// operator API tokens. Conventions as in ./types.ts.
import type { JsonValue, PageQuery, SortOrder } from "./types.js";

// ------------------------------------------------------------------------------------------- repository

/** Data Repository item metadata (what a list shows). `deviceId` null = shared by every device. */
export interface RepositoryItemInfo {
  readonly path: string;
  readonly deviceId: string | null;
  readonly mediaType: string;
  readonly size: number;
  /** Strong ETag, quoted (RFC 9110 §8.8.3); changes on every write. */
  readonly etag: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** An item as served to HGET (docs/protocol.md §4.1). */
export interface RepositoryItem extends RepositoryItemInfo {
  readonly body: Uint8Array;
}

export interface NewRepositoryItem {
  readonly path: string;
  readonly deviceId: string | null;
  readonly mediaType: string;
  readonly body: Uint8Array;
}

export interface RepositoryPutOptions {
  /** Write only if the current ETag equals this one (`"*"`: only if it exists); else PRECONDITION_FAILED. */
  readonly ifMatch?: string | undefined;
}

/** A device's share of the repository (what its quotas count). */
export interface RepositoryUsage {
  readonly bytes: number;
  readonly items: number;
}

export interface RepositoryQuery extends PageQuery {
  /** undefined: every scope; null: only shared items; a device id: only that device's items. */
  readonly deviceId?: string | null | undefined;
  readonly pathPrefix?: string | undefined;
}

/** Something a device sent to the repository: HPUT (PUT), HPOST (POST) or a SUB change report (PUT). */
export interface UploadInfo {
  readonly id: string;
  readonly deviceId: string;
  readonly path: string;
  /** HTTP method: "PUT" or "POST". */
  readonly method: string;
  /** ClientURIs in the body, when the receiver could tell. */
  readonly clientUris: readonly string[] | null;
  readonly mediaType: string;
  readonly size: number;
  readonly receivedAt: number;
  readonly sessionId: string | null;
  readonly commandId: string | null;
}

export interface Upload extends UploadInfo {
  readonly body: Uint8Array;
}

export interface NewUpload {
  readonly deviceId: string;
  readonly path: string;
  readonly method: string;
  readonly clientUris?: readonly string[] | null | undefined;
  readonly mediaType: string;
  readonly body: Uint8Array;
  readonly sessionId?: string | null | undefined;
  readonly commandId?: string | null | undefined;
}

export interface UploadQuery extends PageQuery {
  readonly deviceId?: string | undefined;
  readonly path?: string | undefined;
  readonly order?: SortOrder | undefined;
}

// ----------------------------------------------------------------------------------------- UI sessions

/** pending → opened → completed; pending | opened → expired. `opened` again is allowed (a page reload). */
export const UiSessionState = {
  Pending: "pending",
  Opened: "opened",
  Completed: "completed",
  Expired: "expired",
} as const;
export type UiSessionState = (typeof UiSessionState)[keyof typeof UiSessionState];

/** A SHOW page (docs/protocol.md §4.6) the Web Server Component serves and records the user's answer of. */
export interface UiSession {
  readonly id: string;
  readonly deviceId: string;
  /** Text, choices, form fields: owned by the Web Server Component. */
  readonly template: JsonValue;
  readonly state: UiSessionState;
  readonly result: JsonValue | null;
  /** The SHOW command that carries this page's ServerURI. */
  readonly commandId: string | null;
  readonly createdAt: number;
  readonly openedAt: number | null;
  readonly completedAt: number | null;
  readonly expiresAt: number | null;
}

export interface NewUiSession {
  readonly id?: string | undefined;
  readonly deviceId: string;
  readonly template: unknown;
  readonly commandId?: string | null | undefined;
  readonly expiresAt?: number | null | undefined;
}

export interface UiSessionQuery extends PageQuery {
  readonly deviceId?: string | undefined;
  readonly state?: UiSessionState | undefined;
}

// ------------------------------------------------------------------------------------------- API tokens

/**
 * What an API token may do (docs/operators.md "Scopes"): `read` only reads, `operator` also changes devices,
 * commands, groups and the like, `admin` also manages tokens and reads the audit log. Each includes the ones before.
 */
export const ApiScope = { Read: "read", Operator: "operator", Admin: "admin" } as const;
export type ApiScope = (typeof ApiScope)[keyof typeof ApiScope];

/** An operator API token. The store holds only a hash of the secret; the record never exposes even that. */
export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly scope: ApiScope;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export interface NewApiToken {
  readonly name: string;
  /** e.g. hex SHA-256 of the token; computed by the caller, unique. */
  readonly tokenHash: string;
  /** Default `admin` (what every token could do before scopes existed). */
  readonly scope?: ApiScope | undefined;
}

// ------------------------------------------------------------------------------------- capabilities

/** What a capability token lets its bearer do (docs/repository.md "Capability URLs"). */
export const CapabilityKind = {
  /** PUT/POST to one repository item: an HPUT, HPOST or SUB target. */
  Upload: "upload",
  /** GET of one device-private repository item: an HGET source. */
  Read: "read",
  /** A Package#1 to the DM endpoint carrying the asynchronous result of one EXEC (docs/protocol.md §4.4). */
  Report: "report",
} as const;
export type CapabilityKind = (typeof CapabilityKind)[keyof typeof CapabilityKind];

/**
 * A per-command capability: the server put `?cap=<token>` into one ServerURI of one command it sent. The store
 * keeps the token's SHA-256 (hex), never the token.
 */
export interface Capability {
  readonly tokenHash: string;
  readonly deviceId: string;
  readonly commandId: string;
  /** The DM session whose Package#2 carried the command. */
  readonly sessionId: string | null;
  readonly kind: CapabilityKind;
  /** The route path it grants (`/repo/devices/<DevID>/<path>` or `/dm`), without origin or query. */
  readonly target: string;
  readonly createdAt: number;
}

export interface NewCapability {
  readonly tokenHash: string;
  readonly deviceId: string;
  readonly commandId: string;
  readonly sessionId?: string | null | undefined;
  readonly kind: CapabilityKind;
  readonly target: string;
}

// -------------------------------------------------------------------------------------------- audit

/** One operator write through the REST API (docs/operators.md "Audit"). Never holds a token secret. */
export interface AuditRecord {
  readonly id: string;
  readonly at: number;
  /** The API token's id and name; null for a loopback caller without a token. */
  readonly tokenId: string | null;
  readonly tokenName: string | null;
  /** `METHOD /route/pattern`, e.g. `POST /api/v1/devices/:id/commands`. */
  readonly action: string;
  /** The route parameters that name what was written, e.g. `{ "id": "dev-1" }`. */
  readonly target: Readonly<Record<string, string>>;
  /** The HTTP status answered. */
  readonly status: number;
}

export type NewAuditRecord = Omit<AuditRecord, "id" | "at">;

export interface AuditQuery extends PageQuery {
  readonly tokenId?: string | undefined;
  /** Exact action, e.g. `DELETE /api/v1/devices/:id`. */
  readonly action?: string | undefined;
  /** Only records at or after this epoch ms. */
  readonly since?: number | undefined;
  /** Only records before this epoch ms. */
  readonly until?: number | undefined;
  /** Default newest first. */
  readonly order?: SortOrder | undefined;
}
