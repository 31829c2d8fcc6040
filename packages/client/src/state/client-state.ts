// The client's persistent state as one versioned document (ARCHITECTURE.md invariant 8): the DM Tree (values, MIIDs,
// validators, creators), access grants, SUB subscriptions (§4.10, they persist across reboots), DEFAULT URIs
// per MOID (§4.9), recent NOTIFICATION-IDs with their times (duplicate detection, §2.4), accepted notifications
// whose session has not run yet (§2.7), Generic Alerts waiting for the next session and asynchronous EXEC reports
// waiting to be sent with their retry count (§4.4, §4.12). Times are epoch milliseconds from the caller's injected
// clock. docs/client-state.md describes the format and its versions.
import type { GenericAlert, Result } from "@omadm/protocol";
import { ok } from "@omadm/protocol";
import type { AccessControl, AccessSnapshot } from "../access/access-control.js";
import type { DmTree } from "../tree/dm-tree.js";
import type { TreeSnapshot } from "../tree/tree-snapshot.js";

export const STATE_FORMAT = "omadm-client-state";
/**
 * Bumped on every incompatible change of the document; a loader refuses versions it does not know. Version 2 added
 * `pendingNotifications` and the retry fields of `pendingReports`; a version-1 document is read as version 2 with
 * no pending notifications and no failed report attempts (state-codec.ts).
 */
export const STATE_VERSION = 2;

/** A SUB registration (§4.10): changes below `clientUri` are PUT to `serverUri`; per server. */
export interface SubscriptionRecord {
  readonly srvId: string;
  /** The ClientURI exactly as the SUB gave it (UNSUB must match it string-exactly, §4.11). */
  readonly clientUri: string;
  readonly serverUri: string;
  readonly createdAt: number;
  /**
   * When a change under `clientUri` was first seen that has not been reported yet (§4.10: nothing is lost across
   * a restart); absent when everything is reported. Optional, so a version-1 file written before it still loads.
   */
  readonly pendingSince?: number;
}

/** A DEFAULT command (§4.9): where to HGET configuration for a MOID when the tree has none. */
export interface DefaultUriRecord {
  readonly moid: string;
  readonly serverUri: string;
  readonly srvId: string;
  readonly setAt: number;
}

/** A NOTIFICATION-ID seen from a server, kept for duplicate detection (§2.4). */
export interface NotificationIdRecord {
  readonly srvId: string;
  readonly notificationId: number;
  readonly receivedAt: number;
}

/** A Generic Alert waiting for the next session with its server (§3.1: pending alerts ride in the next Package#1). */
export interface PendingAlertRecord {
  readonly id: string;
  readonly srvId: string;
  readonly alert: GenericAlert;
  readonly queuedAt: number;
}

/** An asynchronous EXEC result waiting to be sent (§4.4): to `serverUri`, else the account's SrvURI. */
export interface PendingReportRecord {
  readonly id: string;
  readonly srvId: string;
  readonly serverUri?: string;
  readonly alert: GenericAlert;
  readonly createdAt: number;
  /** Report sessions that failed to deliver it so far (absent: none). */
  readonly attempts?: number;
  /** Not retried before this time (back-off after a failed attempt; absent: now). */
  readonly nextAttemptAt?: number;
}

/**
 * An accepted Package#0 whose ServerInitiatedMgmt session has not run yet (§2.7 step 3): it is served after a
 * restart. `preferred` is set while it waits for one of its preferred bearers (§2.4), `bearer` once one is chosen.
 */
export interface PendingNotificationRecord {
  readonly id: string;
  readonly srvId: string;
  readonly notificationId?: number;
  readonly reqMos: boolean;
  readonly bearer?: number;
  readonly preferred?: readonly number[];
  readonly receivedAt: number;
}

/** Everything in the state besides the tree and the grants. */
export interface ClientStateRecords {
  readonly subscriptions: readonly SubscriptionRecord[];
  readonly defaults: readonly DefaultUriRecord[];
  readonly notificationIds: readonly NotificationIdRecord[];
  readonly pendingAlerts: readonly PendingAlertRecord[];
  readonly pendingReports: readonly PendingReportRecord[];
  readonly pendingNotifications: readonly PendingNotificationRecord[];
}

export interface ClientStateDocument extends ClientStateRecords {
  readonly format: typeof STATE_FORMAT;
  readonly version: typeof STATE_VERSION;
  readonly tree: TreeSnapshot;
  readonly access: AccessSnapshot;
}

export const EMPTY_RECORDS: ClientStateRecords = Object.freeze({
  subscriptions: [],
  defaults: [],
  notificationIds: [],
  pendingAlerts: [],
  pendingReports: [],
  pendingNotifications: [],
});

/** Captures the current state into a document (the tree and grants are snapshotted, records copied). */
export function snapshotClientState(parts: {
  readonly tree: DmTree;
  readonly access?: AccessControl;
  readonly records?: ClientStateRecords;
}): ClientStateDocument {
  const r = parts.records ?? EMPTY_RECORDS;
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    tree: parts.tree.snapshot(),
    access: parts.access?.snapshot() ?? { grants: [] },
    subscriptions: copyOf(r.subscriptions),
    defaults: copyOf(r.defaults),
    notificationIds: copyOf(r.notificationIds),
    pendingAlerts: copyOf(r.pendingAlerts),
    pendingReports: copyOf(r.pendingReports),
    pendingNotifications: copyOf(r.pendingNotifications),
  };
}

/** One frozen empty list for every empty record list: a fleet of simulated devices keeps a document each. */
const NONE: readonly never[] = Object.freeze([]);

function copyOf<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NONE : [...list];
}

/** Restores the tree and grants from a document and returns its records; on error the tree is unchanged. */
export function restoreClientState(
  doc: ClientStateDocument,
  parts: { readonly tree: DmTree; readonly access?: AccessControl },
): Result<ClientStateRecords> {
  const t = parts.tree.restore(doc.tree);
  if (!t.ok) return t;
  if (parts.access !== undefined) {
    const a = parts.access.restore(doc.access);
    if (!a.ok) return a;
  }
  return ok({
    subscriptions: doc.subscriptions,
    defaults: doc.defaults,
    notificationIds: doc.notificationIds,
    pendingAlerts: doc.pendingAlerts,
    pendingReports: doc.pendingReports,
    pendingNotifications: doc.pendingNotifications,
  });
}
