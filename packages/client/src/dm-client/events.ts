// The events a DmClient reports to observers (tests, the `omadm client daemon` printer): each is a plain value,
// so a test awaits the event it expects instead of sleeping.
import type { ConType } from "@omadm/protocol";
import type { RejectedNotification } from "../notification/intake.js";
import type { NotificationSource } from "../notification/transports/notification-transport.js";
import type { OutboxAlert } from "../session/contracts.js";
import type { SessionOutcome, SessionTrigger } from "../session/session-types.js";

export interface NotificationAcceptedEvent {
  readonly serverId: string;
  readonly notificationId?: number;
  readonly reqMos: boolean;
  readonly bearer: ConType;
  readonly source: NotificationSource;
}

export interface NotificationDeferredEvent {
  readonly serverId: string;
  readonly notificationId?: number;
  /** The bearers the server asked for, none of which is available now (§2.4: wait for one). */
  readonly preferred: readonly ConType[];
  readonly source: NotificationSource;
}

export interface SessionStartEvent {
  readonly serverId: string;
  readonly trigger: SessionTrigger;
}

export interface ReportDroppedEvent {
  readonly alert: OutboxAlert;
  readonly attempts: number;
}

export interface DmClientEvents {
  /** A session ended (completed or aborted); the outcome lists every command and its status. */
  readonly session: SessionOutcome;
  readonly "session-start": SessionStartEvent;
  readonly "notification-accepted": NotificationAcceptedEvent;
  readonly "notification-deferred": NotificationDeferredEvent;
  /** A Package#0 was dropped; nothing changed (§2.5, §2.4). */
  readonly "notification-rejected": RejectedNotification;
  /** An alert entered the outbox: an asynchronous EXEC result or a raised Generic Alert. */
  readonly "alert-queued": OutboxAlert;
  /** An asynchronous EXEC report was dropped after asyncReports.maxAttempts failed report sessions. */
  readonly "report-dropped": ReportDroppedEvent;
  /** The state document was written (after the changes made before the save began). */
  readonly "state-saved": { readonly at: number };
  readonly "state-save-failed": { readonly message: string };
}

export type DmClientEventName = keyof DmClientEvents;
export type DmClientListener<K extends DmClientEventName> = (event: DmClientEvents[K]) => void;

/** A tiny typed emitter: listeners run in order; a throwing listener is reported and never stops the client. */
export class DmClientEmitter {
  readonly #listeners = new Map<DmClientEventName, Set<(event: never) => void>>();
  readonly #onListenerError: (error: unknown, name: DmClientEventName) => void;

  constructor(onListenerError: (error: unknown, name: DmClientEventName) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends DmClientEventName>(name: K, listener: DmClientListener<K>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    const wrapped = (event: DmClientEvents[K]): void => {
      listener(event);
    };
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  }

  emit<K extends DmClientEventName>(name: K, event: DmClientEvents[K]): void {
    for (const l of [...(this.#listeners.get(name) ?? [])]) {
      try {
        (l as DmClientListener<K>)(event);
      } catch (error) {
        this.#onListenerError(error, name);
      }
    }
  }
}
