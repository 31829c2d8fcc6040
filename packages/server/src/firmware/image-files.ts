// Firmware image bytes on disk (docs/firmware.md): `<dataDir>/firmware/<id>.bin`, the directory 0700 and each
// file 0600 like the rest of the data directory (store/private-files.ts). An upload streams into a temporary file
// in the same directory while SHA-256 and size are computed, and is renamed into place only when complete, so a
// half-written image never has an image's name. Never in memory whole, never in the SQL store.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type ReadStream } from "node:fs";
import { rm, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ServerError, ServerErrorCode } from "../errors.js";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "../store/private-files.js";

export interface ReceivedImage {
  /** The temporary file; `commit` or `discard` it. */
  readonly tempPath: string;
  readonly sha256: string;
  readonly size: number;
}

export interface ImageFiles {
  readonly dir: string;
  /** Streams `body` into a temporary file; FIRMWARE_TOO_LARGE past `maxBytes` (the partial file is removed). */
  receive(body: Readable, maxBytes: number): Promise<ReceivedImage>;
  /** Moves a received image to its id's name. */
  commit(received: ReceivedImage, id: string): Promise<void>;
  discard(received: ReceivedImage): Promise<void>;
  /** The bytes from `start` to `end` inclusive (default: all). */
  open(id: string, range?: { readonly start: number; readonly end: number }): ReadStream;
  /** The size on disk, or null when the file is missing. */
  size(id: string): Promise<number | null>;
  remove(id: string): Promise<void>;
}

const TEMP_PREFIX = ".upload-";

class TooLarge extends Error {}

export function createImageFiles(dataDir: string): ImageFiles {
  const dir = join(dataDir, "firmware");
  const pathOf = (id: string) => join(dir, `${id}.bin`);
  return {
    dir,
    async receive(body, maxBytes) {
      ensurePrivateDir(dir);
      const tempPath = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
      const hash = createHash("sha256");
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          if (size > maxBytes) {
            done(new TooLarge());
            return;
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, meter, createWriteStream(tempPath, { flags: "wx", mode: PRIVATE_FILE_MODE }));
      } catch (error) {
        await rm(tempPath, { force: true });
        if (error instanceof TooLarge) {
          throw new ServerError(
            ServerErrorCode.FIRMWARE_TOO_LARGE,
            `the image is larger than ${maxBytes} bytes (firmware.maxImageBytes)`,
          );
        }
        throw error;
      }
      return { tempPath, sha256: hash.digest("hex"), size };
    },
    async commit(received, id) {
      await rename(received.tempPath, pathOf(id));
    },
    async discard(received) {
      await rm(received.tempPath, { force: true });
    },
    open(id, range) {
      return createReadStream(pathOf(id), range === undefined ? {} : { start: range.start, end: range.end });
    },
    async size(id) {
      try {
        return (await stat(pathOf(id))).size;
      } catch {
        return null;
      }
    },
    async remove(id) {
      await rm(pathOf(id), { force: true });
    },
  };
}
