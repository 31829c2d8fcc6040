// Saves the client state after every change that must survive (ARCHITECTURE.md invariant 8: the client's
// state persists). Requests are coalesced: while a save runs, further requests mark the state dirty and one more save
// follows with everything changed meanwhile. The promise of a request resolves once a save that began after the
// request has finished, so `await saver.request()` means "my change is on disk (or the failure was reported)".
import type { ClientStateDocument } from "../state/client-state.js";
import type { StateStore } from "../state/state-store.js";
import { errorMessage } from "@omadm/protocol";

export interface StateSaverDeps {
  readonly store: StateStore;
  /** Captures the current state; called at the start of each save. */
  readonly snapshot: () => ClientStateDocument;
  readonly onSaved: () => void;
  readonly onFailed: (message: string) => void;
}

export interface StateSaver {
  request(): Promise<void>;
  /** Resolves when no save is running or pending. */
  settled(): Promise<void>;
}

export function createStateSaver(deps: StateSaverDeps): StateSaver {
  let dirty = false;
  let running: Promise<void> | undefined;

  const loop = async (): Promise<void> => {
    while (dirty) {
      dirty = false;
      let message: string | undefined;
      try {
        const r = await deps.store.save(deps.snapshot());
        if (!r.ok) message = r.error.message;
      } catch (error) {
        message = errorMessage(error);
      }
      if (message === undefined) deps.onSaved();
      else deps.onFailed(message);
    }
    running = undefined;
  };

  return {
    request() {
      dirty = true;
      running ??= loop();
      return running;
    },
    async settled() {
      while (running !== undefined) await running;
    },
  };
}
