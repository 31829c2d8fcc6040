// What an operator may queue, and how it becomes a Package#2 item. Pure: objects in, a `[name, ...params]`
// array (docs/protocol.md §3.2, §4) or a ServerError COMMAND_INVALID / COMMAND_RESERVED out.
//
// Two input forms name the same thing:
// - the P2 array form, exactly as it goes on the wire: ["HGET", "https://repo/x", "urn:oma:mo:…/1/"];
// - the named form, with the parameter fields of the protocol's typed `Command`
//   ({ name: "HGET", serverUri: "https://repo/x", clientUri: "urn:oma:mo:…/1/" }).
import {
  COMMAND_PARAMETERS,
  COMMANDS,
  ErrorCode,
  isCommandName,
  isProtocolError,
  ParamOccurrence,
  validateCommand,
  type Command,
  type CommandName,
  type ParameterSpec,
} from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";

/** The operator's command: the P2 array form or the named form. */
export type OperatorCommandInput = readonly unknown[] | { readonly [field: string]: unknown };

/**
 * Commands the server issues itself inside a DM session and an operator never queues: CONT redirects the rest
 * of the session (docs/protocol.md §4.7, the DM endpoint issues it for its per-session URL) and END closes it
 * when the queue is empty (§4.8). An operator-queued END would cut a session off in the middle of the queue.
 */
export const SERVER_MANAGED_COMMANDS: readonly CommandName[] = ["CONT", "END"];

/** The commands an operator can queue: the twelve of docs/protocol.md §4 minus the server-managed ones. */
export const OPERATOR_COMMANDS: readonly CommandName[] = COMMANDS.filter((n) => !SERVER_MANAGED_COMMANDS.includes(n));

export interface CheckedCommand {
  /** The P2 item: `[name, ...params]`. */
  readonly item: readonly string[];
  readonly command: Command;
}

/** Converts and validates an operator command (total: a CheckedCommand or a thrown ServerError). */
export function checkOperatorCommand(input: unknown, options: { readonly allowHttp: boolean }): CheckedCommand {
  const item = Array.isArray(input) ? arrayForm(input as readonly unknown[]) : namedForm(input);
  const name = item[0];
  if (typeof name === "string" && (SERVER_MANAGED_COMMANDS as readonly string[]).includes(name)) {
    throw new ServerError(
      ServerErrorCode.COMMAND_RESERVED,
      `${name} cannot be queued: the server issues ${name} itself inside DM sessions ` +
        "(CONT for the session's own URL, END when the queue is empty; docs/protocol.md §4.7, §4.8)",
    );
  }
  const result = validateCommand(item, { allowHttp: options.allowHttp });
  if (!result.ok) throw invalidCommand(describeError(item, result.error));
  return { item: item as readonly string[], command: result.value };
}

function arrayForm(input: readonly unknown[]): readonly unknown[] {
  if (input.length === 0) throw invalidCommand("the command array is empty: its first element is the command name");
  return input;
}

function namedForm(input: unknown): readonly unknown[] {
  if (typeof input !== "object" || input === null) {
    throw invalidCommand('a command is an array ["NAME", ...params] or an object { "name": "NAME", ... }');
  }
  const fields = input as { readonly [field: string]: unknown };
  const name = fields.name;
  if (typeof name !== "string") throw invalidCommand('the command object needs a string "name"');
  if (!isCommandName(name)) throw invalidCommand(unknownName(name));
  const specs = COMMAND_PARAMETERS[name];
  const known = new Set(["name", ...specs.map((s) => s.field)]);
  const extra = Object.keys(fields).filter((k) => !known.has(k));
  if (extra.length > 0) {
    throw invalidCommand(
      `${name} has no field ${extra.map((k) => JSON.stringify(k)).join(", ")}; its fields are ${fieldList(specs)}`,
    );
  }
  const item: unknown[] = [name];
  for (const spec of specs) {
    const value = fields[spec.field];
    if (spec.occurrence === ParamOccurrence.ZeroOrOne) {
      if (value !== undefined && value !== null) item.push(value);
    } else if (spec.occurrence === ParamOccurrence.OneOrMore) {
      // A single string is accepted for a one-or-more field (the common case of one ClientURI).
      const values: unknown[] = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
      if (values.length === 0) throw invalidCommand(`${name} needs "${spec.field}": one or more ${spec.kind}s`);
      item.push(...values);
    } else {
      if (value === undefined || value === null) throw invalidCommand(`${name} needs "${spec.field}" (${spec.kind})`);
      item.push(value);
    }
  }
  return item;
}

/**
 * validateCommand's message with the parameter named both by position and by field, and without the JSON path
 * suffix (the operator did not send a JSON path).
 */
function describeError(item: readonly unknown[], error: unknown): string {
  if (!isProtocolError(error)) return String(error);
  const name = item[0];
  if (error.code === ErrorCode.CMD_UNKNOWN) return unknownName(name);
  const message = error.message.replace(/ \(at [^()]*\)$/, "");
  const index = /^\$\[(\d+)\]$/.exec(error.path ?? "")?.[1];
  if (error.code !== ErrorCode.CMD_BAD_PARAMETER || index === undefined || !isCommandName(name)) return message;
  const specs = COMMAND_PARAMETERS[name];
  const spec = specs[Math.min(Number(index) - 1, specs.length - 1)];
  const cause = error.cause instanceof Error ? error.cause.message.replace(/ \(at [^()]*\)$/, "") : undefined;
  const rule = cause ?? message.slice(message.indexOf(": ") + 2);
  return `${name} parameter ${index} "${spec?.field ?? "?"}" (${spec?.kind ?? "?"}): ${rule}`;
}

function unknownName(name: unknown): string {
  const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 40)) : `a ${typeof name}`;
  return `unknown command ${shown}; an operator can queue ${OPERATOR_COMMANDS.join(", ")} (docs/protocol.md §4)`;
}

function fieldList(specs: readonly ParameterSpec[]): string {
  if (specs.length === 0) return "none besides name";
  const mark = { [ParamOccurrence.One]: "", [ParamOccurrence.ZeroOrOne]: "?", [ParamOccurrence.OneOrMore]: "[]" };
  return specs.map((s) => `${s.field}${mark[s.occurrence]} (${s.kind})`).join(", ");
}

function invalidCommand(message: string): ServerError {
  return new ServerError(ServerErrorCode.COMMAND_INVALID, message);
}
