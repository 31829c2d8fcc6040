// What the DmClient does with each received Package#0 (docs/protocol.md §2.7): run the intake checks, log and report
// a rejection (nothing changes), record an accepted NOTIFICATION-ID in the duplicate cache and the notification
// among the pending ones, persist both before the session opens, then ask for a ServerInitiatedMgmt session (with
// MOS when REQ-MOS was set); the pending entry goes once that session has run. A notification whose preferred
// bearers are all down waits (§2.4 "the DM Client SHOULD wait until one of them becomes available") and is
// re-examined on every change of the bearer availability. After a restart, `resume()` serves the pending ones.
import type { ConType } from "@omadm/protocol";
import { type BearerAvailability, chooseBearer } from "../notification/bearer.js";
import { type IntakeDecision, type IntakeOptions, IntakeKind, evaluateNotification } from "../notification/intake.js";
import type { PendingNotifications } from "../notification/pending-notifications.js";
import type { RecentNotificationIds } from "../notification/recent-ids.js";
import type { NotificationSource } from "../notification/transports/notification-transport.js";
import type { PendingNotificationRecord } from "../state/client-state.js";
import type { DmAccount } from "../tree/dmacc.js";
import type { DmClientEmitter } from "./events.js";

/** The session a pending notification asks for. */
export interface NotifiedSession {
  readonly srvId: string;
  readonly notificationId?: number;
  readonly reqMos: boolean;
}

export interface NotificationFlowDeps {
  readonly accounts: () => readonly DmAccount[];
  readonly recentIds: () => RecentNotificationIds;
  readonly pending: PendingNotifications;
  readonly bearer: BearerAvailability;
  readonly now: () => number;
  readonly events: DmClientEmitter;
  readonly logger: {
    warn(details: Record<string, unknown>, message: string): void;
    info(details: Record<string, unknown>, message: string): void;
  };
  /** Persists the state (the recorded NOTIFICATION-ID, the pending notification) before the session is asked for. */
  readonly save: () => Promise<void>;
  /** Queues the ServerInitiatedMgmt session; `served` is called once it has run (or could not). */
  readonly openSession: (session: NotifiedSession, bearer: ConType, served: () => void) => void;
}

export interface NotificationFlow {
  receive(bytes: Uint8Array, source: NotificationSource, boundServerId?: string): Promise<IntakeDecision>;
  /** Starts following the bearer availability; returns the function that stops it. */
  watchBearers(): () => void;
  /** Serves the notifications pending in the restored state (those whose account still exists). */
  resume(): void;
}

/** Where a notification restored from the saved state came from, as far as its events say. */
const RESTORED: NotificationSource = { transport: "state", address: "accepted before the restart" };

export function createNotificationFlow(deps: NotificationFlowDeps, options: IntakeOptions): NotificationFlow {
  // Only for the events: the transport a waiting notification came in on is not worth saving.
  const sources = new Map<string, NotificationSource>();

  const announce = (r: PendingNotificationRecord, bearer: ConType): void => {
    const source = sources.get(r.id) ?? RESTORED;
    deps.logger.info(
      { serverId: r.srvId, notificationId: r.notificationId, bearer, source },
      "notification accepted; opening a ServerInitiatedMgmt session",
    );
    deps.events.emit("notification-accepted", {
      serverId: r.srvId,
      reqMos: r.reqMos,
      bearer,
      source,
      ...(r.notificationId === undefined ? {} : { notificationId: r.notificationId }),
    });
  };

  const open = (r: PendingNotificationRecord, bearer: ConType): void => {
    const session = {
      srvId: r.srvId,
      reqMos: r.reqMos,
      ...(r.notificationId === undefined ? {} : { notificationId: r.notificationId }),
    };
    deps.openSession(session, bearer, () => {
      sources.delete(r.id);
      deps.pending.remove(r.id);
    });
  };

  const retryDeferred = (): void => {
    for (const r of deps.pending.list()) {
      if (r.preferred === undefined) continue;
      const choice = chooseBearer(r.preferred as ConType[], deps.bearer.available());
      if (choice.kind !== "use") continue;
      const chosen = deps.pending.chooseBearer(r.id, choice.bearer);
      if (chosen === undefined) continue;
      announce(chosen, choice.bearer);
      open(chosen, choice.bearer);
    }
  };

  return {
    async receive(bytes, source, boundServerId) {
      const now = deps.now();
      const recent = deps.recentIds();
      const decision = evaluateNotification(
        bytes,
        source,
        {
          accounts: deps.accounts(),
          isDuplicate: (srvId, id) => recent.has(srvId, id, now),
          isFull: (srvId) => recent.isFull(srvId, now),
          availableBearers: deps.bearer.available(),
          now,
          ...(boundServerId === undefined ? {} : { boundServerId }),
        },
        options,
      );
      if (decision.kind === IntakeKind.Reject) {
        // A rejected notification changes nothing; it is only logged and reported.
        deps.logger.warn(
          {
            reason: decision.reason,
            serverId: decision.serverId,
            notificationId: decision.notificationId,
            transport: source.transport,
            address: source.address,
          },
          `notification dropped (${decision.reason}): ${decision.message}`,
        );
        deps.events.emit("notification-rejected", decision);
        return decision;
      }
      const srvId = decision.account.srvId;
      const id = decision.notificationId;
      // Recorded synchronously, before any await, so a copy arriving right behind it is already a duplicate.
      if (id !== undefined) recent.record(srvId, id, now);
      const record = deps.pending.add({
        srvId,
        reqMos: decision.reqMos,
        receivedAt: now,
        ...(id === undefined ? {} : { notificationId: id }),
        ...(decision.kind === IntakeKind.Accept ? { bearer: decision.bearer } : { preferred: decision.preferred }),
      });
      sources.set(record.id, source);
      await deps.save();
      if (decision.kind === IntakeKind.Accept) {
        announce(record, decision.bearer);
        open(record, decision.bearer);
      } else {
        deps.logger.info(
          { serverId: srvId, notificationId: id, preferred: decision.preferred },
          "notification accepted; waiting for one of the preferred bearers",
        );
        deps.events.emit("notification-deferred", {
          serverId: srvId,
          preferred: decision.preferred,
          source,
          ...(id === undefined ? {} : { notificationId: id }),
        });
      }
      return decision;
    },
    watchBearers() {
      return deps.bearer.onChange(retryDeferred);
    },
    resume() {
      const known = new Set(deps.accounts().map((a) => a.srvId));
      for (const r of deps.pending.list()) {
        if (!known.has(r.srvId)) {
          deps.logger.warn({ serverId: r.srvId }, "a pending notification's account no longer exists; dropped");
          deps.pending.remove(r.id);
        } else if (r.bearer !== undefined) {
          announce(r, r.bearer as ConType);
          open(r, r.bearer as ConType);
        }
      }
      retryDeferred();
    },
  };
}
