// Firmware images (docs/firmware.md): the store keeps each image's metadata; the bytes are a file in the data
// directory (firmware/image-files.ts), never a row.
import type { Page, PageQuery } from "./types.js";

export interface FirmwareImage {
  /** Chosen by the server at upload (time-ordered, so lists by id are in upload order). */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  /** SHA-256 of the bytes, lower-case hex (also the download's strong ETag). */
  readonly sha256: string;
  /** Bytes. */
  readonly size: number;
  readonly createdAt: number;
}

export interface NewFirmwareImage {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly manufacturer?: string | null | undefined;
  readonly model?: string | null | undefined;
  readonly sha256: string;
  readonly size: number;
}

export interface FirmwareStore {
  /** INVALID_INPUT; FIRMWARE_EXISTS when the id is taken. */
  create(input: NewFirmwareImage): Promise<FirmwareImage>;
  get(id: string): Promise<FirmwareImage | null>;
  /** false when it did not exist. */
  delete(id: string): Promise<boolean>;
  /** Ordered by id (upload order). */
  list(query?: PageQuery): Promise<Page<FirmwareImage>>;
}
