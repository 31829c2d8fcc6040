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
  return {
    publish(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          onError(error, event);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
