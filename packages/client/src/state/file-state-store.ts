// The client state in one file, replaced atomically (ARCHITECTURE.md invariant 8): write `<file>.tmp` in the same
// directory, fsync it, rename it over the file, fsync the directory. A crash before the rename leaves the old
// file (and a stray temp file, ignored by load and overwritten by the next save); after it, the new one.
import { dirname } from "node:path";
import { errorMessage, ErrorCode, ProtocolError, type Result, err, ok } from "@omadm/protocol";
import type { ClientStateDocument } from "./client-state.js";
import { decodeClientState, encodeClientState } from "./state-codec.js";
import type { StateStore } from "./state-store.js";
import type { StateFs } from "./state-fs.js";

export interface FileStateStoreOptions {
  /** The state file; its directory must exist. */
  readonly path: string;
}

function ioError(action: string, path: string, cause: unknown): Result<never> {
  const why = errorMessage(cause);
  return err(
    new ProtocolError(ErrorCode.STATE_IO, `client state: cannot ${action} (${why})`, { status: 500, path, cause }),
  );
}

export function createFileStateStore(deps: { readonly fs: StateFs }, options: FileStateStoreOptions): StateStore {
  const { fs } = deps;
  const path = options.path;
  const temp = `${path}.tmp`;
  // Saves run one at a time, in call order, so an older document never overwrites a newer one.
  let queue: Promise<unknown> = Promise.resolve();

  async function write(bytes: Uint8Array): Promise<Result<void>> {
    let step = "write the temporary file";
    try {
      const file = await fs.openForWrite(temp);
      try {
        await file.write(bytes);
        step = "fsync the temporary file";
        await file.sync();
      } finally {
        await file.close();
      }
      step = "rename the temporary file over the state file";
      await fs.rename(temp, path);
    } catch (e) {
      await fs.remove(temp).catch(() => undefined);
      return ioError(step, path, e);
    }
    try {
      await fs.syncDir(dirname(path));
    } catch (e) {
      // The new file is in place; only its durability across a power loss is not confirmed.
      return ioError("fsync the state directory", path, e);
    }
    return ok(undefined);
  }

  return {
    async load() {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await fs.readFile(path);
      } catch (e) {
        return ioError("read the state file", path, e);
      }
      return bytes === undefined ? ok(undefined) : decodeClientState(bytes);
    },
    save(doc: ClientStateDocument) {
      const bytes = encodeClientState(doc);
      const run = queue.then(() => write(bytes));
      queue = run;
      return run;
    },
  };
}
