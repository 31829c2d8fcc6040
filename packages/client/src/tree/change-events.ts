// Change events of the DM Tree: fired after each committed change, so that SUB (DM 2.0 §5.3.11, docs/protocol.md §4.10) can debounce and report, and access control can forget deleted instances.
import type { Actor } from "./actor.js";

export const ChangeKind = {
  InstanceAdded: "instance-added",
  Replaced: "replaced",
  Deleted: "deleted",
  InstanceDeleted: "instance-deleted",
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface ChangeEvent {
  readonly moid: string;
  readonly miid: string;
  /** Root of the changed subtree, as node names below the instance root (empty: the whole instance). */
  readonly path: readonly string[];
  readonly kind: ChangeKind;
  readonly actor: Actor;
}

export type ChangeListener = (event: ChangeEvent) => void;

/** Listeners in registration order; one failing listener neither stops the others nor the tree. */
export class ChangeEmitter {
  readonly #listeners = new Set<ChangeListener>();
  readonly #onError: ((error: unknown, event: ChangeEvent) => void) | undefined;

  constructor(onError?: (error: unknown, event: ChangeEvent) => void) {
    this.#onError = onError;
  }

  add(listener: ChangeListener): () => void {
    // A wrapper makes registering the same function twice give two independent subscriptions.
    const wrapped: ChangeListener = (e) => {
      listener(e);
    };
    this.#listeners.add(wrapped);
    return () => {
      this.#listeners.delete(wrapped);
    };
  }

  emit(event: ChangeEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(event);
      } catch (error) {
        this.#onError?.(error, event);
      }
    }
  }
}
