// What every store's `importBatch` shares: each row checked on its own (a bad row is reported, the others go
// on), whether a row changes its device (so a re-import writes nothing), and credential clashes within a batch.
import { isServerError, ServerError, ServerErrorCode } from "../errors.js";
import { checkNewDevice, type CheckedDevicePatch } from "./device-rules.js";
import { invalid } from "./rules.js";
import type { Device, NotificationAddress } from "./types.js";
import { MAX_IMPORT_BATCH, type DeviceImportResult, type DeviceImportRow } from "./types-import.js";

export interface CheckedImportRow {
  readonly id: string;
  readonly patch: CheckedDevicePatch;
}

/** Refuses a batch that is not an array of at most MAX_IMPORT_BATCH rows (the whole call: INVALID_INPUT). */
export function checkImportBatch(rows: readonly DeviceImportRow[]): void {
  if (!Array.isArray(rows)) throw invalid("an import batch must be an array of rows");
  if (rows.length > MAX_IMPORT_BATCH) throw invalid(`an import batch takes at most ${MAX_IMPORT_BATCH} rows`);
}

/** Checks one row as `create` would; a refusal becomes that row's result. */
export function checkImportRow(row: DeviceImportRow): CheckedImportRow | DeviceImportResult {
  // Callers in JavaScript may pass anything: checked as unknown input.
  const value: unknown = row;
  try {
    if (typeof value !== "object" || value === null) throw invalid("a row must be an object");
    if ("devInfo" in value || "mos" in value || "disabled" in value) {
      throw invalid("devInfo, mos and disabled cannot be imported");
    }
    return checkNewDevice(row);
  } catch (error) {
    const id = typeof value === "object" && value !== null && "id" in value ? value.id : undefined;
    return { id: typeof id === "string" ? id : "", error: errorOf(error) };
  }
}

export function isCheckedRow(value: CheckedImportRow | DeviceImportResult): value is CheckedImportRow {
  return "patch" in value;
}

export function errorOf(error: unknown): { readonly code: string; readonly message: string } {
  if (isServerError(error)) return { code: error.code, message: error.message };
  throw error;
}

export function credentialClash(id: string, owner: string): DeviceImportResult {
  const e = new ServerError(ServerErrorCode.CREDENTIAL_CONFLICT, `device ${owner} already uses a credential of ${id}`);
  return { id, error: { code: e.code, message: e.message } };
}

/** The unique credential keys a patch sets (each names its kind, so equal text of two kinds never clashes). */
export function credentialKeys(patch: CheckedDevicePatch): string[] {
  const keys: string[] = [];
  if (patch.http != null) keys.push(`http:${patch.http.username}`);
  if (patch.psk != null) keys.push(`psk:${patch.psk.identity}`);
  if (patch.certFingerprint != null) keys.push(`cert:${patch.certFingerprint}`);
  return keys;
}

/** The same keys of a stored device. */
export function deviceCredentialKeys(device: Pick<Device, "http" | "psk" | "certFingerprint">): string[] {
  return credentialKeys({ http: device.http, psk: device.psk, certFingerprint: device.certFingerprint });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}

function sameRecord(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sameAddress(a: NotificationAddress | null, b: NotificationAddress | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.udp?.host === b.udp?.host &&
    a.udp?.port === b.udp?.port &&
    a.mqtt?.topic === b.mqtt?.topic &&
    (a.udp === undefined) === (b.udp === undefined) &&
    (a.mqtt === undefined) === (b.mqtt === undefined)
  );
}

/** Whether applying `patch` would change `device` (the fields a row can carry). */
export function importChanges(device: Device, patch: CheckedDevicePatch): boolean {
  if (patch.labels !== undefined && !sameRecord(device.labels, patch.labels)) return true;
  if (patch.notification !== undefined) {
    const a = device.notification;
    const b = patch.notification;
    if (
      a === null || b === null
        ? a !== b
        : a.type !== b.type || !sameBytes(a.secret, b.secret) || !sameBytes(a.authData, b.authData)
    ) {
      return true;
    }
  }
  if (patch.notifyAddress !== undefined && !sameAddress(device.notifyAddress, patch.notifyAddress)) return true;
  if (patch.http !== undefined) {
    const a = device.http;
    const b = patch.http;
    if (
      a === null || b === null
        ? a !== b
        : !sameRecord(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>)
    ) {
      return true;
    }
  }
  if (patch.certFingerprint !== undefined && device.certFingerprint !== patch.certFingerprint) return true;
  if (patch.psk !== undefined) {
    const a = device.psk;
    const b = patch.psk;
    if (a === null || b === null ? a !== b : a.identity !== b.identity || a.keyHex !== b.keyHex) return true;
  }
  return false;
}

/**
 * Splits a batch into runs without a repeated device id: each run is applied after the one before, so a file
 * that names a device twice ends as if its rows were applied one by one.
 */
export function runsWithoutRepeats<T extends { readonly id: string }>(rows: readonly T[]): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.id)) {
      runs.push(run);
      run = [];
      seen = new Set();
    }
    seen.add(row.id);
    run.push(row);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
