// What `omadm simulate` shares between its definition (index.ts, loaded with every command) and its body
// (actions.ts, loaded when it runs): flags, dependencies, the running fleet handed to tests. Light on purpose.
import type { Fleet } from "./fleet.js";

export interface SimulateFlags {
  readonly config: string;
  readonly devices: string;
  readonly devid: string;
  readonly first: string;
  readonly udpHost?: string;
  /** false with --no-udp. */
  readonly udp: boolean;
  readonly udpPort?: string;
  readonly mqtt: boolean;
  readonly mqttUrl?: string;
  readonly register?: boolean;
  readonly server?: string;
  readonly token?: string;
  readonly behaviour: string;
  /** --behaviour fumo: the fraction of devices whose update fails, and the FUMO result code they report. */
  readonly failRate?: string;
  readonly failResult?: string;
  readonly duration?: string;
  readonly connections: string;
  readonly verbose?: boolean;
  /** Factory bootstrap credentials only (docs/simulator.md): the bootstrap server's ServerURI and a batch PSK. */
  readonly bootstrapUri?: string;
  readonly bootstrapPskIdentity?: string;
  readonly bootstrapPskKey?: string;
  readonly bootstrapSrvid?: string;
  readonly bootstrapCa?: string;
}

export interface RunningSimulation {
  readonly fleet: Fleet;
  /** Stops every device and prints the summary; resolves when everything is closed. */
  stop(): Promise<void>;
}

export interface SimulateDeps {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly setExitCode?: (code: number) => void;
  /** Environment for OMADM_SERVER_URL / OMADM_TOKEN (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called once every device listens (and is registered); default: stop on SIGINT/SIGTERM or --duration. */
  readonly onStarted?: (running: RunningSimulation) => void;
  /** Draw the live status line (default: when standard error is a terminal). */
  readonly live?: boolean;
}

export const DEFAULT_DEVID_PATTERN = "IMEI:35900000{n:07}";
