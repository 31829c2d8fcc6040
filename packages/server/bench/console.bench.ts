// `npm run bench:console [-- --devices N]`: what the web console costs (docs/console.md "Figures").
//
// Starts the real server over a SQLite store in a temp directory, imports N devices (default 100,000; at most
// 1,000,000) through the bulk import route (`POST /api/v1/devices/import`, NDJSON, with labels), signs the console
// in (loopback, cookie) and times over loopback, with the console's cookie, what its device list asks for: the
// first page (50 devices), the first page of a label filter, a page at the end of the id range (keyset: it should
// cost what the first does), and the fleet summary (its first, uncached reading). The baseline, in the same run:
// `GET /healthz` on the same server. Prints medians, the ratio of each to the baseline, and the page weight of the
// built console (HTML + JS + CSS, raw and gzip). Bounded: N is capped and each request runs a fixed count.
import { mkdtemp, rm } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { request } from "undici";
import { createOmadmServer } from "../src/app.js";
import { loadServerConfig } from "../src/config.js";
import { encodeCursor } from "../src/store/rules.js";
import { openSqliteStore } from "../src/store/sqlite.js";

const MAX_DEVICES = 1_000_000;
const REPEATS = 21;
const SITES = ["berlin", "paris", "madrid", "rome", "oslo", "lisbon", "vienna", "prague"];
const BUILD = fileURLToPath(new URL("../dist/console-app/", import.meta.url));

function devicesArg(): number {
  const argv = process.argv.slice(2);
  const i = argv.indexOf("--devices");
  const n = i < 0 ? 100_000 : Number(argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1000 || n > MAX_DEVICES) {
    throw new Error(`--devices must be a whole number from 1000 to ${MAX_DEVICES}`);
  }
  return n;
}

const idOf = (i: number) => `dev-${String(i).padStart(7, "0")}`;

function ndjson(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ id: idOf(i), labels: { site: SITES[i % SITES.length] ?? "x", ring: `r${i % 10}` } }));
  }
  return `${lines.join("\n")}\n`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const response = await request(url, { headers });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`${url}: HTTP ${response.statusCode}`);
    times.push(performance.now() - t0);
  }
  return median(times);
}

function pageWeight(): string {
  let raw = 0;
  let gzip = 0;
  let files: string[];
  try {
    files = readdirSync(BUILD);
  } catch {
    return "not built (npm run build)";
  }
  for (const name of files) {
    const body = readFileSync(join(BUILD, name));
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return `${raw} bytes, ${gzip} bytes gzip (${files.join(", ")})`;
}

async function main(): Promise<void> {
  const n = devicesArg();
  const dir = await mkdtemp(join(tmpdir(), "omadm-bench-console-"));
  const clock = { now: () => Date.now() };
  const store = await openSqliteStore({ clock }, { dataDir: dir });
  const loaded = loadServerConfig({
    overrides: {
      listen: { host: "127.0.0.1", port: 0 },
      dataDir: dir,
      components: { notifier: false },
      logLevel: "silent",
    },
  });
  if (!loaded.ok) throw loaded.error;
  const server = createOmadmServer({ store, clock }, loaded.value);
  try {
    const base = (await server.start()).urls.base;
    const t0 = performance.now();
    const imported = await request(`${base}/api/v1/devices/import`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: ndjson(n),
    });
    const report = (await imported.body.json()) as { created?: number };
    const importSeconds = (performance.now() - t0) / 1000;
    if (imported.statusCode !== 200 || report.created !== n) {
      throw new Error(`import: HTTP ${imported.statusCode} ${JSON.stringify(report)}`);
    }
    const signIn = await request(`${base}/api/console/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    await signIn.body.dump();
    const cookie = String(signIn.headers["set-cookie"]).split(";")[0] ?? "";
    const withCookie = { cookie };

    const baseline = await timed(`${base}/healthz`, {});
    const fleetFirst = performance.now();
    await timed(`${base}/api/v1/fleet`, withCookie);
    const fleetUncached = performance.now() - fleetFirst;
    const cases: [string, string][] = [
      ["device list, first page (50)", "/api/v1/devices?limit=50"],
      ["device list, label filter", `/api/v1/devices?limit=50&filter=${encodeURIComponent("label:site=berlin")}`],
      ["device list, page at the end", `/api/v1/devices?limit=50&cursor=${encodeCursor([idOf(n - 60)])}`],
      ["fleet summary (cached)", "/api/v1/fleet"],
    ];
    process.stdout.write(
      `console bench: ${n} devices imported in ${importSeconds.toFixed(1)} s (SQLite, loopback, median of ${REPEATS})\n`,
    );
    process.stdout.write(`  baseline GET /healthz                 ${baseline.toFixed(2)} ms\n`);
    for (const [name, path] of cases) {
      const ms = await timed(`${base}${path}`, withCookie);
      process.stdout.write(`  ${name.padEnd(36)} ${ms.toFixed(2)} ms  (${(ms / baseline).toFixed(1)}x baseline)\n`);
    }
    process.stdout.write(
      `  fleet summary, ${REPEATS} readings incl. the first uncached: ${fleetUncached.toFixed(0)} ms\n`,
    );
    process.stdout.write(`  console page weight: ${pageWeight()}\n`);
  } finally {
    await server.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
