// What the fleet and campaign benches share: the server child (`omadm server` from the sources, fleet-server.ts)
// started and stopped, the REST API over one keep-alive agent, the device template with the server's URL, and the
// peak resident set of a process.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDeviceConfig, type DeviceConfig } from "@omadm/client";
import pg from "pg";
import { processCpuMs } from "../../../test-support/pg-backend-cpu.js";
import { sourceLoaderArgs } from "../../../test-support/source-loader.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../../..");

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}/api/v1${path}`,
      { method, agent, headers: text === undefined ? {} : { "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, json: raw === "" ? null : (JSON.parse(raw) as unknown) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

export interface Server {
  readonly child: ChildProcess;
  readonly base: string;
  stop(): Promise<void>;
}

/**
 * `nodeArgs`: options for the server's node (`--cpu-prof`, which NODE_OPTIONS may not carry); `built`: load the
 * server from the built packages (dist/) instead of the sources (test-support/source-loader.ts).
 */
export async function startServer(
  args: readonly string[],
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
  built = false,
): Promise<Server> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, ...sourceLoaderArgs(built), join(HERE, "fleet-server.ts"), ...args],
    { cwd: ROOT, env: { ...process.env, OMADM_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "inherit"] },
  );
  const base = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      reject(new Error("the server did not start within 180 s"));
    }, 180_000);
    child.stdout.on("data", (c: Buffer) => {
      seen += c.toString();
      const m = /^\s+base\s+(http:\/\/\S+)/m.exec(seen);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => {
      reject(new Error(`the server exited (${code}) before it was ready: ${seen}`));
    });
  });
  child.stdout.resume();
  // A SIGTERM to the bench (`timeout`, a kill) would leave the server running; it goes down with the bench (the
  // simulator processes end by themselves when their IPC channel closes). Ctrl-C reaches the whole group anyway.
  const onTerm = () => {
    child.kill("SIGTERM");
    process.exit(143);
  };
  process.once("SIGTERM", onTerm);
  child.once("exit", () => process.off("SIGTERM", onTerm));
  return {
    child,
    base,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once("exit", () => {
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** Peak resident set of a process (Linux /proc; 0 elsewhere), MB. */
export function peakRssMb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] === undefined ? 0 : Math.round(Number(m[1]) / 1024);
  } catch {
    return 0;
  }
}

/** The child processes of `pid` (Linux /proc; none elsewhere): the workers of `omadm server --workers`. */
export function childPids(pid: number | undefined): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The server child and its workers (`--workers`), as they are now. */
export function serverPids(server: Server): number[] {
  const pid = server.child.pid;
  return pid === undefined ? [] : [pid, ...childPids(pid)];
}

/** User + system CPU of each of `pids` now, ms (a process gone or unreadable is left out). */
export function cpuOf(pids: readonly number[]): Map<number, number> {
  const at = new Map<number, number>();
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) at.set(pid, ms);
  }
  return at;
}

/** CPU ms the processes of `before` used since then (a process born since counts from zero). */
export function cpuSince(before: ReadonlyMap<number, number>, now: ReadonlyMap<number, number>): number {
  let used = 0;
  for (const [pid, ms] of now) used += ms - (before.get(pid) ?? 0);
  return used;
}

/**
 * The pids of the processes named `comm` on this machine (Linux /proc; none elsewhere): the local MQTT broker,
 * whose CPU the fleet bench reports beside the server's. One read per process, once per run.
 */
export function pidsNamed(comm: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  return entries
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/comm`, "utf8").trim() === comm;
      } catch {
        return false;
      }
    })
    .map(Number);
}

export function templateFor(base: string): DeviceConfig {
  const loaded = loadDeviceConfig(join(ROOT, "examples/device.json"));
  if (!loaded.ok) throw loaded.error;
  const t = loaded.value;
  return { ...t, accounts: t.accounts.map((a) => ({ ...a, input: { ...a.input, srvUri: `${base}/dm` } })) };
}

export function closeAgent(): void {
  agent.destroy();
}

/** A throw-away PostgreSQL database for one bench run: its URL, and `drop()` for the run's `finally`. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(adminUrl: string, prefix: string): Promise<BenchDatabase> {
  const database = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const run = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    name: database,
    url: url.toString(),
    drop: () => run(`drop database if exists ${database} with (force)`),
  };
}
