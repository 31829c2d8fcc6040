// `omadm client …`: the device simulator. One config file describes the device (see
// examples/device.json); its state lives in the config's state directory, so consecutive commands see the same
// device: `run` opens one client-initiated session, `daemon` listens for Package#0 and serves sessions until
// SIGINT/SIGTERM, `tree` prints the DM Tree, `set` writes a leaf, `alert` queues (or sends) a Generic Alert.
// Exit codes: 0 done, 1 refused or the session aborted, 2 a config or usage problem.
import { Option, type Command } from "commander";
import type { DmClient, DmClientEventName, DmClientLogger } from "@omadm/client";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { ConfigProblem, UsageError } from "../cli-errors.js";
import { describeListener, openDevice, type Device } from "./device.js";
import { EVENT_LINES, formatMoData, formatTree, scalar } from "./format.js";

export interface ClientCommandDeps {
  /** Standard output (text as given; lines end in "\n"). */
  readonly out: (text: string) => void;
  /** Standard error: warnings and errors. */
  readonly err: (text: string) => void;
  /** Default: `process.exitCode = code`. */
  readonly setExitCode?: (code: number) => void;
  /** Called once the daemon listens; default: stop it on SIGINT and SIGTERM, then exit. */
  readonly onDaemonStarted?: (daemon: RunningDaemon) => void;
}

export interface RunningDaemon {
  readonly client: DmClient;
  /** Where it listens, e.g. `udp 127.0.0.1:46000`. */
  readonly listeners: readonly string[];
  stop(): Promise<void>;
}

export const ClientExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

interface CommonFlags {
  readonly config: string;
  readonly verbose?: boolean;
}

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
    .action(action(deps, (flags: CommonFlags & { server?: string }) => runOnce(deps, flags)));

  withConfig(client.command("daemon"))
    .description("listen for Package#0 notifications, run sessions, send SUB and asynchronous EXEC reports")
    .action(action(deps, (flags: CommonFlags) => daemon(deps, flags)));

  withConfig(client.command("tree"))
    .description("print the DM Tree, or the nodes a ClientURI selects")
    .argument("[clientUri]", "e.g. urn:oma:mo:x-omadm-gateway:1.0/main/Wan")
    .action(action(deps, (uri: string | undefined, flags: CommonFlags) => tree(deps, flags, uri)));

  withConfig(client.command("set"))
    .description("write one leaf as the device (the value is read per the leaf's DDF format)")
    .argument("<clientUri>", "the leaf, e.g. urn:oma:mo:x-omadm-gateway:1.0/main/Wan/Mtu")
    .argument("<value>", "the new value")
    .action(action(deps, (uri: string, value: string, flags: CommonFlags) => set(deps, flags, uri, value)));

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
    .action(action(deps, (type: string, flags: AlertFlags) => alert(deps, flags, type)));
}

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

function showValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Error) return v.message;
  return JSON.stringify(v);
}

function cliLogger(deps: ClientCommandDeps, verbose: boolean): DmClientLogger {
  const line = (level: string, details: Record<string, unknown>, message: string): void => {
    const shown = Object.entries(details)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${showValue(v)}`)
      .join(" ");
    deps.err(`${level}: ${message}${shown === "" ? "" : ` (${shown})`}\n`);
  };
  return {
    info: (details, message) => {
      if (verbose) line("info", details, message);
    },
    warn: (details, message) => {
      line("warning", details, message);
    },
  };
}

function open(deps: ClientCommandDeps, flags: CommonFlags, listen = false): Device {
  return openDevice(flags.config, { listen, logger: cliLogger(deps, flags.verbose === true) });
}

function print(deps: ClientCommandDeps, lines: readonly string[]): void {
  for (const l of lines) deps.out(`${l}\n`);
}

function printEvents(deps: ClientCommandDeps, client: DmClient, names: readonly DmClientEventName[]): void {
  for (const name of names) {
    const format = EVENT_LINES[name] as ((e: unknown) => string[]) | undefined;
    if (format !== undefined) {
      client.on(name, (e) => {
        print(deps, format(e));
      });
    }
  }
}

/** The account a command is for: the one named, else the only one. */
function serverOf(device: Device, named: string | undefined): string {
  const ids = device.client.accounts().map((a) => a.srvId);
  if (named !== undefined) {
    if (!ids.includes(named)) throw new UsageError(`no account with SrvID "${named}" (accounts: ${ids.join(", ")})`);
    return named;
  }
  const [only, ...more] = ids;
  if (only === undefined) throw new UsageError("the device has no DM Account");
  if (more.length > 0) throw new UsageError(`several accounts (${ids.join(", ")}): choose one with --server`);
  return only;
}

async function runOnce(deps: ClientCommandDeps, flags: CommonFlags & { server?: string }): Promise<number> {
  const device = open(deps, flags);
  try {
    await device.client.start();
    // Every session is printed as it ends: this one and any that follow (asynchronous EXEC reports, §4.4).
    printEvents(deps, device.client, ["session", "alert-queued"]);
    const outcome = await device.client.runSession(serverOf(device, flags.server));
    await device.client.idle();
    await device.client.flushSubscriptions();
    return outcome.kind === "completed" ? ClientExitCode.Ok : ClientExitCode.Failed;
  } finally {
    await device.close();
  }
}

async function daemon(deps: ClientCommandDeps, flags: CommonFlags): Promise<number> {
  const device = open(deps, flags, true);
  printEvents(deps, device.client, [
    "session-start",
    "session",
    "notification-accepted",
    "notification-deferred",
    "notification-rejected",
    "alert-queued",
    "state-save-failed",
  ]);
  try {
    // §14 step 6: an account not yet told BootstrapComplete gets its session now.
    await device.client.start({ sendBootstrapComplete: true });
  } catch (error) {
    await device.close();
    throw error;
  }
  const listeners = device.listeners.map(describeListener);
  print(deps, [
    `omadm client ${device.client.devId} is running (state in ${device.config.stateDir})`,
    ...(listeners.length === 0
      ? ["  no notification listeners configured"]
      : listeners.map((l) => `  listening on ${l}`)),
  ]);
  const running: RunningDaemon = {
    client: device.client,
    listeners,
    stop: async () => {
      await device.close();
      print(deps, [`omadm client ${device.client.devId} stopped`]);
    },
  };
  (deps.onDaemonStarted ?? stopOnSignals)(running);
  return ClientExitCode.Ok;
}

function stopOnSignals(running: RunningDaemon): void {
  const stop = (signal: string): void => {
    process.stderr.write(`omadm client: ${signal}, stopping\n`);
    running.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`omadm client: stop failed: ${errorMessage(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => {
    stop("SIGINT");
  });
  process.once("SIGTERM", () => {
    stop("SIGTERM");
  });
}

async function tree(deps: ClientCommandDeps, flags: CommonFlags, uri: string | undefined): Promise<number> {
  const device = open(deps, flags);
  try {
    await device.client.start();
    if (uri === undefined) {
      print(deps, formatTree(device.client.tree));
      return ClientExitCode.Ok;
    }
    const nodes = device.client.read(uri);
    if (!nodes.ok) throw new Error(nodes.error.message);
    if (nodes.value.length === 0) throw new Error(`${uri} selects no node`);
    for (const n of nodes.value) {
      const data = device.client.tree.read(n.moid, n.miid, n.path);
      if (!data.ok) continue;
      const value = Object.values(data.value)[0] ?? null;
      if (value !== null && typeof value === "object") print(deps, [n.clientUri, ...formatMoData(value)]);
      else print(deps, [`${n.clientUri} = ${scalar(value)}`]);
    }
    return ClientExitCode.Ok;
  } finally {
    await device.close();
  }
}

async function set(deps: ClientCommandDeps, flags: CommonFlags, uri: string, value: string): Promise<number> {
  const device = open(deps, flags);
  try {
    await device.client.start();
    const r = await device.client.setValue(uri, value);
    if (!r.ok) throw new Error(r.error.message);
    const now = device.client.getValue(uri);
    const shown = now.ok ? (now.value instanceof Uint8Array ? `${now.value.length} bytes` : String(now.value)) : value;
    print(deps, [`${uri} = ${shown}${r.value.changed ? "" : " (unchanged)"}`]);
    // Subscribers hear about the change now (§4.10): the reporter's debounce would outlive this command.
    await device.client.flushSubscriptions();
    return ClientExitCode.Ok;
  } finally {
    await device.close();
  }
}

interface AlertFlags extends CommonFlags {
  readonly server?: string;
  readonly source?: string;
  readonly target?: string;
  readonly mark?: string;
  readonly dataType?: string;
  readonly data?: string;
  readonly now?: boolean;
}

async function alert(deps: ClientCommandDeps, flags: AlertFlags, alertType: string): Promise<number> {
  if (flags.data !== undefined && flags.dataType === undefined) {
    throw new UsageError("--data needs --data-type (a Generic Alert with Data MUST have a DataType)");
  }
  const device = open(deps, flags);
  try {
    await device.client.start();
    const serverId = serverOf(device, flags.server);
    const r = await device.client.raiseAlert(serverId, {
      AlertType: alertType,
      ...(flags.source === undefined ? {} : { SourceURI: flags.source }),
      ...(flags.target === undefined ? {} : { TargetURI: flags.target }),
      ...(flags.mark === undefined ? {} : { Mark: flags.mark as "informational" }),
      ...(flags.dataType === undefined ? {} : { DataType: flags.dataType }),
      ...(flags.data === undefined ? {} : { Data: parseData(flags.data) }),
    });
    if (!r.ok) throw new UsageError(`the alert is not valid: ${r.error.message}`);
    if (flags.now !== true) {
      print(deps, [`alert ${r.value.id} queued for ${serverId}; it goes with the next session`]);
      return ClientExitCode.Ok;
    }
    printEvents(deps, device.client, ["session"]);
    const outcome = await device.client.runSession(serverId);
    await device.client.idle();
    const sent = outcome.deliveredAlertIds.includes(r.value.id);
    print(deps, [
      sent ? `alert ${r.value.id} sent to ${serverId}` : `alert ${r.value.id} stays queued for ${serverId}`,
    ]);
    return sent ? ClientExitCode.Ok : ClientExitCode.Failed;
  } finally {
    await device.close();
  }
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
