// `omadm client …`: the device simulator. One config file describes the device (see
// examples/device.json); its state lives in the config's state directory, so consecutive commands see the same
// device: `run` opens one client-initiated session, `daemon` listens for Package#0 and serves sessions until
// SIGINT/SIGTERM, `tree` prints the DM Tree, `set` writes a leaf, `alert` queues (or sends) a Generic Alert.
// Exit codes: 0 done, 1 refused or the session aborted, 2 a config or usage problem.
//
// Only the command definitions load with the program; the device (@omadm/client, its transports) is imported
// when a command runs (actions.ts), so that the other `omadm` commands start fast.
import { Option, type Command } from "commander";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { ConfigProblem, UsageError } from "../cli-errors.js";
import { ClientExitCode, type AlertFlags, type ClientCommandDeps, type CommonFlags } from "./command-types.js";

export function registerClientCommands(program: Command, deps: ClientCommandDeps): void {
  const client = program
    .command("client")
    .description("the device simulator: a DM Client described by a device config file (see examples/device.json)");
  const withConfig = (c: Command): Command =>
    c
      .addOption(new Option("-c, --config <file>", "device config file").makeOptionMandatory())
      .option("-v, --verbose", "log what the client does on stderr");

  withConfig(client.command("run"))
    .description("open one client-initiated DM session and print each command with its status")
    .option("-s, --server <srvId>", "the DM Server (SrvID) to contact; default the only account")
    .action(action(deps, (flags: CommonFlags & { server?: string }) => load().then((a) => a.runOnce(deps, flags))));

  withConfig(client.command("daemon"))
    .description("listen for Package#0 notifications, run sessions, send SUB and asynchronous EXEC reports")
    .action(action(deps, (flags: CommonFlags) => load().then((a) => a.daemon(deps, flags))));

  withConfig(client.command("tree"))
    .description("print the DM Tree, or the nodes a ClientURI selects")
    .argument("[clientUri]", "e.g. urn:oma:mo:x-omadm-gateway:1.0/main/Wan")
    .action(
      action(deps, (uri: string | undefined, flags: CommonFlags) => load().then((a) => a.tree(deps, flags, uri))),
    );

  withConfig(client.command("set"))
    .description("write one leaf as the device (the value is read per the leaf's DDF format)")
    .argument("<clientUri>", "the leaf, e.g. urn:oma:mo:x-omadm-gateway:1.0/main/Wan/Mtu")
    .argument("<value>", "the new value")
    .action(
      action(deps, (uri: string, value: string, flags: CommonFlags) =>
        load().then((a) => a.set(deps, flags, uri, value)),
      ),
    );

  withConfig(client.command("alert"))
    .description("queue a Generic Alert for the next session (or send it now with --now)")
    .argument("<alertType>", "e.g. urn:oma:at:x-omadm:gateway:1.0:LinkDown")
    .option("-s, --server <srvId>", "the DM Server (SrvID) it is for; default the only account")
    .option("--source <uri>", "SourceURI")
    .option("--target <uri>", "TargetURI")
    .option("--mark <mark>", "fatal, critical, minor, warning, informational, harmless or indeterminate")
    .option("--data-type <type>", "DataType (required with --data)")
    .option("--data <data>", "Data: JSON if it parses as JSON, else the text")
    .option("--now", "open a session and send it right away")
    .action(action(deps, (type: string, flags: AlertFlags) => load().then((a) => a.alert(deps, flags, type))));
}

/** The command bodies, loaded on first use. */
const load = () => import("./actions.js");

/** Runs a command body; turns failures into one "error:" line and an exit code, never a stack trace. */
function action<A extends unknown[]>(
  deps: ClientCommandDeps,
  body: (...args: A) => Promise<number>,
): (...args: [...A, Command]) => Promise<void> {
  const setExit = deps.setExitCode ?? ((code: number) => (process.exitCode = code));
  return async (...args) => {
    try {
      const code = await body(...(args.slice(0, -1) as A));
      if (code !== ClientExitCode.Ok) setExit(code);
    } catch (error) {
      const usage = error instanceof ConfigProblem || error instanceof UsageError;
      deps.err(`error: ${errorMessage(error)}\n`);
      setExit(usage ? ClientExitCode.Usage : ClientExitCode.Failed);
    }
  };
}
