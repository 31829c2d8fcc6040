// The in-process event bus: producers publish `NewServerEvent`s, subscribers (the event recorder, metrics, the
// session log) get them synchronously in publish order. Pure: no timers, no I/O; a subscriber that throws is
// reported to `onError` and never stops the others or the producer.
import type { NewServerEvent } from "./event-types.js";

export type EventListener = (event: NewServerEvent) => void;

export interface EventBus {
  publish(event: NewServerEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
}

export function createEventBus(onError: (error: unknown, event: NewServerEvent) => void = () => undefined): EventBus {
  const listeners = new Set<EventListener>();
  // The listeners as of the last (un)subscribe: a publish walks this snapshot, so a listener that subscribes or
  // unsubscribes during a publish changes the next one only, and a publish (several per DM package) copies nothing.
  let snapshot: readonly EventListener[] = [];
  return {
    publish(event) {
      for (const listener of snapshot) {
        try {
          listener(event);
        } catch (error) {
          onError(error, event);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      snapshot = [...listeners];
      return () => {
        listeners.delete(listener);
        snapshot = [...listeners];
      };
    },
  };
}
