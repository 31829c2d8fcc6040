// Runs a compiled TypeBox validator and turns its first complaint into a SCHEMA_VIOLATION that names the JSON
// path (`$.Status[2].sc`) and the rule broken ("must be an integer"). The compiled (JIT) check is the fast path;
// the slower Errors() walk only runs once the check has failed.

import type { TLocalizedValidationError } from "typebox/error";
import { ErrorCode, ProtocolError } from "../errors.js";

/** The part of a compiled TypeBox validator we use. */
export interface CompiledCheck {
  Check(value: unknown): boolean;
  Errors(value: unknown): TLocalizedValidationError[];
}

/** Returns undefined when `value` matches, else the first violation as a ProtocolError. */
export function schemaViolation(validator: CompiledCheck, value: unknown, basePath = "$"): ProtocolError | undefined {
  if (validator.Check(value)) return undefined;
  const errors = validator.Errors(value);
  // Prefer the most specific complaint: anyOf summaries say less than the branch errors around them.
  const first = errors.find((e) => e.keyword !== "anyOf") ?? errors[0];
  if (first === undefined) return violation(basePath, "does not match the schema");
  return describe(first, basePath);
}

/** A SCHEMA_VIOLATION at `path` with `rule` as the message. */
export function violation(path: string, rule: string): ProtocolError {
  return new ProtocolError(ErrorCode.SCHEMA_VIOLATION, `${subject(path)} ${rule}`, { path });
}

/** What the message talks about: the last member name, "item N", or "the body" (the path says the rest). */
function subject(path: string): string {
  const m = /(?:\.([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])$/.exec(path);
  if (m === null) return "the body";
  if (m[1] !== undefined) return m[1];
  if (m[2] !== undefined) return `item ${m[2]}`;
  return String(JSON.parse(m[3] ?? '""'));
}

function describe(e: TLocalizedValidationError, basePath: string): ProtocolError {
  const at = joinPath(basePath, pointerSegments(e.instancePath));
  switch (e.keyword) {
    case "type": {
      const type = String(e.params.type);
      return violation(at, `must be ${TYPE_NAMES[type] ?? type}`);
    }
    case "required":
      return violation(memberPath(at, e.params.requiredProperties[0] ?? "?"), "is required");
    case "dependentRequired":
      return violation(
        memberPath(at, e.params.dependencies[0] ?? "?"),
        `is required when ${e.params.property} is present`,
      );
    case "enum":
      return violation(at, `must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`);
    case "const":
      return violation(at, `must be ${JSON.stringify(e.params.allowedValue)}`);
    case "minItems":
      return violation(at, e.params.limit === 1 ? "must not be empty" : `must have at least ${e.params.limit} items`);
    case "maxItems":
      return violation(at, `must have at most ${e.params.limit} items`);
    case "minLength":
      return violation(at, e.params.limit === 1 ? "must not be empty" : `must be at least ${e.params.limit} long`);
    case "maxLength":
      return violation(at, `must be at most ${e.params.limit} characters long`);
    case "minimum":
    case "maximum":
      return violation(at, `must be ${e.params.comparison} ${e.params.limit}`);
    default:
      return violation(at, e.message);
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  array: "an array",
  object: "an object",
  boolean: "a boolean",
  null: "null",
};

/** RFC 6901 pointer → its unescaped segments. */
function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function joinPath(base: string, segments: readonly string[]): string {
  let path = base;
  for (const s of segments) path = /^(?:0|[1-9][0-9]*)$/.test(s) ? `${path}[${s}]` : memberPath(path, s);
  return path;
}

/** `$.Status` for identifier-like names, `$["odd key"]` for the rest. */
export function memberPath(base: string, name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(name) ? `${base}.${name}` : `${base}[${JSON.stringify(name)}]`;
}
