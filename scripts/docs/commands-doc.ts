// The generated parts of docs/commands.md: the overview of the twelve commands and, for each, its parameter
// table and the status codes it can end with — all from the protocol's command table (COMMAND_PARAMETERS,
// COMMAND_INFO) and status table, and the server's list of commands an operator may queue.
import { COMMAND_INFO, RELAYED_HTTP_ERROR } from "../../packages/protocol/src/packages/command-info.js";
import { COMMAND_PARAMETERS, COMMANDS, type CommandName } from "../../packages/protocol/src/packages/command-table.js";
import { statusName } from "../../packages/protocol/src/status/status-codes.js";
import { OPERATOR_COMMANDS } from "../../packages/server/src/services/command-input.js";
import { cell, table } from "./markdown.js";

function parameters(name: CommandName): string {
  const specs = COMMAND_PARAMETERS[name];
  if (specs.length === 0) return "No parameters.\n";
  return table(
    ["#", "Parameter", "Format", "Occurrence", "Meaning"],
    specs.map((s, i) => [String(i + 1), `\`${s.field}\``, s.kind, s.occurrence, cell(s.meaning)]),
  );
}

function outcomes(name: CommandName): string {
  const list = COMMAND_INFO[name].outcomes;
  if (list.length === 0) return "No status: a Package#2 with END gets no Package#3.\n";
  return table(
    ["sc", "Name", "When"],
    list.map((o) =>
      o.code === RELAYED_HTTP_ERROR
        ? [RELAYED_HTTP_ERROR, "(the repository's)", cell(o.when)]
        : [String(o.code), statusName(o.code) ?? "", cell(o.when)],
    ),
  );
}

/** The block of one command: what it is for, who must support it, parameters, status codes. */
export function commandBlock(name: CommandName): string {
  const info = COMMAND_INFO[name];
  const queueable = OPERATOR_COMMANDS.includes(name);
  return [
    `${info.summary} Server support: ${info.server}; client support: ${info.client} (docs/protocol.md §${info.section}).`,
    queueable ? "" : "The server issues it itself; an operator cannot queue it.",
    "",
    "**Parameters**, in Package#2 order:",
    "",
    parameters(name),
    "**Status codes** the device can answer:",
    "",
    outcomes(name),
  ]
    .filter((line, i, all) => !(line === "" && all[i - 1] === ""))
    .join("\n");
}

/** The overview table of all twelve commands. */
export function overviewBlock(): string {
  return table(
    ["Command", "Parameters", "Purpose", "Operator queues it"],
    COMMANDS.map((name) => [
      `[${name}](#${name.toLowerCase()})`,
      COMMAND_PARAMETERS[name]
        .map((s) => `${s.kind}${s.occurrence === "One" ? "" : ` (${s.occurrence})`}`)
        .join(", ") || "—",
      cell(COMMAND_INFO[name].summary),
      OPERATOR_COMMANDS.includes(name) ? "yes" : "no",
    ]),
  );
}

/** Every generated block of docs/commands.md by name. */
export function commandsDocBlocks(): Map<string, string> {
  const blocks = new Map<string, string>([["commands-overview", overviewBlock()]]);
  for (const name of COMMANDS) blocks.set(`command-${name}`, commandBlock(name));
  return blocks;
}
