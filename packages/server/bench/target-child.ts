// A target process of `npm run bench:server` (forked by target-process.ts): either the real DM Server
// (createOmadmServer over a SQLite store in a fresh temp data dir, logging off) or the bare node:http ceiling.
// It answers the bench's requests over IPC: queue the next session's three commands for a device, report
// memory (and, for omadm, what the store holds), stop. Memory is sampled every 50 ms for the peak.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOmadmServer, type OmadmServer } from "../src/app.js";
import { loadServerConfig } from "../src/config.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { CommandState } from "../src/store/types.js";
import { SessionStatus } from "../src/store/types-session.js";
import { benchCommands, type BenchCommand } from "./bench-packages.js";
import { startCeilingServer } from "./ceiling-server.js";
import type {
  ChildMessage,
  ParentMessage,
  RequestBody,
  StartMessage,
  StoreFigures,
  TargetReport,
} from "./target-ipc.js";
import { TargetKind } from "./target-ipc.js";

const HOST = "127.0.0.1";

interface Running {
  readonly baseUrl: string;
  readonly dataDir: string | null;
  refill(deviceId: string): Promise<void>;
  storeFigures(): Promise<StoreFigures | null>;
  close(): Promise<void>;
}

const peak = { rss: 0, heapUsed: 0 };
function sample(): NodeJS.MemoryUsage {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  return m;
}
const sampler = setInterval(sample, 50);
sampler.unref();

let running: Running | null = null;
let refills = 0;
let windowStart: NodeJS.CpuUsage | null = null;
let windowCpuMs: number | null = null;

function send(message: ChildMessage, then?: () => void): void {
  process.send?.(message, undefined, undefined, () => then?.());
}

async function startOmadm(start: StartMessage): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), "omadm-bench-"));
  const clock = { now: () => Date.now() };
  const store = await openSqliteStore({ clock }, { dataDir, synchronous: start.synchronous });
  let server: OmadmServer | null = null;
  try {
    for (const id of start.deviceIds) await store.devices.create({ id });
    const loaded = loadServerConfig({ overrides: { listen: { host: HOST, port: 0 }, dataDir, logLevel: "silent" } });
    if (!loaded.ok) throw loaded.error;
    // No logger in deps: fastify's logger is off.
    server = createOmadmServer({ store, clock }, loaded.value);
    const { urls } = await server.start();
    const commands = benchCommands(urls.base);
    const started = server;
    return {
      baseUrl: urls.base,
      dataDir,
      refill: (deviceId) => queueThree(store, deviceId, commands),
      storeFigures: () => countStore(store),
      async close() {
        await started.stop();
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The next session's commands, queued through the store one by one, as the REST API's command service does
 * (three commits). Not in one `store.transaction`: its AsyncLocalStorage would switch on promise hooks for
 * the whole server process, which the DM path never does (measured: about +8% server CPU per session).
 */
async function queueThree(store: Store, deviceId: string, commands: readonly BenchCommand[]): Promise<void> {
  for (const c of commands) await store.commands.enqueue({ deviceId, name: c.name, params: c.params });
}

async function countStore(store: Store): Promise<StoreFigures> {
  const commandsByState: Record<string, number> = {};
  for (const state of Object.values(CommandState)) {
    commandsByState[state] = await countPages((cursor) => store.commands.list({ state, limit: 1000, cursor }));
  }
  const sessionsByStatus: Record<string, number> = {};
  for (const status of Object.values(SessionStatus)) {
    sessionsByStatus[status] = await countPages((cursor) => store.sessions.list({ status, limit: 1000, cursor }));
  }
  return { commandsByState, sessionsByStatus };
}

async function countPages(
  page: (cursor: string | undefined) => Promise<{ items: readonly unknown[]; nextCursor: string | null }>,
): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  for (;;) {
    const p = await page(cursor);
    n += p.items.length;
    if (p.nextCursor === null) return n;
    cursor = p.nextCursor;
  }
}

async function startCeiling(): Promise<Running> {
  const ceiling = await startCeilingServer(HOST);
  return {
    baseUrl: ceiling.baseUrl,
    dataDir: null,
    refill: () => Promise.resolve(),
    storeFigures: () => Promise.resolve(null),
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
      windowStart = process.cpuUsage();
      return null;
    case "window-end": {
      const used = process.cpuUsage(windowStart ?? undefined);
      windowCpuMs = (used.user + used.system) / 1000;
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
      send({ kind: "reply", id, ok: false, message: error instanceof Error ? error.message : String(error) });
    },
  );
});
