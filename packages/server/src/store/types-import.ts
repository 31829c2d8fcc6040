// Bulk import of devices (`DeviceStore.importBatch`): the rows a batch carries and what became of each.
import type { NewDevice } from "./types.js";

/** What an imported row did to its device. */
export const ImportOutcome = {
  /** The device did not exist and was created (state `provisioned`). */
  Created: "created",
  /** The device existed and at least one given field differed. */
  Updated: "updated",
  /** The device existed with exactly these values: nothing was written (re-importing a file changes nothing). */
  Unchanged: "unchanged",
} as const;
export type ImportOutcome = (typeof ImportOutcome)[keyof typeof ImportOutcome];

/**
 * One row: a device id with the fields to set. Absent fields keep their values on an existing device; labels,
 * when given, replace all labels; `null` clears a credential. DevInfo and MOS are the device's to report and
 * cannot be imported.
 */
export type DeviceImportRow = Omit<NewDevice, "devInfo" | "mos">;

/** The result of one row, in the order of the rows. A refused row changed nothing. */
export type DeviceImportResult =
  | { readonly id: string; readonly outcome: ImportOutcome }
  | { readonly id: string; readonly error: { readonly code: string; readonly message: string } };

/** Most rows one `importBatch` call takes (one transaction; SQL statements stay under parameter limits). */
export const MAX_IMPORT_BATCH = 1000;
