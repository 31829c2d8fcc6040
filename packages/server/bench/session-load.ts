// The simulated devices of `npm run bench:server`: `concurrency` loops, each running complete sessions one
// after another over undici Pools (many devices share a pool's keep-alive connections, as many devices share
// one process here). A session is Package#1 (ServerInitiatedMgmt alert) → Package#2 (CONT + the three queued
// commands) → Package#3 to the CONT URL with the statuses and the cookie → Package#2 (END). Every Package#2
// is checked; the first unexpected answer stops the run and is reported (a benchmark of errors is worthless).
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { errorMessage, MT_P2, parsePackage2 } from "@omadm/protocol";
import { DM_PATH, DM_SESSION_PATH } from "../src/dm/dm-endpoint.js";
import { DM_COOKIE_NAME } from "../src/dm/session-cookie.js";
import { P1_BODY, P3_BODY, p1Headers, p3Headers } from "./bench-packages.js";
import { toArray, type BenchCommand } from "./bench-wire.js";

/** Every request is bounded: no answer within this time is a failure, not a hang. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface LoadOptions {
  readonly baseUrl: string;
  readonly deviceIds: readonly string[];
  readonly concurrency: number;
  readonly pools: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** The commands the first Package#2 must carry after CONT, in order. */
  readonly expected: readonly BenchCommand[];
  /** Queues the next session's commands for a device (not timed). */
  refill(deviceId: string): Promise<void>;
  /** Told when the measured window starts and ends (the target notes its CPU time). */
  onWindow(edge: "window-start" | "window-end"): Promise<void>;
}

export interface LoadResult {
  /** Sessions that ended inside the measured window. */
  readonly sessionsInWindow: number;
  readonly windowMs: number;
  /** Latencies (ms) of the sessions that started inside the measured window, sorted. */
  readonly latenciesMs: readonly number[];
  /** The same sessions' parts, each sorted: the Package#1 exchange, the Package#3 exchange, and the refill
   *  (`options.refill`) that ran before each session, outside its latency. */
  readonly partsMs: {
    readonly package1: readonly number[];
    readonly package3: readonly number[];
    readonly refill: readonly number[];
  };
  /** Every completed session, warm-up included (what the store must account for). */
  readonly sessionsTotal: number;
  /** CPU time (user + system) this process — the simulated devices — used inside the measured window. */
  readonly clientCpuMs: number;
  readonly errors: number;
  readonly failure: BenchFailure | null;
}

/** An answer the bench did not expect: which device, which step, what came back. */
export class BenchFailure extends Error {
  readonly deviceId: string;
  readonly step: string;
  constructor(deviceId: string, step: string, detail: string, status?: number, body?: string) {
    const tail = status === undefined ? "" : ` (HTTP ${status}${body === undefined ? "" : `: ${excerpt(body)}`})`;
    super(`device ${deviceId}, ${step}: ${detail}${tail}`);
    this.name = "BenchFailure";
    this.deviceId = deviceId;
    this.step = step;
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.deviceIds.length < options.concurrency) {
    throw new Error("need at least as many devices as concurrent sessions (one session per device at a time)");
  }
  const origin = new URL(options.baseUrl).origin;
  const poolCount = Math.min(options.pools, options.concurrency);
  const perPool = Math.ceil(options.concurrency / poolCount);
  const pools = Array.from(
    { length: poolCount },
    () =>
      new Pool(origin, {
        connections: perPool,
        pipelining: 1,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      }),
  );
  // Devices idle between sessions wait here; a loop takes the longest-idle one (one session per device).
  const idle = [...options.deviceIds];
  const latencies: number[] = [];
  const parts = { package1: [] as number[], package3: [] as number[], refill: [] as number[] };
  let sessionsInWindow = 0;
  let sessionsTotal = 0;
  let errors = 0;
  let failure: BenchFailure | null = null;

  const t0 = performance.now() + options.warmupMs;
  const t1 = t0 + options.measureMs;
  let clientCpu: NodeJS.CpuUsage | null = null;
  let clientCpuMs = 0;
  const edges: Promise<void>[] = [];
  const edge = (name: "window-start" | "window-end") => {
    if (name === "window-start") clientCpu = process.cpuUsage();
    else {
      const used = process.cpuUsage(clientCpu ?? undefined);
      clientCpuMs = (used.user + used.system) / 1000;
    }
    edges.push(
      options.onWindow(name).catch((error: unknown) => {
        failure ??= new BenchFailure("-", name, errorMessage(error));
      }),
    );
  };
  const timers = [
    setTimeout(edge, options.warmupMs, "window-start"),
    setTimeout(edge, options.warmupMs + options.measureMs, "window-end"),
  ];

  const loop = async (worker: number): Promise<void> => {
    // Loop w always uses pool w % pools, so no pool has more sessions in flight than connections.
    const pool = pools[worker % poolCount]!;
    while (failure === null && performance.now() < t1) {
      const deviceId = idle.shift()!;
      try {
        const refill = performance.now();
        await options.refill(deviceId);
        const start = performance.now();
        const afterPackage1 = await runSession(pool, origin, deviceId, options.expected);
        const end = performance.now();
        sessionsTotal++;
        if (start >= t0) {
          latencies.push(end - start);
          parts.package1.push(afterPackage1 - start);
          parts.package3.push(end - afterPackage1);
          parts.refill.push(start - refill);
        }
        if (end >= t0 && end <= t1) sessionsInWindow++;
      } catch (error) {
        errors++;
        failure ??= error instanceof BenchFailure ? error : new BenchFailure(deviceId, "session", errorMessage(error));
      }
      idle.push(deviceId);
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, w) => loop(w)));
  } finally {
    for (const t of timers) clearTimeout(t);
    // The last sessions can end a hair before the window-end timer fires: close the window here then.
    if (edges.length === 1) edge("window-end");
    await Promise.all(pools.map((p) => p.close()));
  }
  await Promise.all(edges);
  if (edges.length < 2) failure ??= new BenchFailure("-", "window", "the run ended before the measured window opened");
  const ascending = (a: number, b: number) => a - b;
  latencies.sort(ascending);
  for (const part of Object.values(parts)) part.sort(ascending);
  return {
    sessionsInWindow,
    windowMs: options.measureMs,
    latenciesMs: latencies,
    partsMs: parts,
    sessionsTotal,
    clientCpuMs,
    errors,
    failure,
  };
}

/** One complete session; throws BenchFailure on any answer but the expected one. Resolves with when (performance
 *  clock) the first Package#2 had arrived. */
async function runSession(
  pool: Pool,
  origin: string,
  deviceId: string,
  expected: readonly BenchCommand[],
): Promise<number> {
  const first = await post(pool, DM_PATH, p1Headers(deviceId), P1_BODY, deviceId, "Package#1");
  const afterPackage1 = performance.now();
  const cmd = first.package.CMD;
  const cont = cmd[0];
  if (cmd.length !== expected.length + 1 || cont?.[0] !== "CONT" || cont.length !== 2) {
    throw new BenchFailure(
      deviceId,
      "first Package#2",
      `expected CONT + ${expected.length} commands, got ${JSON.stringify(cmd)}`,
    );
  }
  const contUrl = new URL(cont[1] ?? "");
  if (contUrl.origin !== origin || !contUrl.pathname.startsWith(`${DM_SESSION_PATH}/`)) {
    throw new BenchFailure(deviceId, "first Package#2", `CONT URL ${cont[1] ?? ""} is not a session URL of ${origin}`);
  }
  for (const [i, c] of expected.entries()) {
    const got = cmd[i + 1];
    if (JSON.stringify(got) !== JSON.stringify(toArray(c))) {
      throw new BenchFailure(
        deviceId,
        "first Package#2",
        `command ${i + 1} is ${JSON.stringify(got)}, expected ${JSON.stringify(toArray(c))}`,
      );
    }
  }
  const cookie = cookiePair(first.setCookie, deviceId);
  const last = await post(pool, contUrl.pathname, p3Headers(deviceId, cookie), P3_BODY, deviceId, "Package#3");
  if (last.package.CMD.length !== 1 || JSON.stringify(last.package.CMD[0]) !== '["END"]') {
    throw new BenchFailure(deviceId, "last Package#2", `expected END alone, got ${JSON.stringify(last.package.CMD)}`);
  }
  if (!/;\s*Max-Age=0(;|$)/i.test(last.setCookie ?? "")) {
    throw new BenchFailure(
      deviceId,
      "last Package#2",
      `the session cookie was not cleared: ${last.setCookie ?? "none"}`,
    );
  }
  return afterPackage1;
}

interface Answer {
  readonly package: { readonly CMD: readonly (readonly string[])[] };
  readonly setCookie: string | undefined;
}

async function post(
  pool: Pool,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  deviceId: string,
  step: string,
): Promise<Answer> {
  const res = await pool.request({ path, method: "POST", headers, body });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new BenchFailure(deviceId, step, "unexpected status", res.statusCode, text);
  const type = res.headers["content-type"];
  if (type !== MT_P2) {
    throw new BenchFailure(deviceId, step, `Content-Type ${String(type)}, expected ${MT_P2}`, res.statusCode, text);
  }
  const parsed = parsePackage2(text);
  if (!parsed.ok) throw new BenchFailure(deviceId, step, `invalid Package#2: ${parsed.error.message}`, 200, text);
  const setCookie = res.headers["set-cookie"];
  return { package: parsed.value, setCookie: Array.isArray(setCookie) ? setCookie[0] : setCookie };
}

function cookiePair(setCookie: string | undefined, deviceId: string): string {
  const pair = setCookie?.split(";", 1)[0]?.trim() ?? "";
  if (!pair.startsWith(`${DM_COOKIE_NAME}=`)) {
    throw new BenchFailure(deviceId, "first Package#2", `no session cookie (Set-Cookie: ${setCookie ?? "none"})`);
  }
  return pair;
}

function excerpt(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
