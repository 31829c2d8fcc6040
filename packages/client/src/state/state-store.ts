// Where the client state document lives. Implementations replace the whole document atomically: after a crash at
// any point, load() gives either the old or the new document (ARCHITECTURE.md invariant 8).
import type { Result } from "@omadm/protocol";
import { ok } from "@omadm/protocol";
import type { ClientStateDocument } from "./client-state.js";
import { decodeClientState, encodeClientState } from "./state-codec.js";

export interface StateStore {
  /** The saved document; undefined when nothing was saved yet; STATE_CORRUPT / STATE_VERSION / STATE_IO errors. */
  load(): Promise<Result<ClientStateDocument | undefined>>;
  /** Replaces the saved document atomically; STATE_IO on failure (the previous document stays). */
  save(doc: ClientStateDocument): Promise<Result<void>>;
}

/** A store in memory (tests, or a device without storage); it keeps the encoded bytes like a file would. */
export function createMemoryStateStore(): StateStore & { bytes(): Uint8Array | undefined } {
  let saved: Uint8Array | undefined;
  return {
    load: () => Promise.resolve(saved === undefined ? ok(undefined) : decodeClientState(saved)),
    save(doc) {
      saved = encodeClientState(doc);
      return Promise.resolve(ok(undefined));
    },
    bytes: () => saved,
  };
}
