// The options the fleet and campaign benches share for their simulated fleet: how Package#0 reaches the devices
// (`--wake mqtt`, the default: through the real broker at `--mqtt-url`, one connection per simulator process, so
// the fleet is not capped by one UDP socket per device against the file descriptor limit; `--wake udp`: a port
// per device, as a single device listens) and how many devices each simulator process holds (`--per-process`).
import type { WakeTransport } from "./fleet-shard-types.js";

export const wakeOptions = {
  wake: { type: "string", default: "mqtt" },
  "mqtt-url": { type: "string", default: process.env["OMADM_TEST_MQTT_URL"] ?? "mqtt://127.0.0.1:1883" },
  // Default: 100,000 devices per process with MQTT (a resting device costs a few KB, simulated-client.ts), and
  // 10,000 with UDP (a socket each, against the file descriptor limit).
  "per-process": { type: "string" },
} as const;

export interface WakeArgs {
  readonly transport: WakeTransport;
  readonly mqttUrl: string;
  readonly perProcess: number;
  /** The server's environment for it: its MQTT notifier (`notifier.mqttUrl`) when the devices listen there. */
  readonly serverEnv: Record<string, string>;
}

export function wakeArgs(values: { wake?: string; "mqtt-url"?: string; "per-process"?: string }): WakeArgs {
  const transport = values.wake;
  if (transport !== "mqtt" && transport !== "udp") throw new Error("--wake mqtt|udp");
  const perProcess = Number(values["per-process"] ?? (transport === "udp" ? 10_000 : 100_000));
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
