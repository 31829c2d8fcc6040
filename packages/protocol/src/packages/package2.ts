// Package#2, server → client, the ordered commands (DM 2.0 §7.2.1.2, docs/protocol.md §3.2).
// Each item is `[commandName, param1, …]`; the parameters are checked per command by validateCommand.

import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import type { Result } from "../result.js";
import { err, ok } from "../result.js";
import { parseJsonText, type JsonLimits } from "./json-text.js";
import { schemaViolation } from "./schema-check.js";

/**
 * `CMD` is required and (§3.2, omadm's choice) never empty: a server always ends with ["END"]. Items are arrays of
 * strings of any length, so that one malformed item ([] or an unknown name) costs only its own 400/501 status
 * while the rest of the package still runs (§3.2).
 */
export const Package2Schema = Type.Object({
  CMD: Type.Array(Type.Array(Type.String()), { minItems: 1 }),
});
export type Package2 = Static<typeof Package2Schema>;

const checkPackage2 = Compile(Package2Schema);

/** Parses a Package#2 body (total). */
export function parsePackage2(input: Uint8Array | string, options?: JsonLimits): Result<Package2> {
  const parsed = parseJsonText(input, options);
  if (!parsed.ok) return parsed;
  const bad = schemaViolation(checkPackage2, parsed.value);
  return bad === undefined ? ok({ CMD: (parsed.value as Package2).CMD }) : err(bad);
}

export function serializePackage2(p: Package2): string {
  return JSON.stringify({ CMD: p.CMD });
}
