// Checks one Package#2 item against its command's parameter table and returns the typed Command, or the
// ProtocolError whose `status` is what the DM Client answers for that item in Package#3 (docs/protocol.md §3.2,
// §5): 501 for a command it does not know, 400 for a wrong parameter count or a malformed parameter.
// Processing of the package continues with the next item either way (§3.2, omadm's choice).

import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import { isValidMoid, parseClientUri } from "../uri/client-uri.js";
import { parseServerUri } from "../uri/server-uri.js";
import {
  COMMAND_PARAMETERS,
  commandArity,
  isCommandName,
  ParamKind,
  ParamOccurrence,
  type Command,
  type CommandName,
  type ParameterSpec,
} from "./command-table.js";
import type { Package2 } from "./package2.js";

export interface ValidateCommandOptions {
  /** Accept plain `http:` ServerURIs (tests, loopback); default only `https:` (docs/protocol.md §6.2). */
  readonly allowHttp?: boolean;
  /** JSON path of the item, for error messages (e.g. `$.CMD[3]`); default `$`. */
  readonly path?: string;
}

/** Validates one `[name, ...params]` item (total). */
export function validateCommand(item: readonly unknown[], options: ValidateCommandOptions = {}): Result<Command> {
  const base = options.path ?? "$";
  if (item.length === 0) {
    return fail(ErrorCode.CMD_ARITY, "empty command item: the first element must be the command name", base);
  }
  const name = item[0];
  if (!isCommandName(name)) {
    // DM 2.0 status 501 Not Implemented: a name outside the twelve of §5.3 (matching is case-sensitive).
    const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 40)) : `a ${typeof name}`;
    return fail(ErrorCode.CMD_UNKNOWN, `unknown command ${shown}`, `${base}[0]`, 501);
  }
  const params = item.slice(1);
  const { min, max } = commandArity(name);
  if (params.length < min || params.length > max) {
    return fail(
      ErrorCode.CMD_ARITY,
      `${name} takes ${arityText(min, max)} (${signature(name)}), got ${params.length}`,
      base,
    );
  }
  const texts: string[] = [];
  for (const [i, value] of params.entries()) {
    const spec = specAt(name, i);
    const problem = checkParameter(spec, value, options);
    if (problem !== undefined) {
      return fail(
        ErrorCode.CMD_BAD_PARAMETER,
        `${name} parameter ${i + 1} (${spec.kind}): ${problem.message}`,
        `${base}[${i + 1}]`,
        400,
        problem.cause,
      );
    }
    texts.push(value as string);
  }
  return ok(build(name, texts));
}

/** Validates every item of a Package#2, in order; one bad item does not stop the others (§3.2). */
export function validateCommands(p2: Package2, options: Omit<ValidateCommandOptions, "path"> = {}): Result<Command>[] {
  return p2.CMD.map((item, i) => validateCommand(item, { ...options, path: `$.CMD[${i}]` }));
}

/** The Package#2 item of a command: `[name, ...params]` in table order (inverse of validateCommand). */
export function commandToArray(cmd: Command): string[] {
  switch (cmd.name) {
    case "HGET":
      return cmd.clientUri === undefined ? [cmd.name, cmd.serverUri] : [cmd.name, cmd.serverUri, cmd.clientUri];
    case "HPUT":
    case "HPOST":
      return [cmd.name, cmd.serverUri, ...cmd.clientUris];
    case "EXEC":
      return cmd.serverUri === undefined ? [cmd.name, cmd.clientUri] : [cmd.name, cmd.clientUri, cmd.serverUri];
    case "DELETE":
    case "GET":
    case "UNSUB":
      return [cmd.name, cmd.clientUri];
    case "SHOW":
    case "CONT":
      return [cmd.name, cmd.serverUri];
    case "END":
      return [cmd.name];
    case "DEFAULT":
      return [cmd.name, cmd.serverUri, cmd.moid];
    case "SUB":
      return [cmd.name, cmd.serverUri, cmd.clientUri];
  }
}

/** The spec of the i-th parameter (a trailing OneOrMore parameter covers every later position). */
function specAt(name: CommandName, i: number): ParameterSpec {
  const specs = COMMAND_PARAMETERS[name];
  // The arity check guarantees a spec exists at i, or a OneOrMore last one; the fallback is unreachable.
  return (
    specs[Math.min(i, specs.length - 1)] ?? { kind: ParamKind.ClientURI, occurrence: "One", field: "", meaning: "" }
  );
}

function checkParameter(
  spec: ParameterSpec,
  value: unknown,
  options: ValidateCommandOptions,
): { message: string; cause?: unknown } | undefined {
  if (typeof value !== "string") return { message: `must be a string, got ${value === null ? "null" : typeof value}` };
  switch (spec.kind) {
    case ParamKind.ServerURI: {
      const r = parseServerUri(value, options.allowHttp === undefined ? {} : { allowHttp: options.allowHttp });
      return r.ok ? undefined : { message: r.error.message, cause: r.error };
    }
    case ParamKind.ClientURI: {
      const r = parseClientUri(value);
      return r.ok ? undefined : { message: r.error.message, cause: r.error };
    }
    case ParamKind.MOID:
      return isValidMoid(value) ? undefined : { message: `${show(value)} is not a MOID (urn:oma:mo:…)` };
  }
}

/** Builds the typed command from parameters already checked against the table. */
function build(name: CommandName, t: readonly string[]): Command {
  const [a = "", b = ""] = t;
  switch (name) {
    case "HGET":
      return t.length > 1 ? { name, serverUri: a, clientUri: b } : { name, serverUri: a };
    case "HPUT":
    case "HPOST":
      return { name, serverUri: a, clientUris: t.slice(1) };
    case "EXEC":
      return t.length > 1 ? { name, clientUri: a, serverUri: b } : { name, clientUri: a };
    case "DELETE":
    case "GET":
    case "UNSUB":
      return { name, clientUri: a };
    case "SHOW":
    case "CONT":
      return { name, serverUri: a };
    case "END":
      return { name };
    case "DEFAULT":
      return { name, serverUri: a, moid: b };
    case "SUB":
      return { name, serverUri: a, clientUri: b };
  }
}

function signature(name: CommandName): string {
  const specs = COMMAND_PARAMETERS[name];
  if (specs.length === 0) return "no parameters";
  const mark = { [ParamOccurrence.One]: "", [ParamOccurrence.ZeroOrOne]: "?", [ParamOccurrence.OneOrMore]: "+" };
  return specs.map((s) => s.kind + mark[s.occurrence]).join(", ");
}

function arityText(min: number, max: number): string {
  const n = (k: number): string => `${k} parameter${k === 1 ? "" : "s"}`;
  if (max === Infinity) return `at least ${n(min)}`;
  if (min === max) return min === 0 ? "no parameters" : `exactly ${n(min)}`;
  return `${min} to ${n(max)}`;
}

function show(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + "..." : text);
}

function fail(code: ErrorCode, message: string, path: string, status = 400, cause?: unknown): Result<never> {
  return err(new ProtocolError(code, message, cause === undefined ? { path, status } : { path, status, cause }));
}
