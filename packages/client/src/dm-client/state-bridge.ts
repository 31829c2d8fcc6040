// Between the DmClient's live parts and the one persistent state document (state/client-state.ts): the tree and
// grants, SUB subscriptions, DEFAULT URIs, recent NOTIFICATION-IDs, and the alert outbox. Outbox alerts bound
// for a ServerURI (asynchronous EXEC reports, §4.4) are saved as `pendingReports`, the others as `pendingAlerts`.
// A BootstrapComplete still owed to a server (§14: the first session after provisioning carries it) is saved as
// what it is — a BootstrapComplete alert pending for that server — and kept out of the outbox while running,
// because the session runner sends it as the session-type alert, never as an extra one. Accepted notifications
// whose session has not run are saved as `pendingNotifications`, the failed attempts of reports with the reports.
import { AT_BOOTSTRAP_COMPLETE, type Result, bootstrapCompleteAlert, ok } from "@omadm/protocol";
import type { DefaultUriStore } from "../commands/default-uri-store.js";
import type { AccessControl } from "../access/access-control.js";
import type { PendingNotifications } from "../notification/pending-notifications.js";
import type { RecentNotificationIds } from "../notification/recent-ids.js";
import type { ReportAttempts } from "./report-retry.js";
import type { MemoryAlertOutbox } from "../session/alert-outbox.js";
import type { OutboxAlert } from "../session/contracts.js";
import {
  type ClientStateDocument,
  type PendingAlertRecord,
  type PendingReportRecord,
  restoreClientState,
  snapshotClientState,
} from "../state/client-state.js";
import type { SubscriptionRegistry } from "../subscriptions/subscription-registry.js";
import type { DmTree } from "../tree/dm-tree.js";

const BOOTSTRAP_ID_PREFIX = "bootstrap-complete:";

export interface ClientParts {
  readonly tree: DmTree;
  readonly access: AccessControl;
  readonly subscriptions: SubscriptionRegistry;
  readonly defaults: DefaultUriStore;
  readonly recentIds: RecentNotificationIds;
  readonly outbox: MemoryAlertOutbox;
  /** When each outbox alert was queued (epoch ms), for the saved records. */
  readonly queuedAt: Map<string, number>;
  /** SrvIDs still owed a BootstrapComplete session. */
  readonly bootstrapPending: Set<string>;
  /** Failed attempts of asynchronous reports, by outbox alert id. */
  readonly reportAttempts: Map<string, ReportAttempts>;
  readonly pendingNotifications: PendingNotifications;
}

export function captureState(parts: ClientParts, now: number): ClientStateDocument {
  const pendingAlerts: PendingAlertRecord[] = [];
  const pendingReports: PendingReportRecord[] = [];
  for (const a of parts.outbox.snapshot().alerts) {
    const at = parts.queuedAt.get(a.id) ?? now;
    if (a.targetUri === undefined) pendingAlerts.push({ id: a.id, srvId: a.serverId, alert: a.alert, queuedAt: at });
    else {
      const tried = parts.reportAttempts.get(a.id);
      pendingReports.push({
        id: a.id,
        srvId: a.serverId,
        serverUri: a.targetUri,
        alert: a.alert,
        createdAt: at,
        ...(tried === undefined ? {} : { attempts: tried.attempts, nextAttemptAt: tried.nextAttemptAt }),
      });
    }
  }
  const live = new Set(parts.outbox.snapshot().alerts.map((a) => a.id));
  for (const id of parts.reportAttempts.keys()) if (!live.has(id)) parts.reportAttempts.delete(id);
  for (const srvId of parts.bootstrapPending) {
    pendingAlerts.push({ id: BOOTSTRAP_ID_PREFIX + srvId, srvId, alert: bootstrapCompleteAlert(), queuedAt: now });
  }
  return snapshotClientState({
    tree: parts.tree,
    access: parts.access,
    records: {
      subscriptions: parts.subscriptions.snapshot(),
      defaults: parts.defaults.snapshot(),
      notificationIds: parts.recentIds.records(now),
      pendingAlerts,
      pendingReports,
      pendingNotifications: parts.pendingNotifications.list(),
    },
  });
}

/**
 * Restores every part from a saved document. The tree and grants are restored first (all-or-nothing); the
 * first failing part is returned. `makeRecentIds` builds the duplicate cache from the saved ids.
 */
export function applyState(
  doc: ClientStateDocument,
  parts: Omit<ClientParts, "recentIds">,
  makeRecentIds: (records: ClientStateDocument["notificationIds"]) => RecentNotificationIds,
): Result<RecentNotificationIds> {
  const records = restoreClientState(doc, { tree: parts.tree, access: parts.access });
  if (!records.ok) return records;
  const subs = parts.subscriptions.restore(records.value.subscriptions);
  if (!subs.ok) return subs;
  const defaults = parts.defaults.restore(records.value.defaults);
  if (!defaults.ok) return defaults;
  const alerts: OutboxAlert[] = [];
  parts.queuedAt.clear();
  parts.bootstrapPending.clear();
  parts.reportAttempts.clear();
  parts.pendingNotifications.restore(records.value.pendingNotifications);
  for (const r of records.value.pendingAlerts) {
    if (r.alert.AlertType === AT_BOOTSTRAP_COMPLETE && r.id.startsWith(BOOTSTRAP_ID_PREFIX)) {
      parts.bootstrapPending.add(r.srvId);
      continue;
    }
    alerts.push({ id: r.id, serverId: r.srvId, alert: r.alert });
    parts.queuedAt.set(r.id, r.queuedAt);
  }
  for (const r of records.value.pendingReports) {
    alerts.push({
      id: r.id,
      serverId: r.srvId,
      alert: r.alert,
      ...(r.serverUri === undefined ? {} : { targetUri: r.serverUri }),
    });
    parts.queuedAt.set(r.id, r.createdAt);
    if (r.attempts !== undefined) {
      parts.reportAttempts.set(r.id, { attempts: r.attempts, nextAttemptAt: r.nextAttemptAt ?? 0 });
    }
  }
  const outbox = parts.outbox.restore({ version: 1, alerts });
  if (!outbox.ok) return outbox;
  return ok(makeRecentIds(records.value.notificationIds));
}
