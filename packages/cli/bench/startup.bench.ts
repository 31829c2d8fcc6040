// `npm run bench:startup`: how fast the `omadm` command starts, against `node -e 0` measured in the same run.
//
// Each figure is the median wall time from spawn to exit (or, for `omadm server`, to the printed banner) of
// several runs of `node packages/cli/bin/omadm.mjs …`, interleaved with the baseline so that machine noise hits
// both alike. Peak RSS and CPU time come from the child itself: a tiny `--import` probe (also given to the
// baseline) writes `process.resourceUsage()` to a file on exit; the server's CPU time until its banner is read
// from /proc (Linux). CPU time hardly moves when other processes share the cores; wall time does.
//
//   omadm --version                 no server involved
//   omadm devices list              against a server started here (built CLI, SQLite store in a temp dir)
//   omadm server                    on that existing SQLite store, until the banner is printed
//
// Targets: --version and devices list ≤ 300 ms and ≤ 80 MB each, server ready ≤ 1.5 s. Exits 1 when a command
// fails; a missed target is printed, not fatal (timings on a shared machine are noisy). The last line is the
// summary `startup: …`.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/omadm.mjs", import.meta.url));
const RUNS = Number(process.env["OMADM_BENCH_RUNS"] ?? 9);
const SERVER_RUNS = Number(process.env["OMADM_BENCH_SERVER_RUNS"] ?? 5);
const READY_TIMEOUT_MS = 60_000;
const MB = 1024 * 1024;

const work = mkdtempSync(join(tmpdir(), "omadm-startup-"));
const probe = join(work, "usage-probe.mjs");
writeFileSync(
  probe,
  [
    'import { writeFileSync } from "node:fs";',
    "const out = process.env.OMADM_USAGE_OUT;",
    "if (out) process.on('exit', () => {",
    "  const u = process.resourceUsage();",
    "  writeFileSync(out, JSON.stringify({ rss: u.maxRSS * 1024, cpu: (u.userCPUTime + u.systemCPUTime) / 1000 }));",
    "});",
  ].join("\n"),
);

interface Sample {
  /** Wall time. */
  readonly ms: number;
  /** Peak resident set size, bytes. */
  readonly rss: number;
  /** User + system CPU time, ms. */
  readonly cpu: number;
}

let usageFileSeq = 0;

/** CPU time (user + system, ms) a running process has used so far; NaN where /proc is not there. */
function cpuSoFar(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Runs `node [probe] …args` to exit; rejects with its stderr when it fails. */
function timeRun(args: readonly string[]): Promise<Sample> {
  const usageOut = join(work, `usage-${String(usageFileSeq++)}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--import", probe, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, OMADM_USAGE_OUT: usageOut },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) {
        reject(new Error(`node ${args.join(" ")} exited ${String(code)}: ${stderr.trim()}`));
        return;
      }
      const usage = JSON.parse(readFileSync(usageOut, "utf8")) as { rss: number; cpu: number };
      resolve({ ms, ...usage });
    });
  });
}

interface Server {
  readonly url: string;
  readonly readyMs: number;
  /** CPU time used until the banner. */
  readonly readyCpu: number;
  stop(): Promise<void>;
}

/** Starts `omadm server` on dataDir (port 0); resolves once its banner is printed. */
function startServer(dataDir: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, "server", "--data-dir", dataDir, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, OMADM_LOG_LEVEL: "warn" },
    });
    let out = "";
    let err = "";
    const exited = new Promise<void>((done) => {
      child.once("exit", () => {
        done();
      });
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`omadm server did not print its banner within ${READY_TIMEOUT_MS} ms: ${err.trim()}`));
    }, READY_TIMEOUT_MS);
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const early = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`omadm server exited ${String(code)} before it was ready: ${err.trim()}`));
    };
    child.once("exit", early);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      // The banner is one write: "omadm server … is running" and one line per URL.
      const base = /^\s+base\s+(\S+)/m.exec(out);
      if (!out.includes("is running") || base?.[1] === undefined) return;
      clearTimeout(timer);
      const readyMs = performance.now() - t0;
      const readyCpu = cpuSoFar(child.pid);
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      child.off("exit", early);
      resolve({
        url: base[1],
        readyMs,
        readyCpu,
        stop: () => {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

const ms = (x: number): string => `${Math.round(x)} ms`;
const mb = (x: number): string => `${(x / MB).toFixed(0)} MB`;

interface Limits {
  readonly ms: number;
  readonly rss?: number;
}

/** One result line: median wall and CPU time, peak RSS, each with its ratio to the baseline, and the target. */
function line(label: string, samples: readonly Sample[], base: Sample, limits: Limits): void {
  const t = median(samples.map((s) => s.ms));
  const cpu = median(samples.map((s) => s.cpu));
  const rss = Math.max(...samples.map((s) => s.rss));
  const ratio = (x: number, b: number): string => `${(x / b).toFixed(1)}×`;
  const ok = t <= limits.ms && (limits.rss === undefined || rss <= limits.rss);
  const target = `target ≤ ${ms(limits.ms)}${limits.rss === undefined ? "" : `, ≤ ${mb(limits.rss)}`}`;
  console.log(
    `${label.padEnd(20)} ${ms(t).padStart(8)} (${ratio(t, base.ms).padStart(5)})` +
      `  cpu ${ms(cpu).padStart(8)} (${ratio(cpu, base.cpu).padStart(5)})` +
      (Number.isNaN(rss) ? "" : `  peak RSS ${mb(rss).padStart(6)} (${ratio(rss, base.rss)})`) +
      `  ${target}: ${ok ? "ok" : "MISSED"}`,
  );
}

async function main(): Promise<void> {
  const dataDir = join(work, "data");
  const baseline: Sample[] = [];
  const version: Sample[] = [];
  const list: Sample[] = [];
  const ready: Sample[] = [];

  const server = await startServer(dataDir);
  try {
    for (let i = 0; i < RUNS; i++) {
      baseline.push(await timeRun(["-e", "0"]));
      version.push(await timeRun([BIN, "--version"]));
      list.push(await timeRun([BIN, "devices", "list", "--server", server.url]));
    }
  } finally {
    await server.stop();
  }
  // The store now exists (the first server created and migrated it): each run opens it as an operator would.
  for (let i = 0; i < SERVER_RUNS; i++) {
    const s = await startServer(dataDir);
    ready.push({ ms: s.readyMs, rss: NaN, cpu: s.readyCpu });
    await s.stop();
    baseline.push(await timeRun(["-e", "0"]));
  }

  const base: Sample = {
    ms: median(baseline.map((s) => s.ms)),
    rss: median(baseline.map((s) => s.rss)),
    cpu: median(baseline.map((s) => s.cpu)),
  };
  const med = (xs: readonly Sample[]): string => String(Math.round(median(xs.map((s) => s.ms))));
  console.log(
    `node ${process.version}, ${String(RUNS)} runs each (server: ${String(SERVER_RUNS)}); medians, ratios to node -e 0`,
  );
  console.log(
    `${"node -e 0".padEnd(20)} ${ms(base.ms).padStart(8)}${" ".repeat(8)}  cpu ${ms(base.cpu).padStart(8)}` +
      `${" ".repeat(8)}  peak RSS ${mb(base.rss).padStart(6)}`,
  );
  line("omadm --version", version, base, { ms: 300, rss: 80 * MB });
  line("omadm devices list", list, base, { ms: 300, rss: 80 * MB });
  line("omadm server ready", ready, base, { ms: 1500 });
  console.log(
    `startup: omadm --version ${med(version)} ms, devices list ${med(list)} ms, ` +
      `server ready ${med(ready)} ms (node -e 0: ${String(Math.round(base.ms))} ms)`,
  );
}

try {
  await main();
} catch (error) {
  console.error(`bench:startup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
