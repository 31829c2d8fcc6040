// The memory store's bulk import: the rows applied one by one, synchronously, so the batch is atomic by
// construction and a refused row changes nothing (see device-import-rules.ts for what a row may do).
import { applyDevicePatch, newDeviceRecord } from "./device-rules.js";
import {
  checkImportBatch,
  checkImportRow,
  credentialClash,
  credentialKeys,
  deviceCredentialKeys,
} from "./device-import-rules.js";
import { importChanges, isCheckedRow } from "./device-import-rules.js";
import type { MemoryContext } from "./memory-context.js";
import { DeviceState } from "./types.js";
import { ImportOutcome, type DeviceImportResult, type DeviceImportRow } from "./types-import.js";

export function memoryImportBatch(ctx: MemoryContext, rows: readonly DeviceImportRow[]): DeviceImportResult[] {
  ctx.check();
  checkImportBatch(rows);
  const { devices } = ctx.data;
  // Credential key → owning device id, kept current as rows are applied.
  const owners = new Map<string, string>();
  for (const d of devices.values()) for (const k of deviceCredentialKeys(d)) owners.set(k, d.id);
  const now = ctx.now();
  return rows.map((row): DeviceImportResult => {
    const checked = checkImportRow(row);
    if (!isCheckedRow(checked)) return checked;
    const { id, patch } = checked;
    const clash = credentialKeys(patch)
      .map((k) => owners.get(k))
      .find((owner) => owner !== undefined && owner !== id);
    if (clash !== undefined) return credentialClash(id, clash);
    const existing = devices.get(id);
    if (existing !== undefined && !importChanges(existing, patch)) return { id, outcome: ImportOutcome.Unchanged };
    const base = existing ?? newDeviceRecord(id, DeviceState.Provisioned, now, false);
    const next = applyDevicePatch(base, patch, now);
    if (existing !== undefined) for (const k of deviceCredentialKeys(existing)) owners.delete(k);
    for (const k of deviceCredentialKeys(next)) owners.set(k, id);
    devices.set(id, next);
    return { id, outcome: existing === undefined ? ImportOutcome.Created : ImportOutcome.Updated };
  });
}
