// The JSON MO serialization (DM 2.0 §7.2.1.4, docs/protocol.md §7.1): an array of items, each binding MOData to
// the ClientURI it lives at. Used as the body of HGET/HPUT/HPOST/SUB transfers and inside GET statuses.

import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import type { ProtocolError } from "../errors.js";
import type { Result } from "../result.js";
import { err, ok } from "../result.js";
import { parseJsonText, type JsonLimits } from "./json-text.js";
import { schemaViolation } from "./schema-check.js";

export const MoItemSchema = Type.Object({
  /** URL of the DDF of this MO. */
  DDF: Type.Optional(Type.String()),
  /** Where this data lives (or goes). */
  ClientURI: Type.String({ minLength: 1 }),
  /** Cache validator of the instance when ClientURI is an instance root (§6.3). */
  CV: Type.Optional(Type.String()),
  /** The addressed node as `{ <name>: <subtree or leaf value> }` (§7.1 encoding rules). */
  MOData: Type.Record(Type.String(), Type.Unknown()),
});
export type MoItem = Static<typeof MoItemSchema>;

/** The top level is an array (§7.1); decoders also accept a single item (another DM 2.0 implementation's test server sends one). */
export const MoSerializationSchema = Type.Array(MoItemSchema);
export type MoSerialization = Static<typeof MoSerializationSchema>;

const checkItem = Compile(MoItemSchema);
const checkArray = Compile(MoSerializationSchema);

/** Parses a JSON MO serialization body (total); a single object comes back as a one-item array. */
export function parseMoSerialization(input: Uint8Array | string, options?: JsonLimits): Result<MoSerialization> {
  const parsed = parseJsonText(input, options);
  if (!parsed.ok) return parsed;
  const checked = checkMoSerialization(parsed.value, "$");
  return checked instanceof Error ? err(checked) : ok(checked);
}

/**
 * Validates an already-parsed MO serialization found at `path` (also used for Package#3 GET data) and returns
 * the normalized array, or the violation.
 */
export function checkMoSerialization(value: unknown, path: string): MoSerialization | ProtocolError {
  if (Array.isArray(value)) {
    const bad = schemaViolation(checkArray, value, path);
    return bad ?? (value as MoSerialization).map(pickMoItem);
  }
  const bad = schemaViolation(checkItem, value, path);
  return bad ?? [pickMoItem(value as MoItem)];
}

export function serializeMoSerialization(mos: MoSerialization): string {
  return JSON.stringify(mos.map(pickMoItem));
}

/** A copy with only the schema's keys, in schema order. MOData is kept by reference (it is the payload). */
export function pickMoItem(item: MoItem): MoItem {
  const out: MoItem = {} as MoItem;
  if (item.DDF !== undefined) out.DDF = item.DDF;
  out.ClientURI = item.ClientURI;
  if (item.CV !== undefined) out.CV = item.CV;
  out.MOData = item.MOData;
  return out;
}
