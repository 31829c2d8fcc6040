// A target process of `npm run bench:server` (forked by target-process.ts): either the real DM Server
// (createOmadmServer over a SQLite store in a fresh temp data dir, logging off) or the bare node:http ceiling.
// It answers the bench's requests over IPC: queue the next session's three commands for a device, report
// memory (and, for omadm, what the store holds), stop. Memory is sampled every 50 ms for the peak; inside the
// measured window the event loop's delay and the GC pauses are watched too (loop-monitor.ts).
import { startCeilingServer } from "./ceiling-server.js";
import type { RunningTarget } from "./omadm-target.js";
import type {
  ChildMessage,
  GcFigures,
  LoopFigures,
  ParentMessage,
  RequestBody,
  StartMessage,
  StatementTime,
  StoreCounts,
  TargetReport,
} from "./target-ipc.js";
import { TargetKind } from "./target-ipc.js";
import { startLoopMonitor, type LoopMonitor } from "./loop-monitor.js";
import { startHeapSampler, type HeapSampler } from "./heap-sampler.js";
import { errorMessage } from "@omadm/protocol";

const HOST = "127.0.0.1";

const peak = { rss: 0, heapUsed: 0 };
function sample(): NodeJS.MemoryUsage {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  return m;
}
const sampler = setInterval(sample, 50);
sampler.unref();

let running: RunningTarget | null = null;
let refills = 0;
let windowStart: NodeJS.CpuUsage | null = null;
let windowCpuMs: number | null = null;
let storeAtStart: StoreCounts | null = null;
let windowStore: StoreCounts | null = null;
let timeStatements = false;
let windowStatements: readonly StatementTime[] | null = null;
let monitor: LoopMonitor | null = null;
let heapProfDir: string | undefined;
let heapSampler: HeapSampler | null = null;
let windowLoop: LoopFigures | null = null;
let windowGc: GcFigures | null = null;

/** A counter's growth inside the window (undefined where the store has no such counter). */
function since(end: number | undefined, start: number | undefined): number | undefined {
  return end === undefined ? undefined : end - (start ?? 0);
}

function send(message: ChildMessage, then?: () => void): void {
  process.send?.(message, undefined, undefined, () => then?.());
}

async function startOmadm(start: StartMessage): Promise<RunningTarget> {
  // Loaded only here, so that the ceiling process never loads the server (its memory stays a bare server's).
  const { startOmadmTarget } = await import("./omadm-target.js");
  timeStatements = start.statements === true;
  heapProfDir = start.heapProfDir;
  return startOmadmTarget(HOST, start.deviceIds, start.synchronous, start.postgresUrl, start.pgConnections);
}

async function startCeiling(): Promise<RunningTarget> {
  const ceiling = await startCeilingServer(HOST);
  return {
    baseUrl: ceiling.baseUrl,
    dataDir: null,
    refill: () => Promise.resolve(),
    storeFigures: () => Promise.resolve(null),
    analyze: () => Promise.resolve(),
    storeCounts: () => Promise.resolve(null),
    timeStatements: () => null,
    close: () => ceiling.close(),
  };
}

async function report(): Promise<TargetReport> {
  const now = sample();
  return {
    memory: {
      rssBytes: now.rss,
      heapUsedBytes: now.heapUsed,
      peakRssBytes: Math.max(peak.rss, process.resourceUsage().maxRSS * 1024),
      peakHeapUsedBytes: peak.heapUsed,
    },
    windowCpuMs,
    windowStore,
    windowStatements,
    windowLoop,
    windowGc,
    refills,
    store: running === null ? null : await running.storeFigures(),
  };
}

async function handle(body: RequestBody): Promise<TargetReport | null> {
  if (running === null) throw new Error("the target has not started");
  switch (body.op) {
    case "refill":
      await running.refill(body.deviceId);
      refills++;
      return null;
    case "window-start":
      storeAtStart = await running.storeCounts();
      if (timeStatements) running.timeStatements(true);
      if (heapProfDir !== undefined) heapSampler = await startHeapSampler(heapProfDir, "omadm");
      windowStart = process.cpuUsage();
      monitor = startLoopMonitor();
      return null;
    case "window-end": {
      const used = process.cpuUsage(windowStart ?? undefined);
      windowCpuMs = (used.user + used.system) / 1000;
      const watched = monitor?.stop();
      monitor = null;
      windowLoop = watched?.loop ?? null;
      windowGc = watched?.gc ?? null;
      await heapSampler?.stop();
      heapSampler = null;
      if (timeStatements) windowStatements = running.timeStatements(false);
      const end = await running.storeCounts();
      windowStore =
        end === null || storeAtStart === null
          ? null
          : {
              statements: end.statements - storeAtStart.statements,
              commits: end.commits - storeAtStart.commits,
              backendCpuMs: since(end.backendCpuMs, storeAtStart.backendCpuMs),
              lockWaits: since(end.lockWaits, storeAtStart.lockWaits),
              lockWaitMs: since(end.lockWaitMs, storeAtStart.lockWaitMs),
            };
      return null;
    }
    case "report":
      return report();
    case "stop": {
      const figures = await report();
      await running.close();
      running = null;
      clearInterval(sampler);
      return figures;
    }
  }
}

process.on("message", (raw: ParentMessage) => {
  if (raw.kind === "start") {
    const starting = raw.target === TargetKind.Omadm ? startOmadm(raw) : startCeiling();
    starting.then(
      (r) => {
        running = r;
        send({ kind: "ready", baseUrl: r.baseUrl, dataDir: r.dataDir });
      },
      (error: unknown) => {
        send({ kind: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      },
    );
    return;
  }
  const { id, body } = raw;
  handle(body).then(
    (value) => {
      // After `stop` the channel is let go, so the process ends once its last reply is out.
      send(
        { kind: "reply", id, ok: true, report: value },
        body.op === "stop"
          ? () => {
              process.disconnect();
            }
          : undefined,
      );
    },
    (error: unknown) => {
      send({ kind: "reply", id, ok: false, message: errorMessage(error) });
    },
  );
});
