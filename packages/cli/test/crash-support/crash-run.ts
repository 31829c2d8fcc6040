// The crash test (docs/delivery.md "Crash test"): the server (`omadm server` from the build, a child process
// configured through its environment variables, server-child.mjs) is killed with SIGKILL at random points while the project's DM Client devices run sessions without pause and the operator
// queues commands of both delivery policies. Each EXEC targets its own instance of the gateway MO, so a device
// counts how many times each one ran. After the last kill the server starts once more, every device runs
// sessions until its queue is empty, and every command is checked:
// - lost: an acknowledged command missing from the store, not in a final state, or `done` although the device
//   never ran it;
// - at-most-once run twice: an at-most-once EXEC the device ran more than once;
// - at-least-once over the limit: an at-least-once command sent (or run) more than maxDeliveries times.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { MOID_GATEWAY, startDevice, type E2eDevice } from "../e2e-support/device-harness.js";
import { SERVER_ID } from "../e2e-support/server-harness.js";

/** The `omadm` bin: `--version` rebuilds a stale build of the workspace first. */
const OMADM_BIN = fileURLToPath(new URL("../../bin/omadm.mjs", import.meta.url));
/** `omadm server` from the build, without the bin's build check (server-child.mjs). */
const SERVER_CHILD = fileURLToPath(new URL("./server-child.mjs", import.meta.url));
const BUILD_DEADLINE_MS = 600_000;
const MAX_DELIVERIES = 3;
const READY_DEADLINE_MS = 60_000;

export interface CrashOptions {
  /** SQLite in a temp dir, or PostgreSQL at this URL in a schema of its own. */
  readonly store: { readonly kind: "sqlite" } | { readonly kind: "postgres"; readonly url: string };
  readonly kills: number;
  readonly devices?: number;
  /** Longest time the server runs before a kill (ms); each run lasts a random time up to it. */
  readonly maxRunMs?: number;
  readonly log?: (line: string) => void;
}

export interface CrashReport {
  readonly kills: number;
  readonly commands: number;
  readonly lost: number;
  readonly atMostOnceRunTwice: number;
  readonly atLeastOnceOverLimit: number;
  /** One line per problem found. */
  readonly problems: readonly string[];
  /** SQLite `pragma integrity_check` after the run ("ok"), or null for PostgreSQL. */
  readonly integrity: string | null;
  /** Commands by final state. */
  readonly states: Readonly<Record<string, number>>;
}

export function crashLine(r: CrashReport): string {
  return (
    `crash: ${r.kills} kills, ${r.commands} commands, lost ${r.lost}, at-most-once run twice ` +
    `${r.atMostOnceRunTwice}, at-least-once over the limit ${r.atLeastOnceOverLimit}`
  );
}

interface Queued {
  readonly deviceId: string;
  readonly token: string | null;
  readonly delivery: "at-least-once" | "at-most-once";
  id: string | null;
}

interface ApiCommand {
  readonly id: string;
  readonly deviceId: string;
  readonly name: string;
  readonly params: readonly string[];
  readonly state: string;
  readonly delivery: string;
  readonly attempts: number;
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/** `omadm server` as a child; resolves once its banner says it is running. */
async function startServer(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SERVER_CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the crash server did not start within ${READY_DEADLINE_MS} ms: ${stderr}`));
    }, READY_DEADLINE_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("is running")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the crash server exited (${String(code)}) before it was ready: ${stderr}`));
    });
  });
  return child;
}

function killServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once("exit", () => {
      resolve();
    });
    child.kill("SIGKILL");
  });
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}

/** Brings the build up to date once (the bin rebuilds a stale one), so every server start runs current code. */
function ensureBuild(): void {
  const result = spawnSync(process.execPath, [OMADM_BIN, "--version"], {
    encoding: "utf8",
    timeout: BUILD_DEADLINE_MS,
  });
  if (result.status !== 0) throw new Error(`omadm --version failed (build?): ${result.stderr}`);
}

export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  ensureBuild();
  const log = options.log ?? (() => undefined);
  const deviceCount = options.devices ?? 3;
  const maxRunMs = options.maxRunMs ?? 1500;
  const dir = mkdtempSync(join(tmpdir(), "omadm-crash-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // PostgreSQL: a database of its own (other test runs share the server), dropped at the end.
  const database = `omadm_crash_${process.pid}_${randomBytes(4).toString("hex")}`;
  let pgUrl: string | undefined;
  if (options.store.kind === "postgres") {
    await adminQuery(options.store.url, `create database ${database}`);
    const url = new URL(options.store.url);
    url.pathname = `/${database}`;
    pgUrl = url.toString();
  }
  const env: NodeJS.ProcessEnv = {
    OMADM_LISTEN_HOST: "127.0.0.1",
    OMADM_LISTEN_PORT: String(port),
    OMADM_PUBLIC_BASE_URL: base,
    OMADM_DATA_DIR: join(dir, "server"),
    OMADM_SERVER_ID: SERVER_ID,
    // Small batches: a session has several Package#2s, so there are more points to be killed at.
    OMADM_DM_BATCH_SIZE: "3",
    OMADM_DM_MAX_DELIVERIES: String(MAX_DELIVERIES),
    OMADM_SWEEP_INTERVAL_MS: "3600000",
    OMADM_COMPONENTS_NOTIFIER: "false",
    OMADM_LOG_LEVEL: "silent",
    OMADM_STORE_KIND: options.store.kind,
    ...(pgUrl === undefined ? {} : { OMADM_STORE_POSTGRES_URL: pgUrl }),
  };
  // Enough gateway instances for one EXEC of each policy per device and round, plus the final drain.
  const perDevice = 2 * (options.kills + 1);
  const miids = (d: number) => Array.from({ length: perDevice }, (_, i) => `c${d}x${i}`);
  const runs = new Map<string, number>();
  const devices: E2eDevice[] = [];
  const queued: Queued[] = [];
  let server: ChildProcess | undefined;
  let looping = false;
  const loops: Promise<void>[] = [];

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, data: await res.json() };
  };

  const queue = async (q: Queued, command: readonly string[]) => {
    queued.push(q);
    try {
      const { status, data } = await api("POST", `/devices/${encodeURIComponent(q.deviceId)}/commands`, {
        command,
        delivery: q.delivery,
      });
      if (status === 201) q.id = (data as { id: string }).id;
    } catch {
      // The server died before answering: not acknowledged (it may still be stored; it is checked anyway).
    }
  };

  const startLoops = () => {
    looping = true;
    for (const d of devices) {
      loops.push(
        (async () => {
          while (looping) {
            const outcome = await d.client.runSession();
            await delay(outcome.kind === "completed" ? 5 : 25);
          }
        })(),
      );
    }
  };
  const stopLoops = async () => {
    looping = false;
    await Promise.all(loops.splice(0));
  };

  try {
    server = await startServer(env);
    for (let i = 0; i < deviceCount; i++) {
      const devId = `IMEI:35${process.pid % 100000}${String(i).padStart(4, "0")}`;
      const d = await startDevice({
        devId,
        srvUri: `${base}/dm`,
        stateDir: join(dir, `device-${i}`),
        gatewayInstances: miids(i),
      });
      d.client.registerExec(MOID_GATEWAY, "Ops/Diagnostics", (request) => {
        runs.set(`${devId}/${request.miid}`, (runs.get(`${devId}/${request.miid}`) ?? 0) + 1);
        return { sc: 200 };
      });
      devices.push(d);
      // Registers the device (its first session is a bootstrap).
      const first = await d.client.runSession();
      if (first.kind !== "completed") throw new Error(`device ${devId} could not register: ${JSON.stringify(first)}`);
    }

    const nextMiid = new Map<number, number>();
    const queueRound = async () => {
      await Promise.all(
        devices.map(async (d, i) => {
          for (const delivery of ["at-most-once", "at-least-once"] as const) {
            const next = nextMiid.get(i) ?? 0;
            nextMiid.set(i, next + 1);
            const miid = `c${i}x${next}`;
            const uri = `${MOID_GATEWAY}/${miid}/Ops/Diagnostics`;
            await queue({ deviceId: d.devId, token: `${d.devId}/${miid}`, delivery, id: null }, ["EXEC", uri]);
          }
          await queue({ deviceId: d.devId, token: null, delivery: "at-least-once", id: null }, [
            "GET",
            `${MOID_GATEWAY}/main/Hostname`,
          ]);
        }),
      );
    };

    for (let kill = 1; kill <= options.kills; kill++) {
      startLoops();
      const runFor = Math.floor(Math.random() * maxRunMs);
      await Promise.all([queueRound(), delay(runFor)]);
      await killServer(server);
      await stopLoops();
      log(`kill ${kill}/${options.kills} after ${runFor} ms`);
      server = await startServer(env);
    }

    // The last server runs on: every device works its queue off (the first Package#1 supersedes the session
    // the kill left open; at-least-once commands may need a few sessions).
    await queueRound();
    for (const d of devices) {
      for (let s = 0; s < 2 * MAX_DELIVERIES + 2; s++) {
        const outcome = await d.client.runSession();
        if (outcome.kind !== "completed") throw new Error(`final session aborted: ${JSON.stringify(outcome)}`);
      }
    }
    const stored = new Map<string, ApiCommand>();
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=1000" : `?limit=1000&cursor=${encodeURIComponent(cursor)}`;
      const { data } = await api("GET", `/commands${query}`);
      const page = data as { items: ApiCommand[]; nextCursor: string | null };
      for (const c of page.items) stored.set(c.id, c);
      cursor = page.nextCursor;
    } while (cursor !== null);

    const problems: string[] = [];
    let lost = 0;
    let twice = 0;
    let over = 0;
    const states: Record<string, number> = {};
    const final = new Set(["done", "failed", "unknown"]);
    for (const q of queued) {
      if (q.id === null) continue;
      const c = stored.get(q.id);
      const ran = q.token === null ? 0 : (runs.get(q.token) ?? 0);
      if (c === undefined || !final.has(c.state) || (c.state === "done" && q.token !== null && ran === 0)) {
        lost++;
        problems.push(`lost: ${q.id} (${q.token ?? "GET"}) is ${c?.state ?? "missing"}, ran ${ran} times`);
        continue;
      }
      states[c.state] = (states[c.state] ?? 0) + 1;
      if (c.delivery !== q.delivery) problems.push(`${q.id}: delivery ${c.delivery}, queued as ${q.delivery}`);
      if (q.delivery === "at-most-once" && (ran > 1 || c.attempts > 1)) {
        twice++;
        problems.push(`at-most-once run twice: ${q.id} (${q.token ?? "GET"}) ran ${ran}, sent ${c.attempts} times`);
      }
      if (q.delivery === "at-least-once" && (ran > MAX_DELIVERIES || c.attempts > MAX_DELIVERIES)) {
        over++;
        problems.push(`at-least-once over the limit: ${q.id} ran ${ran}, sent ${c.attempts} times`);
      }
    }
    // Commands stored although their answer never reached the operator are held to the same rules.
    for (const q of queued) {
      if (q.id !== null || q.token === null) continue;
      const ran = runs.get(q.token) ?? 0;
      if (q.delivery === "at-most-once" && ran > 1) {
        twice++;
        problems.push(`at-most-once run twice (unacknowledged): ${q.token} ran ${ran} times`);
      }
      if (ran > MAX_DELIVERIES) {
        over++;
        problems.push(`over the limit (unacknowledged): ${q.token} ran ${ran} times`);
      }
    }
    await killServer(server);
    server = undefined;
    let integrity: string | null = null;
    if (options.store.kind === "sqlite") {
      const db = new BetterSqlite3(join(dir, "server", "omadm.sqlite"));
      try {
        integrity = String(db.pragma("integrity_check", { simple: true }));
      } finally {
        db.close();
      }
    }
    return {
      kills: options.kills,
      commands: queued.filter((q) => q.id !== null).length,
      lost,
      atMostOnceRunTwice: twice,
      atLeastOnceOverLimit: over,
      problems,
      integrity,
      states,
    };
  } finally {
    looping = false;
    await Promise.all(loops);
    if (server !== undefined) await killServer(server);
    await Promise.all(devices.map((d) => d.stop()));
    if (options.store.kind === "postgres") {
      await adminQuery(options.store.url, `drop database if exists ${database} with (force)`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
