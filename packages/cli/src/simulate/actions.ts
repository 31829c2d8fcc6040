// The body of `omadm simulate` (definition in index.ts): build the fleet from the template, start it, register
// it if asked, keep a live status line on a terminal, and print a summary when it stops.
import type { DeviceConfig, DmClientLogger } from "@omadm/client";
import { UsageError } from "../cli-errors.js";
import { DEFAULT_SERVER_URL } from "../admin/context.js";
import { uploadImport } from "../admin/import-upload.js";
import { summaryLines } from "../admin/devices-import.js";
import { DEVICE_BEHAVIOUR_NAMES, findBehaviour } from "./behaviours.js";
import { bootstraps, loadTemplate } from "./bootstrap-template.js";
import type { RunningSimulation, SimulateDeps, SimulateFlags } from "./command-types.js";
import { devIdPattern } from "./devid-pattern.js";
import { createFleet, type Fleet } from "./fleet.js";
import { registrationLines } from "./register.js";
import { statusLine, summaryLine } from "./status-line.js";

function count(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${what} must be an integer from ${min} to ${max}`);
  return n;
}

function fraction(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`${what} must be a number from 0 to 1`);
  return n;
}

function quietLogger(deps: SimulateDeps, verbose: boolean): DmClientLogger {
  const line = (message: string, details: Record<string, unknown>) => {
    if (verbose)
      deps.err(`${message} ${JSON.stringify(details, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`);
  };
  return {
    info: () => undefined,
    warn: (details, message) => {
      line(message, details);
    },
  };
}

interface Listening {
  readonly udp: { readonly host: string; readonly basePort: number } | null;
  readonly mqtt: { readonly url: string } | null;
}

/** Where the devices listen: the flags, else the template's first UDP and MQTT listeners. */
function listeningOf(template: DeviceConfig, flags: SimulateFlags): Listening {
  const tUdp = template.notifications.udp[0];
  const tMqtt = template.notifications.mqtt[0];
  const udpPort = flags.udpPort ?? (tUdp === undefined ? undefined : String(tUdp.port));
  const udp =
    !flags.udp || udpPort === undefined
      ? null
      : { host: flags.udpHost ?? tUdp?.host ?? "127.0.0.1", basePort: count(udpPort, "--udp-port", 0, 65535) };
  const mqttUrl = flags.mqttUrl ?? tMqtt?.url;
  return { udp, mqtt: !flags.mqtt || mqttUrl === undefined ? null : { url: mqttUrl } };
}

export async function simulate(deps: SimulateDeps, flags: SimulateFlags): Promise<void> {
  const n = count(flags.devices, "--devices", 1, 1_000_000);
  const first = count(flags.first, "--first", 0, Number.MAX_SAFE_INTEGER);
  const devId = devIdPattern(flags.devid);
  const failRate = fraction(flags.failRate ?? "0", "--fail-rate");
  const failResult = count(flags.failResult ?? "410", "--fail-result", 300, 599);
  const behaviour = findBehaviour(flags.behaviour, { failRate, failResult });
  if (behaviour === undefined) {
    throw new UsageError(`--behaviour ${flags.behaviour}: one of ${DEVICE_BEHAVIOUR_NAMES.join(", ")}`);
  }
  const template = loadTemplate(flags.config, flags);
  if (flags.register === true && bootstraps(template)) {
    throw new UsageError("--register: devices that bootstrap are registered by their bootstrap server");
  }
  const listening = listeningOf(template, flags);
  if (listening.udp !== null && listening.udp.basePort !== 0 && listening.udp.basePort + n - 1 > 65535) {
    throw new UsageError(`--udp-port ${listening.udp.basePort} + ${n} devices passes port 65535`);
  }
  const fleet = createFleet({
    template,
    devices: n,
    first,
    devId,
    udp: listening.udp,
    mqtt: listening.mqtt,
    behaviour,
    connections: count(flags.connections, "--connections", 1, 100_000),
    logger: quietLogger(deps, flags.verbose === true),
  });
  const startedAt = performance.now();
  try {
    await fleet.start();
  } catch (error) {
    await fleet.stop();
    throw error;
  }
  const where = [
    listening.udp === null
      ? null
      : `udp ${listening.udp.host}:${listening.udp.basePort === 0 ? "(free ports)" : `${listening.udp.basePort}…${listening.udp.basePort + n - 1}`}`,
    listening.mqtt === null ? null : `mqtt ${listening.mqtt.url} (one topic per device)`,
  ].filter((w) => w !== null);
  deps.out(
    `omadm simulate: ${n} devices (${fleet.devices[0]?.devId} … ${fleet.devices[n - 1]?.devId}) listening on ${where.join(", ") || "nothing"}\n`,
  );

  if (flags.register === true) {
    const env = deps.env ?? process.env;
    try {
      const report = await uploadImport({
        baseUrl: flags.server ?? env["OMADM_SERVER_URL"] ?? DEFAULT_SERVER_URL,
        token: flags.token ?? env["OMADM_TOKEN"],
        contentType: "application/x-ndjson",
        body: registrationLines(template, fleet.devices, {
          udpHost: listening.udp?.host,
          labels: { simulator: "omadm" },
        }),
      });
      for (const line of summaryLines("registered", report)) deps.out(`${line}\n`);
    } catch (error) {
      await fleet.stop();
      throw error;
    }
  }
  run(deps, flags, fleet, startedAt);
}

function run(deps: SimulateDeps, flags: SimulateFlags, fleet: Fleet, startedAt: number): void {
  const live = deps.live ?? process.stderr.isTTY;
  let before = fleet.stats.snapshot();
  let beforeAt = performance.now();
  const ticker = live
    ? setInterval(() => {
        const now = fleet.stats.snapshot();
        const at = performance.now();
        process.stderr.write(`\r\x1b[K${statusLine(now, before, (at - beforeAt) / 1000)}`);
        before = now;
        beforeAt = at;
      }, 1000)
    : undefined;
  let stopping: Promise<void> | undefined;
  const running: RunningSimulation = {
    fleet,
    stop: () =>
      (stopping ??= (async () => {
        if (ticker !== undefined) {
          clearInterval(ticker);
          process.stderr.write("\r\x1b[K");
        }
        const seconds = (performance.now() - startedAt) / 1000;
        const snapshot = fleet.stats.snapshot();
        await fleet.stop();
        deps.out(`${summaryLine(fleet.devices.length, snapshot, seconds, process.memoryUsage().rss)}\n`);
      })()),
  };
  if (deps.onStarted !== undefined) {
    deps.onStarted(running);
    return;
  }
  const stop = () => {
    void running.stop().finally(() => process.exit(process.exitCode ?? 0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (flags.duration !== undefined) {
    setTimeout(stop, count(flags.duration, "--duration", 1, 31_536_000) * 1000);
  }
}
