// The bodies of `omadm client run|daemon|tree|set|alert` (see index.ts). `daemon` holds the state lock while it
// runs and answers `tree`, `set` and `alert` on its control socket; `run` opens the device under the lock; `tree`,
// `set` and `alert` go to a running daemon or else open the device under the lock (state-access.ts,
// docs/client-state.md). Loaded by index.ts only when a client command runs.
import {
  type ControlServer,
  type DmClient,
  type DmClientEventName,
  type DmClientLogger,
  acquireStateLock,
  listenControlSocket,
  prepareStateDir,
} from "@omadm/client";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { UsageError } from "../cli-errors.js";
import { type Device, type OpenDeviceOptions, describeListener, openDevice, readDeviceConfig } from "./device.js";
import { deviceOpHandler } from "./device-ops.js";
import { EVENT_LINES } from "./format.js";
import { runDeviceOp, withLockedDevice } from "./state-access.js";
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

function openOptions(deps: ClientCommandDeps, flags: CommonFlags, listen = false): OpenDeviceOptions {
  return { listen, logger: cliLogger(deps, flags.verbose === true) };
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
  const config = readDeviceConfig(flags.config);
  return withLockedDevice(config, openOptions(deps, flags), async (device) => {
    // Every session is printed as it ends: this one and any that follow (asynchronous EXEC reports, §4.4).
    printEvents(deps, device.client, ["session", "alert-queued"]);
    const outcome = await device.client.runSession(serverOf(device, flags.server));
    await device.client.idle();
    await device.client.flushSubscriptions();
    return outcome.kind === "completed" ? ClientExitCode.Ok : ClientExitCode.Failed;
  });
}

export async function daemon(deps: ClientCommandDeps, flags: CommonFlags): Promise<number> {
  const config = readDeviceConfig(flags.config);
  // The daemon holds the state lock while it runs: it alone writes the state; commands ask it over the socket.
  const layout = await prepareStateDir(config.stateDir);
  const lock = await acquireStateLock(layout, "daemon");
  let device: Device;
  try {
    device = openDevice(config, openOptions(deps, flags, true));
  } catch (error) {
    await lock.release();
    throw error;
  }
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
    const fumo = device.fumo?.ensureInstance();
    if (fumo !== undefined && !fumo.ok) deps.err(`FUMO instance not created: ${fumo.error.message}\n`);
  } catch (error) {
    await device.close();
    await lock.release();
    throw error;
  }
  let control: ControlServer;
  try {
    control = await listenControlSocket(layout.controlSocket, deviceOpHandler(device.client));
  } catch (error) {
    await device.close();
    await lock.release();
    throw error;
  }
  const listeners = device.listeners.map(describeListener);
  print(deps, [
    `omadm client ${device.client.devId} is running (state in ${device.config.stateDir})`,
    `  control socket ${layout.controlSocket}`,
    ...(listeners.length === 0
      ? ["  no notification listeners configured"]
      : listeners.map((l) => `  listening on ${l}`)),
  ]);
  const running: RunningDaemon = {
    client: device.client,
    listeners,
    stop: async () => {
      await control.close();
      await device.close();
      await lock.release();
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

async function deviceOp(
  deps: ClientCommandDeps,
  flags: CommonFlags,
  op: "tree" | "set" | "alert",
  args: Record<string, unknown>,
): Promise<number> {
  const r = await runDeviceOp(readDeviceConfig(flags.config), openOptions(deps, flags), op, args);
  print(deps, r.lines);
  return r.exitCode;
}

export function tree(deps: ClientCommandDeps, flags: CommonFlags, uri: string | undefined): Promise<number> {
  return deviceOp(deps, flags, "tree", uri === undefined ? {} : { uri });
}

export function set(deps: ClientCommandDeps, flags: CommonFlags, uri: string, value: string): Promise<number> {
  return deviceOp(deps, flags, "set", { uri, value });
}

export function alert(deps: ClientCommandDeps, flags: AlertFlags, alertType: string): Promise<number> {
  const { server, source, target, mark, dataType, data, now } = flags;
  const args = { alertType, server, source, target, mark, dataType, data, now: now === true };
  return deviceOp(deps, flags, "alert", JSON.parse(JSON.stringify(args)) as Record<string, unknown>);
}
