// `npm run bench:server`: a load benchmark of the DM Server.
//
// Simulated devices (undici Pools, many devices per process) run complete server-initiated-style sessions —
// Package#1 → Package#2 with CONT and three commands → Package#3 → Package#2 END — against the real server
// (createOmadmServer over a SQLite store in a temp data dir, logging off) for a fixed time, and then the same
// load (same bodies, same request sequence, same pools) against a bare node:http server answering canned
// Package#2s: the ceiling. Each target runs in its own process (target-child.ts) so its memory is its own;
// the devices run here. Before each session the device's three commands are queued through the store, in the
// server process, one `commands.enqueue` each: outside the session's latency, inside the server's CPU budget.
//
// Prints sessions per second, p50/p99 session latency, server memory (end and peak), sessions and errors, the
// ratios omadm / ceiling, and where each target's tail comes from: its event loop's delay, its GC pauses, and
// the p50/p99 of each exchange of a session (and of the enqueue before it). Exits 1 with the reason if any answer
// is unexpected or a target dies.
import { cpus, loadavg } from "node:os";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseBenchArgs, SyncChoice, type BenchArgs } from "./bench-args.js";
import { checkWireConstants } from "./bench-packages.js";
import { benchCommands } from "./bench-wire.js";
import { runLoad, type LoadResult } from "./session-load.js";
import { Synchronous, TargetKind, type TargetReport } from "./target-ipc.js";
import { startTarget, type TargetSpec } from "./target-process.js";
import { printStatements } from "./statement-report.js";
import { LONG_DELAY_MS } from "./loop-monitor.js";
import { errorMessage } from "@omadm/protocol";

interface Run {
  readonly label: string;
  readonly spec: TargetSpec;
}

interface Figures {
  readonly label: string;
  readonly kind: TargetKind;
  readonly load: LoadResult;
  readonly report: TargetReport;
  readonly sessionsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

const MB = 1024 * 1024;

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function plannedRuns(args: BenchArgs, deviceIds: readonly string[]): Run[] {
  const runs: Run[] = [];
  const omadm = (synchronous: Synchronous): TargetSpec => ({
    target: TargetKind.Omadm,
    deviceIds,
    synchronous,
    cpuProfDir: args.cpuProf,
    statements: args.statements,
    heapProfDir: args.heapProf,
    built: args.built,
  });
  if (args.postgresUrl !== undefined) {
    const label = `omadm, PostgreSQL${args.pgConnections === undefined ? "" : `, pool ${args.pgConnections}`}`;
    const spec = { ...omadm(Synchronous.Full), postgresUrl: args.postgresUrl, pgConnections: args.pgConnections };
    runs.push({ label, spec });
  } else if (args.sync !== SyncChoice.Normal)
    runs.push({ label: "omadm, SQLite FULL (default)", spec: omadm(Synchronous.Full) });
  if (args.postgresUrl === undefined && args.sync !== SyncChoice.Full) {
    runs.push({ label: "omadm, SQLite NORMAL (store option)", spec: omadm(Synchronous.Normal) });
  }
  runs.push({
    label: "ceiling, bare node:http",
    spec: { target: TargetKind.Ceiling, deviceIds, synchronous: Synchronous.Full },
  });
  return runs;
}

async function measure(run: Run, args: BenchArgs): Promise<Figures> {
  const target = await startTarget(run.spec);
  let load: LoadResult;
  try {
    load = await runLoad({
      baseUrl: target.baseUrl,
      deviceIds: run.spec.deviceIds,
      concurrency: args.concurrency,
      pools: args.pools,
      warmupMs: args.warmup * 1000,
      measureMs: args.seconds * 1000,
      expected: benchCommands(target.baseUrl),
      refill: (deviceId) => target.refill(deviceId),
      onWindow: (edge) => target.mark(edge),
    });
  } catch (error) {
    target.kill();
    throw error;
  }
  if (load.failure !== null) {
    target.kill();
    throw new Error(`${run.label}: ${load.errors} failed session(s); first: ${load.failure.message}`);
  }
  const report = await target.stop();
  if (report.store !== null) checkStore(run.label, report, load.sessionsTotal);
  return {
    label: run.label,
    kind: run.spec.target,
    load,
    report,
    sessionsPerSecond: load.sessionsInWindow / (load.windowMs / 1000),
    p50: percentile(load.latenciesMs, 0.5),
    p99: percentile(load.latenciesMs, 0.99),
  };
}

/** Every completed session must have left exactly its three commands done and its session ended. */
function checkStore(label: string, report: TargetReport, sessions: number): void {
  const c = report.store?.commandsByState ?? {};
  const s = report.store?.sessionsByStatus ?? {};
  const problems: string[] = [];
  for (const [state, n] of Object.entries(c)) {
    const want = state === "done" ? 3 * sessions : 0;
    if (n !== want) problems.push(`${n} commands ${state} (expected ${want})`);
  }
  for (const [status, n] of Object.entries(s)) {
    const want = status === "ended" ? sessions : 0;
    if (n !== want) problems.push(`${n} sessions ${status} (expected ${want})`);
  }
  if (problems.length > 0) {
    throw new Error(`${label}: the store does not account for the ${sessions} sessions run: ${problems.join(", ")}`);
  }
}

function row(cells: readonly string[]): string {
  const widths = [38, 11, 9, 9, 10, 7, 18, 18];
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 10) : c.padStart(widths[i] ?? 10))).join("");
}

function print(args: BenchArgs, all: readonly Figures[]): void {
  const mb = (n: number) => (n / MB).toFixed(0);
  console.log(
    row(["target", "sessions/s", "p50 ms", "p99 ms", "sessions", "errors", "RSS end/peak MB", "heap end/peak MB"]),
  );
  for (const f of all) {
    const m = f.report.memory;
    console.log(
      row([
        f.label,
        f.sessionsPerSecond.toFixed(1),
        f.p50.toFixed(1),
        f.p99.toFixed(1),
        String(f.load.sessionsInWindow),
        String(f.load.errors),
        `${mb(m.rssBytes)} / ${mb(m.peakRssBytes)}`,
        `${mb(m.heapUsedBytes)} / ${mb(m.peakHeapUsedBytes)}`,
      ]),
    );
  }
  const ceiling = all.find((f) => f.kind === TargetKind.Ceiling);
  for (const f of all) {
    if (f.kind !== TargetKind.Omadm) continue;
    if (ceiling !== undefined) {
      console.log(
        `ratio ${f.label} / ceiling: sessions/s ${(f.sessionsPerSecond / ceiling.sessionsPerSecond).toFixed(3)}, ` +
          `p50 latency ${(f.p50 / ceiling.p50).toFixed(1)}x, p99 latency ${(f.p99 / ceiling.p99).toFixed(1)}x`,
      );
    }
  }
  console.log("CPU inside the measured window (user + system):");
  for (const f of all) {
    const windowMs = f.load.windowMs;
    const server = f.report.windowCpuMs ?? Number.NaN;
    const perSession = (ms: number) => (f.load.sessionsInWindow === 0 ? Number.NaN : ms / f.load.sessionsInWindow);
    console.log(
      `  ${f.label.padEnd(36)} server ${perSession(server).toFixed(2)} ms/session ` +
        `(${((100 * server) / windowMs).toFixed(0)}% of a core); devices ${perSession(f.load.clientCpuMs).toFixed(2)} ` +
        `ms/session (${((100 * f.load.clientCpuMs) / windowMs).toFixed(0)}% of a core)`,
    );
  }
  printTail(all);
  for (const f of all) {
    const counts = f.report.windowStore;
    if (counts === null || f.load.sessionsInWindow === 0) continue;
    const n = f.load.sessionsInWindow;
    const what = f.label.includes("PostgreSQL") ? "round trips" : "statements";
    console.log(
      `  ${f.label.padEnd(36)} store ${(counts.statements / n).toFixed(1)} ${what}/session, ` +
        `${(counts.commits / n).toFixed(3)} commits/session (3 enqueues + 2 packages + 1 lookup per session)`,
    );
    if (counts.lockWaits !== undefined) {
      console.log(
        `  ${f.label.padEnd(36)} write lock held by another connection (the checkpoint worker): ` +
          `${counts.lockWaits} waits, ${(counts.lockWaitMs ?? 0).toFixed(0)} ms in all`,
      );
    }
    if (counts.backendCpuMs !== undefined) {
      console.log(
        `  ${f.label.padEnd(36)} PostgreSQL backends ${(counts.backendCpuMs / n).toFixed(2)} ms CPU/session ` +
          `(${((100 * counts.backendCpuMs) / f.load.windowMs).toFixed(0)}% of a core)`,
      );
    }
  }
  for (const f of all) {
    if (f.report.windowStatements !== null) {
      printStatements(
        f.label,
        f.report.windowStatements,
        f.load.sessionsInWindow,
        f.report.windowCpuMs,
        f.label.includes("PostgreSQL"),
      );
    }
  }
  for (const f of all) {
    if (f.kind !== TargetKind.Omadm) continue;
    console.log(
      `${f.label}: store checked after ${f.load.sessionsTotal} sessions (warm-up included): ` +
        `${3 * f.load.sessionsTotal} commands done, ${f.load.sessionsTotal} sessions ended, nothing else; ` +
        `${f.report.refills} × 3 commands queued through the store (store.commands.enqueue, 3 calls per session) ` +
        "in the server process, outside session latency",
    );
  }
}

/** What held each target's event loop inside the measured window: its delay, and the collector's pauses. */
function printTail(all: readonly Figures[]): void {
  console.log("event loop and GC inside the measured window (loop delay: how late a 1 ms timer fired):");
  for (const f of all) {
    const loop = f.report.windowLoop;
    const gc = f.report.windowGc;
    if (loop === null || gc === null) continue;
    const kinds = Object.entries(gc.byKind)
      .map(([kind, k]) => `${kind} ${k.count} / ${k.totalMs.toFixed(0)} ms`)
      .join(", ");
    console.log(
      `  ${f.label.padEnd(36)} loop delay p50 ${loop.p50Ms.toFixed(1)} ms, p99 ${loop.p99Ms.toFixed(1)} ms, ` +
        `max ${loop.maxMs.toFixed(1)} ms, ~${loop.longDelays} over ${LONG_DELAY_MS} ms; GC ${gc.count} pauses, ` +
        `${gc.totalMs.toFixed(0)} ms (${((100 * gc.totalMs) / f.load.windowMs).toFixed(1)}% of the window), ` +
        `max ${gc.maxMs.toFixed(1)} ms (${kinds})`,
    );
  }
  console.log(
    "a session's parts (p50 / p99 ms): each exchange, and the commands queued before it, outside its latency:",
  );
  for (const f of all) {
    const part = (name: string, sorted: readonly number[]) =>
      `${name} ${percentile(sorted, 0.5).toFixed(1)} / ${percentile(sorted, 0.99).toFixed(1)}`;
    const { package1, package3, refill } = f.load.partsMs;
    console.log(
      `  ${f.label.padEnd(36)} ${part("Package#1 → Package#2", package1)}, ${part("Package#3 → Package#2", package3)}, ` +
        part("queueing 3 commands", refill),
    );
  }
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(errorMessage(error));
    return 2;
  }
  checkWireConstants();
  for (const key of ["cpuProf", "heapProf"] as const) {
    const dir = args[key];
    if (dir === undefined) continue;
    args = { ...args, [key]: resolve(dir) };
    mkdirSync(resolve(dir), { recursive: true });
  }
  const deviceIds = Array.from({ length: args.devices }, (_, i) => `IMEI:35${String(i).padStart(13, "0")}`);
  const [load1 = 0] = loadavg();
  console.log(
    `omadm server benchmark — node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} CPUs, ` +
      `load average ${load1.toFixed(1)} at start`,
  );
  console.log(
    `${args.devices} devices, ${args.concurrency} concurrent sessions over ${Math.min(args.pools, args.concurrency)} ` +
      `undici pools, ${args.warmup} s warm-up + ${args.seconds} s measured per target; session = P1 → P2(CONT+3) → ` +
      `P3(4 statuses) → P2(END); each target in its own process, devices in this one`,
  );
  const all: Figures[] = [];
  for (const run of plannedRuns(args, deviceIds)) {
    try {
      all.push(await measure(run, args));
    } catch (error) {
      console.error(`bench:server FAILED — ${errorMessage(error)}`);
      return 1;
    }
  }
  print(args, all);
  if (args.cpuProf !== undefined) console.log(`CPU profiles of the omadm server processes: ${args.cpuProf}`);
  if (args.heapProf !== undefined) console.log(`heap profiles of the omadm measured windows: ${args.heapProf}`);
  return 0;
}

process.exitCode = await main();
