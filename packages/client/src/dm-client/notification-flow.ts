// What the DmClient does with each received Package#0 (docs/protocol.md §2.7): run the intake checks, log and report
// a rejection (nothing changes), record an accepted NOTIFICATION-ID in the duplicate cache and persist it before
// the session opens, then ask for a ServerInitiatedMgmt session (with MOS when REQ-MOS was set). A notification
// whose preferred bearers are all down waits (§2.4 "the DM Client SHOULD wait until one of them becomes
// available") and is re-examined on every change of the bearer availability.
import type { ConType } from "@omadm/protocol";
import { type BearerAvailability, chooseBearer } from "../notification/bearer.js";
import {
  type AcceptedNotification,
  type IntakeDecision,
  type IntakeOptions,
  IntakeKind,
  evaluateNotification,
} from "../notification/intake.js";
import type { RecentNotificationIds } from "../notification/recent-ids.js";
import type { NotificationSource } from "../notification/transports/notification-transport.js";
import type { DmAccount } from "../tree/dmacc.js";
import type { DmClientEmitter } from "./events.js";

export interface NotificationFlowDeps {
  readonly accounts: () => readonly DmAccount[];
  readonly recentIds: () => RecentNotificationIds;
  readonly bearer: BearerAvailability;
  readonly now: () => number;
  readonly events: DmClientEmitter;
  readonly logger: {
    warn(details: Record<string, unknown>, message: string): void;
    info(details: Record<string, unknown>, message: string): void;
  };
  /** Persists the state (the recorded NOTIFICATION-ID) before the session is asked for. */
  readonly save: () => Promise<void>;
  /** Queues the ServerInitiatedMgmt session for an accepted notification. */
  readonly openSession: (accepted: AcceptedNotification, bearer: ConType) => void;
}

export interface NotificationFlow {
  receive(bytes: Uint8Array, source: NotificationSource, boundServerId?: string): Promise<IntakeDecision>;
  /** Notifications waiting for a bearer. */
  readonly deferred: readonly AcceptedNotification[];
  /** Starts following the bearer availability; returns the function that stops it. */
  watchBearers(): () => void;
}

export function createNotificationFlow(deps: NotificationFlowDeps, options: IntakeOptions): NotificationFlow {
  const deferred: AcceptedNotification[] = [];

  const accepted = (a: AcceptedNotification, bearer: ConType): void => {
    deps.logger.info(
      { serverId: a.account.srvId, notificationId: a.notificationId, bearer, source: a.source },
      "notification accepted; opening a ServerInitiatedMgmt session",
    );
    deps.events.emit("notification-accepted", {
      serverId: a.account.srvId,
      reqMos: a.reqMos,
      bearer,
      source: a.source,
      ...(a.notificationId === undefined ? {} : { notificationId: a.notificationId }),
    });
    deps.openSession(a, bearer);
  };

  const retryDeferred = (): void => {
    for (const d of [...deferred]) {
      const choice = chooseBearer(d.notification.preferredConTypes, deps.bearer.available());
      if (choice.kind !== "use") continue;
      deferred.splice(deferred.indexOf(d), 1);
      accepted(d, choice.bearer);
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
      // Recorded synchronously, before any await, so a copy arriving right behind it is already a duplicate.
      if (decision.notificationId !== undefined) recent.record(decision.account.srvId, decision.notificationId, now);
      await deps.save();
      if (decision.kind === IntakeKind.Accept) {
        accepted(decision, decision.bearer);
      } else {
        deferred.push(decision);
        deps.logger.info(
          { serverId: decision.account.srvId, notificationId: decision.notificationId, preferred: decision.preferred },
          "notification accepted; waiting for one of the preferred bearers",
        );
        deps.events.emit("notification-deferred", {
          serverId: decision.account.srvId,
          preferred: decision.preferred,
          source,
          ...(decision.notificationId === undefined ? {} : { notificationId: decision.notificationId }),
        });
      }
      return decision;
    },
    get deferred() {
      return deferred;
    },
    watchBearers() {
      return deps.bearer.onChange(retryDeferred);
    },
  };
}
