// The bench's handle on a target process (target-child.ts): forks it under tsx (from the sources, or the build
// with --built), starts the DM Server or the ceiling in it, and turns the IPC channel into promises. If the process
// dies, every pending and later call rejects with a message that says so, and the run stops (a benchmark of a dead
// server is worthless).
import { fork, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceLoaderArgs } from "../../../test-support/source-loader.js";
import type { ChildMessage, RequestBody, Synchronous, TargetKind, TargetReport } from "./target-ipc.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

export interface TargetSpec {
  readonly target: TargetKind;
  readonly deviceIds: readonly string[];
  readonly synchronous: Synchronous;
  /** omadm on PostgreSQL at this URL instead of SQLite. */
  readonly postgresUrl?: string | undefined;
  /** On PostgreSQL: the store's pool size (undefined: the store's default). */
  readonly pgConnections?: number | undefined;
  /** Write a V8 CPU profile of the target process into this directory (node --cpu-prof). */
  readonly cpuProfDir?: string | undefined;
  /** Time each SQLite statement inside the measured window. */
  readonly statements?: boolean | undefined;
  /** Write a sampling heap profile of the measured window into this directory. */
  readonly heapProfDir?: string | undefined;
  /** Load omadm from the built packages (dist/) instead of the sources. */
  readonly built?: boolean | undefined;
}

export interface TargetProcess {
  readonly baseUrl: string;
  readonly pid: number;
  refill(deviceId: string): Promise<void>;
  /** Marks the start or end of the measured window (the target notes its CPU time). */
  mark(edge: "window-start" | "window-end"): Promise<void>;
  report(): Promise<TargetReport>;
  /** Stops the server, closes its store, lets the process end; returns the last figures. */
  stop(): Promise<TargetReport>;
  /** Ends the process at once (after a failure). */
  kill(): void;
}

type Pending = { resolve: (r: TargetReport | null) => void; reject: (e: Error) => void };

export async function startTarget(spec: TargetSpec): Promise<TargetProcess> {
  const execArgv = sourceLoaderArgs(spec.built === true);
  if (spec.cpuProfDir !== undefined) execArgv.push("--cpu-prof", `--cpu-prof-dir=${spec.cpuProfDir}`);
  // cwd = this folder, so that `--import tsx` resolves from the workspace's node_modules.
  const child: ChildProcess = fork(join(HERE, "target-child.ts"), [], {
    cwd: HERE,
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let dead: Error | null = null;
  /** The target's temp data dir: removed here when the process is killed (it cannot clean up itself). */
  let dataDir: string | null = null;

  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the ${spec.target} target did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.on("message", (m: ChildMessage) => {
      if (m.kind === "ready") {
        clearTimeout(timer);
        dataDir = m.dataDir;
        resolve(m.baseUrl);
      } else if (m.kind === "failed") {
        clearTimeout(timer);
        reject(new Error(`the ${spec.target} target failed to start: ${m.message}`));
      } else {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.ok) p?.resolve(m.report);
        else p?.reject(new Error(`the ${spec.target} target failed: ${m.message}`));
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      dead = new Error(`the ${spec.target} target process exited (code ${code ?? "none"}, signal ${signal ?? "none"})`);
      reject(dead);
      for (const p of pending.values()) p.reject(dead);
      pending.clear();
    });
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );

  const call = (body: RequestBody): Promise<TargetReport | null> =>
    new Promise((resolve, reject) => {
      if (dead !== null) {
        reject(dead);
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ kind: "request", id, body });
    });

  child.send({
    kind: "start",
    target: spec.target,
    deviceIds: spec.deviceIds,
    synchronous: spec.synchronous,
    postgresUrl: spec.postgresUrl,
    pgConnections: spec.pgConnections,
    statements: spec.statements,
    heapProfDir: spec.heapProfDir,
  });
  let baseUrl: string;
  try {
    baseUrl = await ready;
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const needReport = (r: TargetReport | null): TargetReport => {
    if (r === null) throw new Error(`the ${spec.target} target sent no report`);
    return r;
  };
  return {
    baseUrl,
    pid: child.pid ?? -1,
    refill: async (deviceId) => {
      await call({ op: "refill", deviceId });
    },
    mark: async (edge) => {
      await call({ op: edge });
    },
    report: async () => needReport(await call({ op: "report" })),
    async stop() {
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      try {
        const last = needReport(await call({ op: "stop" }));
        await exited;
        return last;
      } catch (error) {
        // Stopped by force: the process could not remove its data dir.
        if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      child.kill("SIGKILL");
      void exited.then(() => {
        if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
      });
    },
  };
}
