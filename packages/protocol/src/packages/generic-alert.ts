// The Generic Alert (DM 2.0 §5.4, docs/protocol.md §3.4–§3.5): the one way a DM Client reports
// something unsolicited, inside Package#1 or Package#3. Also the session-type alerts every Package#1 carries.

import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import type { Result } from "../result.js";
import { err, ok } from "../result.js";
import { parseJsonText, type JsonLimits } from "./json-text.js";
import { schemaViolation } from "./schema-check.js";

/** The seven importance levels of docs/protocol.md §3.4. */
export const MARKS = ["fatal", "critical", "minor", "warning", "informational", "harmless", "indeterminate"] as const;
export const MarkSchema = Type.Enum(MARKS);
export type Mark = Static<typeof MarkSchema>;
/** docs/protocol.md §3.4: an alert without Mark is "informational". */
export const DEFAULT_MARK: Mark = "informational";

/** DM 2.0 §5.2.2: the session was started because of a Package#0; Data carries the NOTIFICATION-ID. */
export const AT_SERVER_INIT = "urn:oma:at:dm:2.0:ServerInitiatedMgmt";
/** DM 2.0 §5.2.2: the client started the session on its own. */
export const AT_CLIENT_INIT = "urn:oma:at:dm:2.0:ClientInitiatedMgmt";
/** DM 2.0 §5.2.2: the first session after a successful bootstrap. */
export const AT_BOOTSTRAP_COMPLETE = "urn:oma:at:dm:2.0:BootstrapComplete";
/** docs/protocol.md §3.5 (omadm's choice): asynchronous EXEC result when the MO defines no alert type of its own. */
export const AT_EXEC_COMPLETE = "urn:oma:at:dm:2.0:ExecComplete";
/** The key under which a ServerInitiatedMgmt alert carries the Package#0 NOTIFICATION-ID (§3.1, omadm's choice). */
export const NOTIFICATION_ID_KEY = "NOTIFICATION-ID";

/**
 * docs/protocol.md §3.4 property table. That DataType MUST be present whenever Data is, is the JSON Schema
 * `dependentRequired` rule; Data is any JSON value (its content is out of scope of the protocol).
 */
export const GenericAlertSchema = Type.Object(
  {
    AlertType: Type.String({ minLength: 1 }),
    SourceURI: Type.Optional(Type.String()),
    TargetURI: Type.Optional(Type.String()),
    Mark: Type.Optional(MarkSchema),
    DataType: Type.Optional(Type.String({ minLength: 1 })),
    Data: Type.Optional(Type.Unknown()),
  },
  { dependentRequired: { Data: ["DataType"] } },
);
export type GenericAlert = Static<typeof GenericAlertSchema>;

const checkAlert = Compile(GenericAlertSchema);

/** Parses one Generic Alert object (total). */
export function parseGenericAlert(input: Uint8Array | string, options?: JsonLimits): Result<GenericAlert> {
  const parsed = parseJsonText(input, options);
  if (!parsed.ok) return parsed;
  const bad = schemaViolation(checkAlert, parsed.value);
  return bad === undefined ? ok(pickAlert(parsed.value as GenericAlert)) : err(bad);
}

export function serializeGenericAlert(alert: GenericAlert): string {
  return JSON.stringify(pickAlert(alert));
}

/** A copy with only the schema's keys, in the table's order (unknown keys are dropped, DM 2.0 §7.2.1). */
export function pickAlert(a: GenericAlert): GenericAlert {
  const out: GenericAlert = { AlertType: a.AlertType };
  if (a.SourceURI !== undefined) out.SourceURI = a.SourceURI;
  if (a.TargetURI !== undefined) out.TargetURI = a.TargetURI;
  if (a.Mark !== undefined) out.Mark = a.Mark;
  if (a.DataType !== undefined) out.DataType = a.DataType;
  if (a.Data !== undefined) out.Data = a.Data;
  return out;
}

/** docs/protocol.md §3.1: the alert of a session started by a Package#0, carrying its NOTIFICATION-ID. */
export function serverInitiatedAlert(notificationId: number): GenericAlert {
  return { AlertType: AT_SERVER_INIT, DataType: "int", Data: { [NOTIFICATION_ID_KEY]: notificationId } };
}

/** docs/protocol.md §3.1: the alert of a session the client started on its own. */
export function clientInitiatedAlert(): GenericAlert {
  return { AlertType: AT_CLIENT_INIT };
}

/** docs/protocol.md §3.1: the alert of the first session after a successful bootstrap. */
export function bootstrapCompleteAlert(): GenericAlert {
  return { AlertType: AT_BOOTSTRAP_COMPLETE };
}

/**
 * docs/protocol.md §3.5 (omadm's choice): the final result of an asynchronously reported EXEC (docs/protocol.md §4.12) when the
 * MO defines no alert type: SourceURI = the executed ClientURI, Data = {"sc": final status}.
 */
export function execCompleteAlert(sourceUri: string, sc: number, mark?: Mark): GenericAlert {
  const alert: GenericAlert = { AlertType: AT_EXEC_COMPLETE, SourceURI: sourceUri };
  if (mark !== undefined) alert.Mark = mark;
  alert.DataType = "application/json";
  alert.Data = { sc };
  return alert;
}

/** The alert's importance, defaulting to "informational" (docs/protocol.md §3.4). */
export function alertMark(alert: GenericAlert): Mark {
  return alert.Mark ?? DEFAULT_MARK;
}

/**
 * The NOTIFICATION-ID a ServerInitiatedMgmt alert carries, or undefined. Lenient as docs/protocol.md §3.1 asks:
 * `{"NOTIFICATION-ID": n}` first, else a number under any key, else a bare number; decimal strings count too.
 * Only uint16 values are returned, the width of the Package#0 option (§2.4).
 */
export function readNotificationId(alert: GenericAlert): number | undefined {
  const data = alert.Data;
  const direct = asUint16(data);
  if (direct !== undefined) return direct;
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const record = data as Record<string, unknown>;
  const named = asUint16(record[NOTIFICATION_ID_KEY]);
  if (named !== undefined) return named;
  for (const value of Object.values(record)) {
    const id = asUint16(value);
    if (id !== undefined) return id;
  }
  return undefined;
}

function asUint16(value: unknown): number | undefined {
  const n = typeof value === "string" && /^[0-9]{1,5}$/.test(value.trim()) ? Number(value.trim()) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 0xffff ? n : undefined;
}
