// The `omadm` command: `omadm server`, the admin subcommands that speak the REST API, and `omadm client` (the
// device simulator). Thin: it parses arguments and hands them to the packages.
import { Command } from "commander";
import { registerAdminCommands } from "./admin/index.js";
import { registerClientCommands } from "./client/index.js";
import { registerServerCommand } from "./server-command.js";
import { registerSimulateCommand } from "./simulate/index.js";

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const stdio: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function buildProgram(io: CliIo = stdio): Command {
  const program = new Command("omadm")
    .description("OMA Device Management 2.0: DM Server, device simulator and admin tools")
    .version("0.1.0")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  registerServerCommand(program, io);
  registerAdminCommands(program, io);
  registerClientCommands(program, io);
  registerSimulateCommand(program, io);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
