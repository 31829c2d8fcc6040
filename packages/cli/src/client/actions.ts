// The bodies of `omadm client run|daemon|tree|set|alert` (see index.ts): each opens the device from its config
// file, does its one thing and closes it. Loaded by index.ts only when a client command runs.
import type { DmClient, DmClientEventName, DmClientLogger } from "@omadm/client";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { UsageError } from "../cli-errors.js";
import { describeListener, openDevice, type Device } from "./device.js";
import { EVENT_LINES, formatMoData, formatTree, scalar } from "./format.js";
import {
  ClientExitCode,
  type AlertFlags,
  type ClientCommandDeps,
  type CommonFlags,
  type RunningDaemon,
} from "./command-types.js";

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

export async function runOnce(deps: ClientCommandDeps, flags: CommonFlags & { server?: string }): Promise<number> {
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

export async function daemon(deps: ClientCommandDeps, flags: CommonFlags): Promise<number> {
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

export async function tree(deps: ClientCommandDeps, flags: CommonFlags, uri: string | undefined): Promise<number> {
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

export async function set(deps: ClientCommandDeps, flags: CommonFlags, uri: string, value: string): Promise<number> {
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

export async function alert(deps: ClientCommandDeps, flags: AlertFlags, alertType: string): Promise<number> {
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
