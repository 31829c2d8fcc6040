// The options the fleet and campaign benches share for their simulated fleet: how Package#0 reaches the devices
// (`--wake mqtt`, the default: through the real broker at `--mqtt-url`, one connection per simulator process, so
// the fleet is not capped by one UDP socket per device against the file descriptor limit; `--wake udp`: a port
// per device, as a single device listens) and how many devices each simulator process holds (`--per-process`).
import { availableParallelism } from "node:os";
import type { WakeTransport } from "./fleet-shard-types.js";

export const wakeOptions = {
  wake: { type: "string", default: "mqtt" },
  "mqtt-url": { type: "string", default: process.env["OMADM_TEST_MQTT_URL"] ?? "mqtt://127.0.0.1:1883" },
  // Default with MQTT: 100,000 devices per process (a resting device costs a few KB, simulated-client.ts), and no
  // more processes than the machine has cores plus one (more devices per process then); with UDP 10,000 (a
  // socket each, against the file descriptor limit).
  "per-process": { type: "string" },
} as const;

export interface WakeArgs {
  readonly transport: WakeTransport;
  readonly mqttUrl: string;
  readonly perProcess: number;
  /** The server's environment for it: its MQTT notifier (`notifier.mqttUrl`) when the devices listen there. */
  readonly serverEnv: Record<string, string>;
}

/**
 * With MQTT, how many devices a simulator process holds by default. A process's CPU per session grows as its
 * share of the sessions shrinks (each wake-up then carries one publish, one PUBACK and one session instead of a
 * batch): a million devices in ten processes on two cores cost the simulator 2.9 ms per session, in three 0.8 ms.
 */
export function defaultPerProcess(devices: number, cores: number): number {
  return Math.max(MQTT_PER_PROCESS, Math.ceil(devices / (cores + 1)));
}

const MQTT_PER_PROCESS = 100_000;

export function wakeArgs(
  values: { wake?: string; "mqtt-url"?: string; "per-process"?: string },
  devices: number,
): WakeArgs {
  const transport = values.wake;
  if (transport !== "mqtt" && transport !== "udp") throw new Error("--wake mqtt|udp");
  const perProcess = Number(
    values["per-process"] ?? (transport === "udp" ? 10_000 : defaultPerProcess(devices, availableParallelism())),
  );
  if (!Number.isInteger(perProcess) || perProcess < 1) throw new Error("--per-process must be a positive integer");
  // A UDP socket per device: above ~15,000 in one process the default `ulimit -n` of 20,000 runs out.
  if (transport === "udp" && perProcess > 15_000) throw new Error("--wake udp holds at most 15000 devices per process");
  const mqttUrl = values["mqtt-url"] ?? "mqtt://127.0.0.1:1883";
  return {
    transport,
    mqttUrl,
    perProcess,
    serverEnv: transport === "mqtt" ? { OMADM_NOTIFIER_MQTT_URL: mqttUrl } : {},
  };
}
