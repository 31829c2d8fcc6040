// The simulated fleet of the fleet and campaign benches, spread over child processes (fleet-shard.ts), each a
// share of the DevIDs (`perProcess` devices at most; a device at rest costs a few KB, a DmClient lives only while
// its device works; how many a process holds by default: fleet-wake.ts). Package#0 goes through the real MQTT broker
// (one connection per process, a topic per device under a prefix random per run) or UDP (a port per device);
// sessions go over one bounded keep-alive pool per process, so the HTTP side holds at most `connections` sockets
// in all, whatever N is (the pacer bounds how many sessions run).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceLoaderArgs } from "../../../test-support/source-loader.js";
import { uploadImport } from "../src/admin/import-upload.js";
import { FleetStats } from "../src/simulate/stats.js";
import { registrationLines, type ListeningDevice } from "../src/simulate/register.js";
import { peakRssMb, templateFor } from "./bench-server.js";
import type { ShardBehaviour, ShardOptions, ShardToParent, WakeTransport } from "./fleet-shard-types.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../../..");

export interface ShardedFleetOptions {
  readonly serverBase: string;
  readonly devices: number;
  readonly perProcess: number;
  readonly wake: WakeTransport;
  readonly mqttUrl: string;
  readonly behaviour: ShardBehaviour;
  /** Most HTTP connections to the DM Server over all processes. */
  readonly connections: number;
  /** Options for each simulator process's node (`--cpu-prof`, which NODE_OPTIONS may not carry). */
  readonly nodeArgs?: readonly string[];
  /** Load the simulator from the built packages (dist/) instead of the sources. */
  readonly built?: boolean;
}

export interface ShardedFleet {
  readonly processes: number;
  /** Every device in DevID-number order (device i has number i + 1), with where it listens. */
  readonly devices: readonly ListeningDevice[];
  /** Sessions open now, over all processes (as last reported, every 20 ms). */
  open(): number;
  /** Called with each device whose session completed. */
  onCompleted(listener: (devId: string) => void): void;
  /** Called with each device whose session was refused with 503 (admission control): not served, not failed. */
  onRefused(listener: (devId: string) => void): void;
  /** Resident set after the devices started, per process, bytes. */
  readonly startRss: readonly number[];
  /** Heap per idle device before any session, per process, bytes (fleet-shard.ts). */
  readonly idleBytesPerDevice: readonly number[];
  /** CPU time of all simulator processes once their devices listened (what starting them took), ms. */
  readonly startCpuMs: number;
  /**
   * The counters of all processes added up, each process's peak resident set (MB), the most live clients, and the
   * heap per idle device once the devices rest again after their sessions, per process.
   */
  stats(): Promise<{
    stats: FleetStats;
    peakRssMb: number[];
    peakLive: number;
    idleBytesPerDevice: number[];
    /** CPU time of all simulator processes so far, ms. */
    cpuMs: number;
  }>;
  stop(): Promise<void>;
}

/**
 * Each simulator process's node: --expose-gc for the heap per device (fleet-shard.ts), and a young generation
 * large enough that a session's garbage dies young. With V8's default (16 MB semi-spaces) the objects of the few
 * hundred clients in a session at once outlive a scavenge, are promoted, and die in the old generation: the
 * profile showed about 30 % of the simulator's CPU in the garbage collector.
 */
const SHARD_NODE_ARGS = ["--expose-gc", "--max-semi-space-size=64"];

/**
 * The old generation a simulator process may grow to, MB: a device keeps about 6 KB after its session, so a few
 * hundred thousand devices in one process need more than V8's default on a small machine; never below 4 GB.
 */
function oldSpaceMb(perProcess: number): number {
  return Math.max(4096, Math.ceil((perProcess * 10 * 1024) / 1048576) + 512);
}

export const DEVID_PATTERN = "IMEI:35900000{n:07}";

interface Shard {
  readonly child: ChildProcess;
  open: number;
  readonly waiters: ((m: ShardToParent) => void)[];
}

function nextMessage(shard: Shard, type: ShardToParent["type"]): Promise<ShardToParent> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => {
      reject(new Error(`a simulator process exited (${code}) while the bench waited for "${type}"`));
    };
    shard.child.once("exit", onExit);
    shard.waiters.push((m) => {
      shard.child.off("exit", onExit);
      resolve(m);
    });
  });
}

/**
 * The fleet's devices in an order that takes turns between the processes (the first of each, then the second of
 * each, …). Each process holds a contiguous block of numbers and only its share of the connections, so waking in
 * number order would keep one process busy at a time, with a tenth of the connections, and stall at each block's
 * end while the next one warms up.
 */
export function acrossProcesses<T>(devices: readonly T[], perProcess: number): T[] {
  const processes = Math.ceil(devices.length / perProcess);
  const out: T[] = [];
  for (let i = 0; i < perProcess; i++) {
    for (let p = 0; p < processes; p++) {
      const d = devices[p * perProcess + i];
      if (d !== undefined) out.push(d);
    }
  }
  return out;
}

export async function startShardedFleet(o: ShardedFleetOptions): Promise<ShardedFleet> {
  const processes = Math.ceil(o.devices / o.perProcess);
  const topicPrefix = `omadm-bench/${randomBytes(6).toString("hex")}`;
  const listeners: ((devId: string) => void)[] = [];
  const refusedListeners: ((devId: string) => void)[] = [];
  const shards: Shard[] = [];
  // Every device in number order, filled once all processes are ready (no progress comes before).
  const devices: ListeningDevice[] = [];
  const devIdOf = (n: number): string => devices[n - 1]?.devId ?? `device #${n}`;
  for (let p = 0; p < processes; p++) {
    const first = p * o.perProcess + 1;
    const options: ShardOptions = {
      serverBase: o.serverBase,
      devIdPattern: DEVID_PATTERN,
      first,
      devices: Math.min(o.perProcess, o.devices - first + 1),
      wake: o.wake,
      mqttUrl: o.mqttUrl,
      topicPrefix,
      behaviour: o.behaviour,
      connections: Math.max(8, Math.ceil(o.connections / processes)),
    };
    const child = spawn(
      process.execPath,
      [
        ...(o.nodeArgs ?? []),
        ...SHARD_NODE_ARGS,
        `--max-old-space-size=${oldSpaceMb(o.perProcess)}`,
        ...sourceLoaderArgs(o.built === true),
        join(HERE, "fleet-shard.ts"),
      ],
      { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" },
    );
    const shard: Shard = { child, open: 0, waiters: [] };
    child.on("message", (raw: unknown) => {
      const m = raw as ShardToParent;
      if (m.type === "progress") {
        shard.open = m.open;
        for (const n of m.completed) for (const l of listeners) l(devIdOf(n));
        for (const n of m.refused) for (const l of refusedListeners) l(devIdOf(n));
        return;
      }
      shard.waiters.shift()?.(m);
    });
    child.send(options);
    shards.push(shard);
  }
  const stop = async (): Promise<void> => {
    await Promise.all(
      shards.map(async (s) => {
        if (s.child.exitCode !== null || !s.child.connected) return;
        const exited = new Promise<void>((resolve) =>
          s.child.once("exit", () => {
            resolve();
          }),
        );
        s.child.send({ type: "stop" });
        const timer = setTimeout(() => s.child.kill("SIGKILL"), 60_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  const ready = await Promise.allSettled(shards.map((s) => nextMessage(s, "ready")));
  const startRss: number[] = [];
  const idleBytesPerDevice: number[] = [];
  const problems: string[] = [];
  let startCpuMs = 0;
  // Whatever fails here, the simulator processes are stopped: else they keep this process (and the bench lock).
  try {
    for (const r of ready) {
      if (r.status === "rejected") problems.push(String(r.reason));
      else if (r.value.type === "failed") problems.push(r.value.message);
      else if (r.value.type === "ready") {
        // One at a time: spreading a few hundred thousand arguments overflows the stack.
        for (const d of r.value.devices) devices.push(d);
        startRss.push(r.value.rss);
        idleBytesPerDevice.push(r.value.idleBytesPerDevice);
        startCpuMs += r.value.cpuMs;
      }
    }
    if (problems.length > 0) throw new Error(`simulator processes failed to start: ${problems.join("; ")}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    processes,
    devices,
    startRss,
    idleBytesPerDevice,
    startCpuMs,
    open: () => shards.reduce((n, s) => n + s.open, 0),
    onCompleted: (l) => listeners.push(l),
    onRefused: (l) => refusedListeners.push(l),
    async stats() {
      const stats = new FleetStats();
      const peaks: number[] = [];
      let peakLive = 0;
      let cpuMs = 0;
      const idle: number[] = [];
      for (const s of shards) {
        const answer = nextMessage(s, "stats");
        s.child.send({ type: "stats" });
        const m = await answer;
        if (m.type !== "stats") throw new Error(`a simulator process answered ${m.type} to stats`);
        stats.errors += m.errors;
        for (const [ms, n] of m.buckets) stats.record(ms, n);
        // Each process's own peak, added up: at most the fleet's.
        peakLive += m.peakLive;
        idle.push(m.idleBytesPerDevice);
        cpuMs += m.cpuMs;
        peaks.push(peakRssMb(s.child.pid));
      }
      return { stats, peakRssMb: peaks, peakLive, idleBytesPerDevice: idle, cpuMs };
    },
    stop,
  };
}

/** Lines per import request: each request ends well within the server's `http.requestTimeoutMs` under load. */
const IMPORT_REQUEST_LINES = 20_000;

/**
 * Registers the fleet with the server in bulk (`POST /api/v1/devices/import`), IMPORT_REQUEST_LINES a request;
 * throws unless every device was created.
 */
export async function registerFleet(
  serverBase: string,
  devices: readonly ListeningDevice[],
  labels: Readonly<Record<string, string>>,
): Promise<void> {
  const template = templateFor(serverBase);
  for (let i = 0; i < devices.length; i += IMPORT_REQUEST_LINES) {
    const part = devices.slice(i, i + IMPORT_REQUEST_LINES);
    const report = await uploadImport({
      baseUrl: serverBase,
      contentType: "application/x-ndjson",
      body: registrationLines(template, part, { udpHost: "127.0.0.1", labels }),
    });
    if (report.created !== part.length)
      throw new Error(
        `import created ${report.created} of ${part.length}: ${JSON.stringify(report.errors.slice(0, 3))}`,
      );
  }
}
