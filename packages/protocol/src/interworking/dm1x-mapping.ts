// DM 1.x Generic Alert ↔ DM 2.0 Generic Alert (DM 2.0 §13.1, docs/protocol.md §13.1):
//   Item/Meta/Type → AlertType (verbatim, URN or reverse-domain)   Item/Source/LocURI → SourceURI (ClientURI)
//   Item/Target/LocURI → TargetURI (ClientURI)                      Item/Meta/Mark → Mark
//   Item/Meta/Format → DataType ("int", "text/xml", …)              Item/Data → Data {"DM1x": …}
//   Alert/Correlator → Data.Correlator (omadm's choice)
// One 1.x alert may carry several items; each becomes one DM 2.0 alert.

import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import { MARKS, type GenericAlert } from "../packages/generic-alert.js";
import { DM1X_GENERIC_ALERT_CODE, type Dm1xAlert, type Dm1xAlertItem } from "./dm1x-alert.js";
import type { Dm1xPathMapper, Dm2UriMapper } from "./path-mapping.js";

/** Key of the original DM 1.x data inside a DM 2.0 alert's Data (as in the approved specification's examples). */
export const DM1X_DATA_KEY = "DM1x";
/** (omadm's choice) Key of the DM 1.x Correlator inside a DM 2.0 alert's Data. */
export const DM1X_CORRELATOR_KEY = "Correlator";

/** DM 1.x Meta/Format → DM 2.0 DataType where §13.1 names a media type; other formats carry over verbatim. */
const FORMAT_TO_DATA_TYPE: Readonly<Record<string, string>> = { int: "int", xml: "text/xml", chr: "text/plain" };
const DATA_TYPE_TO_FORMAT: Readonly<Record<string, string>> = {
  int: "int",
  "text/xml": "xml",
  "application/xml": "xml",
  "text/plain": "chr",
};

export function dm1xFormatToDataType(format: string): string {
  return FORMAT_TO_DATA_TYPE[format] ?? format;
}

/** DM 2.0 DataType → DM 1.x Meta/Format; a media type with no 1.x format is sent as `chr` text. */
export function dataTypeToDm1xFormat(dataType: string): string {
  return DATA_TYPE_TO_FORMAT[dataType] ?? (dataType.includes("/") ? "chr" : dataType);
}

function fail(message: string, path: string): { readonly ok: false; readonly error: ProtocolError } {
  return err(new ProtocolError(ErrorCode.DM1X_ALERT, message, { path }));
}

/** Maps a DM 1.x Generic Alert to DM 2.0 Generic Alerts, one per item. */
export function dm1xAlertToDm2(alert: Dm1xAlert, pathMapper: Dm1xPathMapper): Result<GenericAlert[]> {
  if (alert.code !== DM1X_GENERIC_ALERT_CODE) {
    return fail(`alert code ${alert.code} is not a Generic Alert (${DM1X_GENERIC_ALERT_CODE})`, "Alert/Data");
  }
  if (alert.items.length === 0) return fail("a Generic Alert needs at least one Item", "Alert/Item");
  const out: GenericAlert[] = [];
  for (const [i, item] of alert.items.entries()) {
    const mapped = itemToDm2(item, alert.correlator, pathMapper, `Alert/Item[${i + 1}]`);
    if (!mapped.ok) return mapped;
    out.push(mapped.value);
  }
  return ok(out);
}

function itemToDm2(
  item: Dm1xAlertItem,
  correlator: string | undefined,
  pathMapper: Dm1xPathMapper,
  path: string,
): Result<GenericAlert> {
  if (item.type === undefined || item.type === "")
    return fail("a Generic Alert item needs Meta/Type", `${path}/Meta/Type`);
  const alert: GenericAlert = { AlertType: item.type };
  for (const [key, field, element] of [
    ["source", "SourceURI", "Source"],
    ["target", "TargetURI", "Target"],
  ] as const) {
    const treePath = item[key];
    if (treePath === undefined) continue;
    const uri = pathMapper(treePath);
    if (uri === undefined)
      return fail(`no ClientURI is known for the DM 1.x path ${show(treePath)}`, `${path}/${element}`);
    alert[field] = uri;
  }
  if (item.mark !== undefined) {
    const mark = MARKS.find((m) => m === item.mark?.toLowerCase());
    if (mark === undefined) return fail(`unknown Mark ${show(item.mark)}`, `${path}/Meta/Mark`);
    alert.Mark = mark;
  }
  if (item.data !== undefined || correlator !== undefined) {
    const data: Record<string, unknown> = {};
    const format = item.format ?? "chr"; // SyncML's default format
    if (item.data !== undefined) data[DM1X_DATA_KEY] = format === "int" ? intOrText(item.data) : item.data;
    if (correlator !== undefined) data[DM1X_CORRELATOR_KEY] = correlator;
    alert.DataType = dm1xFormatToDataType(format); // DM 2.0 §5.4: DataType MUST accompany Data
    alert.Data = data;
  }
  return ok(alert);
}

export interface Dm2ToDm1xOptions {
  /** CmdID of the produced <Alert>; default "1". */
  readonly cmdId?: string;
}

/**
 * Maps a DM 2.0 Generic Alert to a DM 1.x Generic Alert with one item. A `{"DM1x": …, "Correlator": …}` Data
 * is unwrapped; any other Data is sent as its JSON text (or the string itself), with the 1.x format derived
 * from DataType (`chr` for media types 1.x has no format for).
 */
export function dm2AlertToDm1x(
  alert: GenericAlert,
  uriMapper: Dm2UriMapper,
  options: Dm2ToDm1xOptions = {},
): Result<Dm1xAlert> {
  const item: { -readonly [K in keyof Dm1xAlertItem]: Dm1xAlertItem[K] } = { type: alert.AlertType };
  for (const [field, key] of [
    ["SourceURI", "source"],
    ["TargetURI", "target"],
  ] as const) {
    const uri = alert[field];
    if (uri === undefined) continue;
    const treePath = uriMapper(uri);
    if (treePath === undefined) return fail(`no DM 1.x path is known for the ClientURI ${show(uri)}`, `$.${field}`);
    item[key] = treePath;
  }
  if (alert.Mark !== undefined) item.mark = alert.Mark;
  let correlator: string | undefined;
  const wrapped = unwrapDm1xData(alert.Data);
  if (wrapped !== undefined) {
    correlator = wrapped.correlator;
    if (wrapped.data !== undefined) {
      item.data = wrapped.data;
      item.format = dataTypeToDm1xFormat(alert.DataType ?? "text/plain");
    }
  } else if (alert.Data !== undefined) {
    item.data = typeof alert.Data === "string" ? alert.Data : JSON.stringify(alert.Data);
    item.format = dataTypeToDm1xFormat(alert.DataType ?? "text/plain");
  }
  const out: Dm1xAlert = { cmdId: options.cmdId ?? "1", code: DM1X_GENERIC_ALERT_CODE, items: [item] };
  return ok(correlator === undefined ? out : { ...out, correlator });
}

/** `{"DM1x": x, "Correlator"?: "…"}` (and nothing else) → its parts; undefined for any other Data. */
function unwrapDm1xData(data: unknown): { data?: string; correlator?: string } | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const record = data as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 0 || !keys.every((k) => k === DM1X_DATA_KEY || k === DM1X_CORRELATOR_KEY)) return undefined;
  const raw = record[DM1X_DATA_KEY];
  const correlator = record[DM1X_CORRELATOR_KEY];
  if (correlator !== undefined && typeof correlator !== "string") return undefined;
  const out: { data?: string; correlator?: string } = {};
  if (raw !== undefined) out.data = typeof raw === "string" ? raw : JSON.stringify(raw);
  if (correlator !== undefined) out.correlator = correlator;
  return out;
}

function intOrText(text: string): number | string {
  const n = Number(text);
  return /^-?[0-9]{1,15}$/.test(text) && String(n) === text ? n : text;
}

function show(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + "..." : text);
}
