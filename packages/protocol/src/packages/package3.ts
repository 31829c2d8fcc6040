// Package#3, client → server, one status per command of the previous Package#2 plus new alerts
// (DM 2.0 §7.2.1.3, docs/protocol.md §3.3).

import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import type { ProtocolError } from "../errors.js";
import type { Result } from "../result.js";
import { err, ok } from "../result.js";
import { GenericAlertSchema, pickAlert } from "./generic-alert.js";
import { parseJsonText, type JsonLimits } from "./json-text.js";
import { checkMoSerialization, MoSerializationSchema, pickMoItem } from "./mo-serialization.js";
import { memberPath, schemaViolation } from "./schema-check.js";

export const StatusItemSchema = Type.Object({
  /** The status code (Appendix C, docs/protocol.md §5); three digits (omadm's choice). */
  sc: Type.Integer({ minimum: 100, maximum: 999 }),
  /** Extra information, e.g. the concrete ClientURIs where HGET stored data. */
  URI: Type.Optional(Type.Array(Type.String())),
  /** (§3.3, omadm's choice) GET results: the data read, as an MO serialization. */
  Data: Type.Optional(MoSerializationSchema),
});
export type StatusItem = Static<typeof StatusItemSchema>;

export const Package3Schema = Type.Object({
  Status: Type.Array(StatusItemSchema),
  Alert: Type.Optional(Type.Array(GenericAlertSchema)),
});
export type Package3 = Static<typeof Package3Schema>;

/** Names accepted on input for a status item's data, in order of preference (docs/protocol.md §3.3). */
const DATA_KEYS = ["Data", "MOData", "MOS"] as const;

// On input the data may sit under an alias and be a single item; it is checked separately (below), so the
// compiled check leaves those three keys open.
const InputStatusSchema = Type.Object({
  sc: StatusItemSchema.properties.sc,
  URI: StatusItemSchema.properties.URI,
  Data: Type.Optional(Type.Unknown()),
  MOData: Type.Optional(Type.Unknown()),
  MOS: Type.Optional(Type.Unknown()),
});
const checkInput = Compile(
  Type.Object({ Status: Type.Array(InputStatusSchema), Alert: Package3Schema.properties.Alert }),
);

type InputStatus = Static<typeof InputStatusSchema>;

/** Parses a Package#3 body (total); `MOData`/`MOS` come back as `Data`, a single MO item as a one-item array. */
export function parsePackage3(input: Uint8Array | string, options?: JsonLimits): Result<Package3> {
  const parsed = parseJsonText(input, options);
  if (!parsed.ok) return parsed;
  const bad = schemaViolation(checkInput, parsed.value);
  if (bad !== undefined) return err(bad);
  const raw = parsed.value as { Status: InputStatus[]; Alert?: Package3["Alert"] };
  const status: StatusItem[] = [];
  for (const [i, item] of raw.Status.entries()) {
    const s = normalizeStatus(item, `$.Status[${i}]`);
    if (s instanceof Error) return err(s);
    status.push(s);
  }
  const out: Package3 = { Status: status };
  if (raw.Alert !== undefined) out.Alert = raw.Alert.map(pickAlert);
  return ok(out);
}

function normalizeStatus(item: InputStatus, path: string): StatusItem | ProtocolError {
  const out: StatusItem = { sc: item.sc };
  if (item.URI !== undefined) out.URI = item.URI;
  for (const key of DATA_KEYS) {
    const value = item[key];
    if (value === undefined) continue;
    const data = checkMoSerialization(value, memberPath(path, key));
    if (data instanceof Error) return data;
    out.Data = data;
    break;
  }
  return out;
}

export function serializePackage3(p: Package3): string {
  const out: Package3 = { Status: p.Status.map(pickStatus) };
  if (p.Alert !== undefined) out.Alert = p.Alert.map(pickAlert);
  return JSON.stringify(out);
}

function pickStatus(s: StatusItem): StatusItem {
  const out: StatusItem = { sc: s.sc };
  if (s.URI !== undefined) out.URI = s.URI;
  if (s.Data !== undefined) out.Data = s.Data.map(pickMoItem);
  return out;
}
