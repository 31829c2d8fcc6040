// The parameter table `omadm commands queue --help` prints, rendered from the protocol's command table
// (COMMAND_PARAMETERS, COMMAND_INFO in @omadm/protocol) so that it can never disagree with what the server
// validates. docs/commands.md is generated from the same table (scripts/generate-docs.ts).
import type { Command } from "commander";
import type { CommandInfo, CommandName, ParameterSpec } from "@omadm/protocol";

export interface QueueHelpTable {
  /** The commands an operator may queue, in table order. */
  readonly commands: readonly CommandName[];
  readonly parameters: { readonly [N in CommandName]: readonly ParameterSpec[] };
  readonly info: { readonly [N in CommandName]: CommandInfo };
}

const EXAMPLES = [
  "omadm commands queue IMEI:359000000000001 GET 'urn:oma:mo:oma-dm-devinfo:1.2//DevID'",
  "omadm commands queue IMEI:359000000000001 HGET https://dm.example.com/repo/shared/gw/config.json \\\n" +
    "      'urn:oma:mo:x-omadm-gateway:1.0/main/'",
  "omadm commands queue IMEI:359000000000001 HPUT https://dm.example.com/repo/devices/IMEI:359000000000001/info \\\n" +
    "      'urn:oma:mo:oma-dm-devinfo:1.2//' 'urn:oma:mo:oma-sessioninfomo:1.0//'",
  "omadm commands queue IMEI:359000000000001 EXEC 'urn:oma:mo:x-omadm-gateway:1.0/main/Ops/Reboot' --ttl 3600",
];

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

/** The text printed after the usage of `omadm commands queue`. */
export function queueHelpText(table: QueueHelpTable): string {
  const rows: string[][] = [];
  for (const name of table.commands) {
    const specs = table.parameters[name];
    if (specs.length === 0) rows.push([name, "(none)", "", "", ""]);
    for (const [i, spec] of specs.entries()) {
      rows.push([i === 0 ? name : "", `${i + 1} ${spec.field}`, spec.kind, spec.occurrence, spec.meaning]);
    }
  }
  const header = ["NAME", "PARAMETER", "FORMAT", "OCCURRENCE", "MEANING"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)) + 2);
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((cell, c) => (c === cells.length - 1 ? cell : pad(cell, widths[c] ?? 0))).join("")}`.trimEnd();
  const notQueued = (Object.keys(table.info) as CommandName[]).filter((n) => !table.commands.includes(n));
  return [
    "",
    "Parameters follow NAME in this order (the order of the command's Package#2 item). OneOrMore takes one or",
    "more values; a ZeroOrOne parameter may be left out. docs/commands.md lists each command's status codes.",
    "",
    line(header),
    ...rows.map(line),
    "",
    ...(notQueued.length > 0
      ? [`${notQueued.join(" and ")} cannot be queued: the server issues them itself.`, ""]
      : []),
    "Examples:",
    ...EXAMPLES.map((e) => `  $ ${e}`),
    "",
  ].join("\n");
}

/**
 * Adds the table to the help of `queue`, a subcommand of `parent`. The protocol and server packages are loaded
 * only when help is asked for, so an ordinary `omadm commands queue …` does not pay for them.
 */
export function addQueueHelp(parent: Command, queue: Command, load: () => Promise<QueueHelpTable>): void {
  let added = false;
  parent.hook("preSubcommand", async (command, sub) => {
    const wantsHelp = command.args.includes("--help") || command.args.includes("-h");
    if (added || sub !== queue || !wantsHelp) return;
    added = true;
    const text = queueHelpText(await load());
    queue.addHelpText("after", text);
  });
}
