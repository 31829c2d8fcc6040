// `omadm simulate`: a fleet of simulated devices in one process from one device template (see fleet.ts and
// docs/simulator.md). Only the definition loads with the program; the body (actions.ts) and the client package
// load when the command runs.
import { Option, type Command } from "commander";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { ConfigProblem, UsageError } from "../cli-errors.js";
import { DEFAULT_DEVID_PATTERN, type SimulateDeps, type SimulateFlags } from "./command-types.js";

export function registerSimulateCommand(program: Command, deps: SimulateDeps): void {
  program
    .command("simulate")
    .description("run many simulated devices from one device config (Package#0 over UDP/MQTT, sessions over HTTP)")
    .addOption(
      new Option(
        "-c, --config <file>",
        "device template: a device config file (as omadm client)",
      ).makeOptionMandatory(),
    )
    .addOption(new Option("-n, --devices <n>", "how many devices").makeOptionMandatory())
    .option("--devid <pattern>", "DevID pattern: {n} or {n:0W} is the device number", DEFAULT_DEVID_PATTERN)
    .option("--first <n>", "number of the first device", "1")
    .option("--udp-host <host>", "bind the devices' UDP sockets here (default: the template's UDP host)")
    .option("--udp-port <port>", "first UDP port: device i listens on port + i (0: any free port)")
    .option("--no-udp", "no UDP listeners")
    .option("--mqtt-url <url>", "MQTT broker (default: the template's); one connection, one topic per device")
    .option("--no-mqtt", "no MQTT listener")
    .option("--register", "register the devices with the server first (bulk import)")
    .option("--server <url>", "DM Server base URL for --register (env OMADM_SERVER_URL)")
    .option("--token <token>", "API token for --register (env OMADM_TOKEN)")
    .option(
      "--behaviour <name>",
      "device behaviour: standard, or fumo (firmware updates, docs/firmware.md)",
      "standard",
    )
    .option("--fail-rate <fraction>", "fumo: the fraction of devices (0-1) whose update fails", "0")
    .option("--fail-result <code>", "fumo: the FUMO result code those devices report (410, 402, …)", "410")
    .option("--duration <seconds>", "stop after this long (default: on SIGINT/SIGTERM)")
    .option("--connections <n>", "most HTTP connections to the DM Server", "256")
    .option("-v, --verbose", "log the devices' warnings on stderr")
    .option("--bootstrap-uri <url>", "devices start with bootstrap credentials only: the bootstrap server's URI")
    .option("--bootstrap-psk-identity <identity>", "the batch bootstrap PSK identity (with --bootstrap-uri)")
    .option("--bootstrap-psk-key <file>", "file holding the batch bootstrap PSK key as hex (with --bootstrap-uri)")
    .option("--bootstrap-srvid <id>", "the bootstrap server's SrvID", "omadm-bootstrap")
    .option("--bootstrap-ca <file>", "PEM CA of the bootstrap server (default: the template's first account's)")
    .action(async (flags: SimulateFlags) => {
      const setExit = deps.setExitCode ?? ((code: number) => (process.exitCode = code));
      try {
        const { simulate } = await import("./actions.js");
        await simulate(deps, flags);
      } catch (error) {
        deps.err(`error: ${errorMessage(error)}\n`);
        setExit(error instanceof ConfigProblem || error instanceof UsageError ? 2 : 1);
      }
    });
}
