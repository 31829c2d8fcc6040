// The few file operations the file state store needs, as an injected interface (so a test can stop a write at
// any step, as a crash would), and the Node implementation.
import { open, readFile, rename, rm } from "node:fs/promises";

export interface StateFileHandle {
  write(data: Uint8Array): Promise<void>;
  /** fsync: the data is on the disk when this resolves. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface StateFs {
  /** The file's bytes, or undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** Creates or truncates a file for writing. */
  openForWrite(path: string): Promise<StateFileHandle>;
  /** Atomically replaces `to` with `from` (same directory). */
  rename(from: string, to: string): Promise<void>;
  /** fsync of a directory, so that a rename inside it is durable. */
  syncDir(dir: string): Promise<void>;
  /** Removes a file; no error when it does not exist. */
  remove(path: string): Promise<void>;
}

function isNotFound(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "ENOENT";
}

export function nodeStateFs(): StateFs {
  return {
    async readFile(path) {
      try {
        return await readFile(path);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async openForWrite(path) {
      const fh = await open(path, "w", 0o600);
      return {
        async write(data) {
          let off = 0;
          while (off < data.byteLength) off += (await fh.write(data, off, data.byteLength - off)).bytesWritten;
        },
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    },
    rename: (from, to) => rename(from, to),
    async syncDir(dir) {
      const fh = await open(dir, "r");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
    remove: (path) => rm(path, { force: true }),
  };
}
