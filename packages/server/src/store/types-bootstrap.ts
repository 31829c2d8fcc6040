// The records of the bootstrap role (docs/bootstrap.md, docs/protocol.md §14): the credentials devices present to
// the bootstrap server, the rules that map a device to its management server(s), and the provisions (one
// bootstrap session each) with their single-use capability URLs. Conventions as in types.ts.
import type { JsonValue, PageQuery } from "./types.js";

/** `Auth/Bootstrap/SecMode` (docs/protocol.md §9.2, omadm's choice: the LwM2M codes). */
export const BootstrapSecMode = { Psk: 0, X509: 2 } as const;
export type BootstrapSecMode = (typeof BootstrapSecMode)[keyof typeof BootstrapSecMode];

/**
 * What a device proves on the TLS connection to the bootstrap server: a PSK identity and key, or the SHA-256
 * fingerprint of its X.509 certificate. Bound to one DevID, or to a batch (every DevID matching a pattern).
 */
export interface BootstrapCredential {
  readonly id: string;
  readonly secMode: BootstrapSecMode;
  /** PSK mode: the identity (unique). */
  readonly pskIdentity: string | null;
  /** PSK mode: the key as lowercase hex (the TLS handshake needs it, so it cannot be hashed). */
  readonly pskKeyHex: string | null;
  /** X.509 mode: lowercase hex SHA-256 of the DER certificate (unique). */
  readonly certFingerprint: string | null;
  /** The one DevID this credential bootstraps; null for a batch credential. */
  readonly deviceId: string | null;
  /** A batch credential: the DevIDs it may bootstrap (`*` matches any run of characters). */
  readonly devIdPattern: string | null;
  /** Labels given to the devices it bootstraps (and matched by rules). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The `Auth/Noti/Secret` of the device's bootstrap account (hex), so that a server-initiated bootstrap's
   * Package#0 can be signed (SHA256-DIGEST, auth-data = the DevID); null: no server-initiated bootstrap.
   */
  readonly notiSecretHex: string | null;
  readonly createdAt: number;
}

export interface NewBootstrapCredential {
  readonly id?: string | undefined;
  readonly secMode: BootstrapSecMode;
  readonly pskIdentity?: string | undefined;
  readonly pskKeyHex?: string | undefined;
  readonly certFingerprint?: string | undefined;
  readonly deviceId?: string | undefined;
  readonly devIdPattern?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly notiSecretHex?: string | undefined;
}

export type BootstrapCredentialKey = { readonly pskIdentity: string } | { readonly certFingerprint: string };

/** How the device authenticates its sessions with a target server (`Auth/Trsp` or `Ext/HttpAuth`, §9.2). */
export const TargetAuth = { Digest: "digest", Psk: "psk", None: "none" } as const;
export type TargetAuth = (typeof TargetAuth)[keyof typeof TargetAuth];

/** One management server a rule provisions: a DMAcc instance on the device (docs/protocol.md §9.2). */
export interface BootstrapTarget {
  readonly srvId: string;
  readonly srvUri: string;
  readonly name: string;
  /** `Perm/<x>/MOID`: what this server may manage (§10); never empty (§14: a bootstrap without Perm is refused). */
  readonly permittedMoids: readonly string[];
  /** Session credentials generated fresh per device. */
  readonly auth: TargetAuth;
  /** Generate a notification secret (`Auth/Noti`, SHA256-DIGEST) so the server can wake the device. */
  readonly notification: boolean;
  /**
   * A management server in another deployment (a RemoteTarget's id): it learns the device's credentials through
   * its REST API before the device is answered; srvId and srvUri are the record's. Absent: this deployment.
   */
  readonly targetId?: string | undefined;
}

/**
 * A management server in another deployment (docs/bootstrap.md "Remote targets"): where its REST API is and the
 * API token the bootstrap server uses there. The token is write-only (API views say only that it is set).
 */
export interface RemoteTarget {
  readonly id: string;
  readonly srvId: string;
  readonly srvUri: string;
  /** The REST API's base URL, e.g. https://dm-b.example.net/api/v1. */
  readonly apiBaseUrl: string;
  readonly token: string;
  /** PEM CA certificates the API's TLS certificate must chain to; null: the system's. */
  readonly caPem: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type NewRemoteTarget = Omit<RemoteTarget, "createdAt" | "updatedAt" | "caPem"> & {
  readonly caPem?: string | null | undefined;
};

/** Maps devices to their management servers; the lowest priority that matches wins (then the id). */
export interface BootstrapRule {
  readonly id: string;
  readonly priority: number;
  /** `*` matches any run of characters; null matches every DevID. */
  readonly devIdPattern: string | null;
  /** Every label must be equal on the device (credential labels and registry labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** Every DevInfo value must be equal to what the registry knows of the device (e.g. `{ "Mod": "HG-1" }`). */
  readonly devInfo: Readonly<Record<string, string>>;
  readonly targets: readonly BootstrapTarget[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type NewBootstrapRule = Omit<
  BootstrapRule,
  "createdAt" | "updatedAt" | "labels" | "devInfo" | "devIdPattern"
> & {
  readonly devIdPattern?: string | null | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly devInfo?: Readonly<Record<string, string>> | undefined;
};

export const ProvisionState = {
  Pending: "pending",
  Completed: "completed",
  Failed: "failed",
  Superseded: "superseded",
} as const;
export type ProvisionState = (typeof ProvisionState)[keyof typeof ProvisionState];

/** One bootstrap session: what was provisioned where (the secrets live only in its capabilities, until fetched). */
export interface BootstrapProvision {
  readonly id: string;
  readonly deviceId: string;
  readonly credentialId: string;
  readonly ruleId: string;
  readonly state: ProvisionState;
  /** The DMAcc instances written (SrvID → MIID), so a re-bootstrap can remove them. */
  readonly targets: readonly { readonly srvId: string; readonly miid: string }[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly completedAt: number | null;
}

export interface NewProvision {
  readonly deviceId: string;
  readonly credentialId: string;
  readonly ruleId: string;
  /** SHA-256 (hex) of the session token in the CONT URL. */
  readonly sessionHash: string;
  readonly targets: readonly { readonly srvId: string; readonly miid: string }[];
  /** Single-use capability URLs: SHA-256 (hex) of the token, and the MO data it serves once. */
  readonly capabilities: readonly { readonly tokenHash: string; readonly payload: unknown }[];
  readonly expiresAt: number;
}

export interface ProvisionQuery extends PageQuery {
  readonly deviceId?: string | undefined;
}

export type CapabilityPayload = JsonValue;
