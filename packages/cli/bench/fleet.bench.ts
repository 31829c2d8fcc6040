// npm run bench:fleet -- --devices N [--store sqlite|postgres] [--workers W] [--wake mqtt|udp] [--per-process P]
//                         [--timeout s] [--cpu-prof DIR] [--sim-cpu-prof DIR] [--built]
//
// A whole fleet against a real server: starts `omadm server` (a child process, temp SQLite file or a fresh
// PostgreSQL database; `--workers W` runs W server processes on it, `omadm server --workers`), runs N simulated
// devices in child processes of P devices each (fleet-shards.ts; P by default: fleet-wake.ts), registers them in bulk
// (`POST /devices/import`), queues one GET each (`POST /commands/bulk`), and wakes them all through the API,
// paced by a window of in-flight wakes sized from the completion rate it measures, halved on a 503 from admission
// control (the device woken again after a back-off) and grown back (fleet-pacer.ts). Package#0
// goes through the real MQTT broker by default (`--wake mqtt`, topics under a prefix random per run; the server's
// `notifier.mqttUrl`), or to a UDP port per device (`--wake udp`).
// `--cpu-prof DIR` writes V8 CPU profiles of the server processes there, `--sim-cpu-prof DIR` those of the
// simulator processes; `--built` runs both from the built packages (dist/, after `npm run build`), which gives the
// profiles real line numbers. CPU is reported per session over the wake phase for the server processes (/proc), the
// simulator processes, and the local Mosquitto broker when one runs here (they share the machine's cores).
// Then it checks the store: every command done, none sent twice. Bounded by --timeout. Its last line:
//   fleet: N devices, T s, S sessions/s, p99 P ms, peak open sessions O, server RSS R MB
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { watchBackendCpu, type BackendCpu } from "../../../test-support/pg-backend-cpu.js";
import { standInForAutovacuum } from "./bench-vacuum.js";
import {
  api,
  closeAgent,
  cpuOf,
  cpuSince,
  createBenchDatabase,
  peakRssMb,
  pidsNamed,
  serverPids,
  startServer,
} from "./bench-server.js";
import { createPacer, PacerDeadline } from "./fleet-pacer.js";
import { acrossProcesses, registerFleet, startShardedFleet } from "./fleet-shards.js";
import { wakeArgs, wakeOptions } from "./fleet-wake.js";

/** How often the bench vacuums where the PostgreSQL server's autovacuum is off. */
const VACUUM_MS = 30_000;
const GET_URI = "urn:oma:mo:oma-dm-devinfo:1.2//DevID";
// The server child runs with its defaults: `dm.maxOpenSessions` per node, `http.retryAfterSeconds` (config-keys).
const MAX_OPEN_SESSIONS = 1000;
const RETRY_AFTER_SECONDS = 5;

const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "1000" },
    store: { type: "string", default: "sqlite" },
    workers: { type: "string", default: "1" },
    timeout: { type: "string", default: "900" },
    "cpu-prof": { type: "string" },
    "sim-cpu-prof": { type: "string" },
    built: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
    ...wakeOptions,
    "postgres-url": {
      type: "string",
      default: process.env["OMADM_TEST_PG_URL"] ?? "postgres://root@127.0.0.1:5432/test",
    },
  },
});
if (values.help) {
  // The usage is this file's opening comment.
  const own = readFileSync(new URL(import.meta.url), "utf8").split("\n");
  const end = own.findIndex((line) => !line.startsWith("//"));
  console.log(
    own
      .slice(0, end)
      .map((line) => line.replace(/^\/\/ ?/, ""))
      .join("\n"),
  );
  process.exit(0);
}
const N = Number(values.devices);
const deadline = performance.now() + Number(values.timeout) * 1000;
if (!Number.isInteger(N) || N < 1) throw new Error("--devices must be a positive integer");
if (values.store !== "sqlite" && values.store !== "postgres") throw new Error("--store sqlite|postgres");
const W = Number(values.workers);
if (!Number.isInteger(W) || W < 1 || W > 16) throw new Error("--workers must be a whole number from 1 to 16");
if (W > 1 && values.store !== "postgres") throw new Error("--workers above 1 needs --store postgres");
const wake = wakeArgs(values, N);

/** The heap per idle device the simulator processes measured: their mean, and the range. */
function bytesPerDevice(perProcess: readonly number[]): string {
  const mean = Math.round(perProcess.reduce((a, b) => a + b, 0) / perProcess.length);
  return `${mean} bytes (per process ${Math.min(...perProcess)} to ${Math.max(...perProcess)})`;
}

function backendLine(backends: BackendCpu, sessions: number, seconds: number): string {
  const ms = backends.usedMs();
  return (
    `postgres: its backends used ${(ms / sessions).toFixed(2)} ms CPU per session ` +
    `(${((100 * ms) / (seconds * 1000)).toFixed(0)}% of a core, ${backends.backends()} backends, the vacuum's included)`
  );
}

/** CPU per session over the wake phase: the server's processes, the simulator's and the local broker's. */
function cpuLine(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  broker: readonly number[],
  sessions: number,
  seconds: number,
  simulatorMs: number,
): string {
  const of = (inBroker: boolean) =>
    cpuSince(before, new Map([...after].filter(([pid]) => broker.includes(pid) === inBroker)));
  const part = (name: string, ms: number) =>
    `${name} ${(ms / sessions).toFixed(2)} ms (${((100 * ms) / (seconds * 1000)).toFixed(0)}% of a core)`;
  const parts = [part("server", of(false)), part("simulator", simulatorMs)];
  if (broker.length > 0) parts.push(part("mosquitto", of(true)));
  return `cpu per session, wake phase: ${parts.join(", ")}`;
}

async function checkStore(base: string, ids: ReadonlySet<string>): Promise<void> {
  const seen = new Set<string>();
  let cursor: string | null = null;
  do {
    const q: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const { json } = await api(base, "GET", `/commands?limit=1000${q}`);
    const page = json as { items: { deviceId: string; state: string; attempts: number }[]; nextCursor: string | null };
    for (const c of page.items) {
      if (c.state !== "done") throw new Error(`command for ${c.deviceId} is ${c.state}, not done`);
      if (c.attempts !== 1) throw new Error(`command for ${c.deviceId} was sent ${c.attempts} times`);
      if (seen.has(c.deviceId)) throw new Error(`${c.deviceId} has two commands`);
      seen.add(c.deviceId);
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (seen.size !== ids.size) throw new Error(`${seen.size} commands done for ${ids.size} devices`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "omadm-fleet-"));
  let args = ["--host", "127.0.0.1", "--port", "0", "--data-dir", dir, "--store", "sqlite"];
  const db = values.store === "postgres" ? await createBenchDatabase(values["postgres-url"], "omadm_fleet") : null;
  if (db !== null) {
    args = ["--host", "127.0.0.1", "--port", "0", "--store", "postgres", "--postgres-url", db.url];
    args.push("--workers", String(W));
  }
  const prof = values["cpu-prof"];
  const simProf = values["sim-cpu-prof"];
  const server = await startServer(
    args,
    wake.serverEnv,
    prof === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${prof}`],
    values.built,
  );
  let t = performance.now();
  const fleet = await startShardedFleet({
    serverBase: server.base,
    devices: N,
    perProcess: wake.perProcess,
    wake: wake.transport,
    mqttUrl: wake.mqttUrl,
    behaviour: { kind: "standard" },
    connections: 128,
    nodeArgs: simProf === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${simProf}`],
    built: values.built,
  }).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  // Where the PostgreSQL server runs without autovacuum, the bench vacuums in its place (bench-vacuum.ts).
  const stopVacuum = db === null ? () => Promise.resolve() : await standInForAutovacuum(db.url, VACUUM_MS, console.log);
  try {
    const simRss = fleet.startRss.reduce((a, b) => a + b, 0);
    console.log(
      `simulator: ${N} devices (wake ${wake.transport}) in ${fleet.processes} process${fleet.processes > 1 ? "es" : ""}, ` +
        `listening in ${((performance.now() - t) / 1000).toFixed(1)} s, RSS ${Math.round(simRss / 1048576)} MB ` +
        `(${Math.round(((simRss / N) * 10_000) / 1048576)} MB per 10k devices)`,
    );
    console.log(`simulator: heap per idle device before its first session ${bytesPerDevice(fleet.idleBytesPerDevice)}`);

    t = performance.now();
    await registerFleet(server.base, fleet.devices, { fleet: "bench" });
    const importS = (performance.now() - t) / 1000;
    console.log(`import: ${N} devices in ${importS.toFixed(2)} s (${Math.round(N / importS)} devices/s)`);

    t = performance.now();
    const ids = fleet.devices.map((d) => d.devId);
    for (let i = 0; i < ids.length; i += 1000) {
      const { status, json } = await api(server.base, "POST", "/commands/bulk", {
        command: ["GET", GET_URI],
        deviceIds: ids.slice(i, i + 1000),
        idempotencyKey: "bench-fleet-get",
      });
      const answer = json as { created: number };
      if (status !== 200 || answer.created !== Math.min(1000, ids.length - i))
        throw new Error(`bulk enqueue: ${status} ${JSON.stringify(json).slice(0, 300)}`);
    }
    const enqueueS = (performance.now() - t) / 1000;
    console.log(`enqueue: ${N} commands in ${enqueueS.toFixed(2)} s (${Math.round(N / enqueueS)}/s)`);

    let seconds10 = 0;
    const pacer = createPacer({
      // Woken taking turns between the simulator processes, so all of them (and their connections) work at once.
      deviceIds: acrossProcesses(ids, wake.perProcess),
      wake: async (id) => {
        const { status } = await api(server.base, "POST", `/devices/${encodeURIComponent(id)}/wake`, {});
        if (status !== 200) throw new Error(`wake ${id}: ${status}`);
      },
      budgetSeconds: 2,
      minWindow: 16,
      // The fleet's limit; the nodes fill unevenly, so 503s happen below it and the pacer absorbs them.
      maxWindow: W * MAX_OPEN_SESSIONS,
      retryAfterMs: 30_000,
      maxWakes: 4,
      backoffMs: RETRY_AFTER_SECONDS * 1000,
      maxRefusals: 60,
      deadlineMs: Math.max(1000, deadline - performance.now()),
      onSecond: (p) => {
        if (++seconds10 % 10 !== 0) return;
        console.log(
          `  ${seconds10} s: ${p.done} done, ${Math.round(p.rate)}/s, window ${p.window}, in flight ${p.inFlight}, ` +
            `waiting after 503 ${p.backlog}, refused ${p.refused}`,
        );
      },
    });
    let peakOpen = 0;
    const sampler = setInterval(() => {
      peakOpen = Math.max(peakOpen, fleet.open());
    }, 20);
    // PostgreSQL's backends for this database: their CPU while the fleet runs (sampled now and then, since a pool
    // may close an idle connection and its backend ends).
    const backends: BackendCpu | null = db === null ? null : await watchBackendCpu(db.url, { database: db.name });
    await backends?.sample();
    const backendSampler = setInterval(() => void backends?.sample().catch(() => undefined), 5000);
    backendSampler.unref();
    fleet.onCompleted((id) => {
      pacer.completed(id);
    });
    fleet.onRefused((id) => {
      pacer.refused(id);
    });
    // The local broker's CPU beside the server's, where the devices listen on MQTT and a broker runs here.
    const broker = wake.transport === "mqtt" ? pidsNamed("mosquitto") : [];
    const cpuAtWake = cpuOf([...serverPids(server), ...broker]);
    t = performance.now();
    const paced = await pacer.run().catch(async (error: unknown) => {
      // The samplers stop on every way out: a live interval would keep this process (and the bench lock) forever.
      clearInterval(sampler);
      clearInterval(backendSampler);
      if (!(error instanceof PacerDeadline)) throw error;
      // Bounded by --timeout: the rate so far, in the last line's shape, marked partial (no store check).
      const seconds = (performance.now() - t) / 1000;
      const partial = await fleet.stats();
      const s = partial.stats.snapshot();
      const cpuAtDeadline = cpuOf([...serverPids(server), ...broker]);
      console.log(cpuLine(cpuAtWake, cpuAtDeadline, broker, error.done, seconds, partial.cpuMs - fleet.startCpuMs));
      await backends?.sample();
      if (backends !== null) console.log(backendLine(backends, error.done, seconds));
      console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
      console.log(
        `fleet: ${N} devices, PARTIAL ${error.done} done at the --timeout, ${seconds.toFixed(1)} s, ` +
          `${(error.done / seconds).toFixed(1)} sessions/s, p99 ${s.p99Ms} ms, peak open sessions ${peakOpen}, ` +
          `server ${values.store} ${W} worker${W > 1 ? "s" : ""}`,
      );
      throw error;
    });
    const seconds = (performance.now() - t) / 1000;
    const cpuAfter = cpuOf([...serverPids(server), ...broker]);
    clearInterval(sampler);
    clearInterval(backendSampler);
    await backends?.sample();
    await backends?.close();
    const { stats, peakRssMb: simPeaks, peakLive, idleBytesPerDevice, cpuMs } = await fleet.stats();
    const s = stats.snapshot();
    console.log(
      `wakes: ${paced.wakes} (${paced.failedWakes} failed, ${paced.refused} refused with 503 and woken again), ` +
        `widest window ${paced.maxWindow}, ${s.errors - paced.refused} aborted sessions`,
    );
    await checkStore(server.base, new Set(ids));
    console.log("store: every command done, none sent twice");
    // With workers: the primary's and every worker's peak, added up.
    const serverRss = serverPids(server).reduce<number>((n, pid) => n + peakRssMb(pid), 0);
    const simPeak = simPeaks.reduce((a, b) => a + b, 0);
    console.log(
      `simulator peak RSS: ${simPeak} MB in ${fleet.processes} process${fleet.processes > 1 ? "es" : ""} ` +
        `(${Math.round((simPeak / N) * 10_000)} MB per 10k devices, largest process ${Math.max(...simPeaks)} MB), ` +
        `at most ${peakLive} live clients`,
    );
    console.log(
      `simulator: heap per idle device after its session ${bytesPerDevice(idleBytesPerDevice)}, ` +
        `CPU ${(cpuMs / N).toFixed(2)} ms per device (start and session), ` +
        `start ${(fleet.startCpuMs / N).toFixed(2)} ms, wake phase ${((cpuMs - fleet.startCpuMs) / N).toFixed(2)} ms`,
    );
    console.log(cpuLine(cpuAtWake, cpuAfter, broker, N, seconds, cpuMs - fleet.startCpuMs));
    console.log(`server: ${values.store}, ${W} worker process${W > 1 ? "es" : ""}, wake ${wake.transport}`);
    if (backends !== null) console.log(backendLine(backends, N, seconds));
    console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    console.log(
      `fleet: ${N} devices, ${seconds.toFixed(1)} s, ${(N / seconds).toFixed(1)} sessions/s, p99 ${s.p99Ms} ms, ` +
        `peak open sessions ${peakOpen}, server RSS ${serverRss} MB`,
    );
  } finally {
    await stopVacuum();
    await fleet.stop();
    await server.stop();
    closeAgent();
    await rm(dir, { recursive: true, force: true });
    await db?.drop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:fleet failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
