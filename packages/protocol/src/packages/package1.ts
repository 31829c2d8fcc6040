// Package#1, client → server, session initiation (DM 2.0 §7.2.1.1, docs/protocol.md §3.1).

import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import type { Result } from "../result.js";
import { err, ok } from "../result.js";
import { GenericAlertSchema, pickAlert } from "./generic-alert.js";
import { parseJsonText, type JsonLimits } from "./json-text.js";
import { schemaViolation } from "./schema-check.js";

/** One supported MO: its DDF link, its MOID, and the MIIDs of the instances this server may see (§3.1). */
export const MosEntrySchema = Type.Object({
  DDF: Type.Optional(Type.String()),
  MOID: Type.Optional(Type.String({ minLength: 1 })),
  MIID: Type.Array(Type.String({ minLength: 1 })),
});
export type MosEntry = Static<typeof MosEntrySchema>;

export const Package1Schema = Type.Object({
  /** MUST be present when the Package#0 carried REQ-MOS. */
  MOS: Type.Optional(Type.Array(MosEntrySchema)),
  /** The session-type alert plus any pending Generic Alerts. */
  Alert: Type.Optional(Type.Array(GenericAlertSchema)),
});
export type Package1 = Static<typeof Package1Schema>;

const checkPackage1 = Compile(Package1Schema);

/** Parses a Package#1 body (total). Unknown keys (e.g. the `MgmtTree` another DM 2.0 client adds) are dropped. */
export function parsePackage1(input: Uint8Array | string, options?: JsonLimits): Result<Package1> {
  const parsed = parseJsonText(input, options);
  if (!parsed.ok) return parsed;
  const bad = schemaViolation(checkPackage1, parsed.value);
  return bad === undefined ? ok(pickPackage1(parsed.value as Package1)) : err(bad);
}

export function serializePackage1(p: Package1): string {
  return JSON.stringify(pickPackage1(p));
}

function pickPackage1(p: Package1): Package1 {
  const out: Package1 = {};
  if (p.MOS !== undefined) out.MOS = p.MOS.map(pickMosEntry);
  if (p.Alert !== undefined) out.Alert = p.Alert.map(pickAlert);
  return out;
}

function pickMosEntry(e: MosEntry): MosEntry {
  return { ...(e.DDF !== undefined && { DDF: e.DDF }), ...(e.MOID !== undefined && { MOID: e.MOID }), MIID: e.MIID };
}
