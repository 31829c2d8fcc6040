// Firmware images (docs/firmware.md): upload (the bytes to a file, the metadata to the store), list, read, delete,
// and the device-facing URLs a FUMO update uses. The file is in place before the record names it, and the record
// goes before the file, so the store never lists an image whose bytes are missing (a crash in between leaves at
// most an unlisted file behind).
import type { Readable } from "node:stream";
import { pkgUrlWithDigest } from "@omadm/protocol";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import type { FirmwareImage } from "../store/types-firmware.js";
import type { ImageFiles } from "./image-files.js";

/** The device-facing routes (firmware/download-plugin.ts). */
export const FIRMWARE_PREFIX = "/firmware";

export interface FirmwareUpload {
  readonly name: string;
  readonly version: string;
  readonly manufacturer?: string | undefined;
  readonly model?: string | undefined;
  readonly body: Readable;
}

export interface FirmwareService {
  readonly files: ImageFiles;
  readonly maxImageBytes: number;
  upload(input: FirmwareUpload): Promise<FirmwareImage>;
  /** Deletes the record, then the file; false when there was no such image. */
  delete(id: string): Promise<boolean>;
  /** Where devices download the image. */
  downloadUrl(id: string): string;
  /** The PkgURL to give a device: the download URL with the `#sha256=` digest fragment (docs/firmware.md). */
  pkgUrl(image: FirmwareImage): string;
  /** The HGET source that sets a device's FUMO PkgName, PkgVersion and PkgURLs to this image. */
  fumoDataUrl(id: string): string;
}

export interface FirmwareServiceDeps {
  readonly store: Store;
  readonly files: ImageFiles;
  readonly clock: Clock;
  readonly random: (size: number) => Uint8Array;
}

/** Time-ordered ids: lists by id come out in upload order. */
function newFirmwareId(now: number, random: Uint8Array): string {
  return `${now.toString(36).padStart(9, "0")}-${Buffer.from(random).toString("hex")}`;
}

export function createFirmwareService(
  deps: FirmwareServiceDeps,
  options: { readonly publicBaseUrl: string; readonly maxImageBytes: number },
): FirmwareService {
  const base = options.publicBaseUrl.replace(/\/+$/, "");
  const downloadUrl = (id: string) => `${base}${FIRMWARE_PREFIX}/${encodeURIComponent(id)}`;
  return {
    files: deps.files,
    maxImageBytes: options.maxImageBytes,
    async upload(input) {
      const received = await deps.files.receive(input.body, options.maxImageBytes);
      const id = newFirmwareId(deps.clock.now(), deps.random(4));
      try {
        await deps.files.commit(received, id);
      } catch (error) {
        await deps.files.discard(received);
        throw error;
      }
      try {
        return await deps.store.firmware.create({
          id,
          name: input.name,
          version: input.version,
          manufacturer: input.manufacturer ?? null,
          model: input.model ?? null,
          sha256: received.sha256,
          size: received.size,
        });
      } catch (error) {
        await deps.files.remove(id);
        throw error;
      }
    },
    async delete(id) {
      const deleted = await deps.store.firmware.delete(id);
      if (deleted) await deps.files.remove(id);
      return deleted;
    },
    downloadUrl,
    pkgUrl: (image) => pkgUrlWithDigest(downloadUrl(image.id), image.sha256),
    fumoDataUrl: (id) => `${downloadUrl(id)}/fumo`,
  };
}
