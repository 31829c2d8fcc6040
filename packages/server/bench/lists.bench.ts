// `npm run bench:lists -- [--rows 1000000] [--runs 7]`: the REST API's lists and the sweeper at scale, on the
// SQLite store. Seeds a temp omadm.sqlite with bulk inserts (one transaction, prepared statements: `rows`
// devices and commands, a fifth as many sessions, a few devices and commands in rare states), then times the
// store's list calls — the first page and a page deep behind a cursor — and one sweep batch of each kind, and
// prints each as a ratio to a point lookup (`devices.get`) measured in the same run. A page must cost
// O(page size), so every ratio stays small whatever `rows` is; a sweep batch must hold the event loop under 20 ms.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { SWEEP_BATCH } from "../src/dm/sweeper.js";
import { openSqliteStore, SQLITE_FILE_NAME } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { errorMessage } from "@omadm/protocol";

const PAGE = 50;
const NOW = Date.UTC(2026, 0, 1);
const SWEEP_LIMIT_MS = 20;

interface Args {
  readonly rows: number;
  readonly runs: number;
}

function parse(argv: readonly string[]): Args {
  const { values } = parseArgs({
    args: [...argv],
    options: { rows: { type: "string", default: "1000000" }, runs: { type: "string", default: "7" } },
    strict: true,
  });
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  if (!Number.isInteger(rows) || rows < 1000 || rows > 5_000_000) throw new Error("--rows: 1000 to 5000000");
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error("--runs: 1 to 100");
  return { rows, runs };
}

const deviceId = (i: number) => `IMEI:${String(i).padStart(15, "0")}`;

/** Bulk rows straight into the file: every 1000th device disabled, every 100th command queued and past its
 *  expiry, every 100th session open and idle past its timeout. */
function seed(file: string, rows: number): void {
  const db = new BetterSqlite3(file);
  db.pragma("synchronous = OFF");
  const device = db.prepare(
    "insert into devices (id, state, labels, created_at, updated_at) values (?, ?, '{}', ?, ?)",
  );
  const command = db.prepare(
    "insert into commands (id, device_id, name, p2, state, created_at, updated_at, expires_at, attempts) " +
      "values (?, ?, 'GET', '[\"GET\",\"urn:x\"]', ?, ?, ?, ?, 0)",
  );
  const session = db.prepare(
    "insert into sessions (id, device_id, status, state_name, state_data, package_no, created_at, " +
      "last_activity_at, idle_timeout_ms, idle_expires_at, version) values (?, ?, ?, 'ended', 'null', 3, ?, ?, 600000, ?, 1)",
  );
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const id = deviceId(i);
      device.run(id, i % 1000 === 7 ? "disabled" : "registered", NOW, NOW);
      const due = i % 100 === 3;
      command.run(`c${i}`, id, due ? "queued" : i % 10 === 0 ? "failed" : "done", NOW + i, NOW + i, due ? NOW : null);
      if (i % 5 === 0) {
        const open = i % 500 === 0;
        session.run(`s${i}`, id, open ? "open" : "ended", NOW + i, NOW + i, open ? NOW : NOW + 600_000);
      }
    }
  })();
  // Into the main file now, so that no later commit pays for checkpointing the seed.
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<number> {
  return (await timeBoth(runs, fn)).wall;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Timing {
  readonly wall: number;
  readonly cpu: number;
  /** The longest the event loop was held during the call (its timer's worst delay, 1 ms resolution). */
  readonly held: number;
}

/** Median wall time, CPU time (user + system) and event-loop hold of `runs` calls, in ms. */
async function timeBoth(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < runs; i++) {
    // The delay monitor measures from its second tick on: started a little before the call.
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    await sleep(3);
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
    await sleep(3);
    delay.disable();
    held.push(delay.max / 1e6);
  }
  return { wall: median(wall), cpu: median(cpu), held: median(held) };
}

type Lister = (cursor: string | undefined) => Promise<{ items: readonly unknown[]; nextCursor: string | null }>;

function listCases(store: Store): Record<string, Lister> {
  const mid = deviceId(500_000);
  return {
    devices: (cursor) => store.devices.list({ limit: PAGE, cursor }),
    "devices?state=disabled (rare)": (cursor) => store.devices.list({ state: "disabled", limit: PAGE, cursor }),
    "devices?state=registered": (cursor) => store.devices.list({ state: "registered", limit: PAGE, cursor }),
    commands: (cursor) => store.commands.list({ limit: PAGE, cursor }),
    "commands?state=queued (1%)": (cursor) => store.commands.list({ state: "queued", limit: PAGE, cursor }),
    "commands?state=failed": (cursor) => store.commands.list({ state: "failed", limit: PAGE, cursor }),
    "commands?state=queued,failed desc": (cursor) =>
      store.commands.list({ state: ["queued", "failed"], order: "desc", limit: PAGE, cursor }),
    "commands?deviceId": (cursor) => store.commands.list({ deviceId: mid, limit: PAGE, cursor }),
    sessions: (cursor) => store.sessions.list({ limit: PAGE, cursor }),
    "sessions?status=open (1%)": (cursor) => store.sessions.list({ status: "open", limit: PAGE, cursor }),
    "sessions?status=ended": (cursor) => store.sessions.list({ status: "ended", limit: PAGE, cursor }),
    "sessions?deviceId": (cursor) => store.sessions.list({ deviceId: mid, limit: PAGE, cursor }),
    // What GET /api/v1/sessions asks by default: newest first (the same indexes, read backwards).
    "sessions desc": (cursor) => store.sessions.list({ order: "desc", limit: PAGE, cursor }),
    "sessions?status=open (1%) desc": (cursor) =>
      store.sessions.list({ status: "open", order: "desc", limit: PAGE, cursor }),
    "sessions?status=ended desc": (cursor) =>
      store.sessions.list({ status: "ended", order: "desc", limit: PAGE, cursor }),
    "sessions?deviceId desc": (cursor) => store.sessions.list({ deviceId: mid, order: "desc", limit: PAGE, cursor }),
  };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    console.error(errorMessage(error));
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), "omadm-lists-"));
  const clock = { now: () => NOW + 10 * 600_000 };
  try {
    console.log(
      `bench:lists — ${args.rows} devices and commands, ${args.rows / 5} sessions; load ${loadavg()[0]?.toFixed(1)}`,
    );
    await (await openSqliteStore({ clock }, { dataDir: dir })).close();
    const t = performance.now();
    seed(join(dir, SQLITE_FILE_NAME), args.rows);
    console.log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const store = await openSqliteStore({ clock }, { dataDir: dir });
    try {
      const baseline = await time(args.runs * 5, () => store.devices.get(deviceId(123_457 % args.rows)));
      console.log(`baseline devices.get: ${(baseline * 1000).toFixed(0)} µs\n`);
      console.log(`list (page of ${PAGE})`.padEnd(40) + "first page".padStart(16) + "deep page".padStart(16));
      let worst = 0;
      for (const [name, list] of Object.entries(listCases(store))) {
        // A cursor deep in the list: follow pages until about the middle of what the first pages give.
        let cursor: string | undefined;
        for (let i = 0; i < 20; i++) {
          const page = await list(cursor);
          if (page.nextCursor === null) break;
          cursor = page.nextCursor;
        }
        const first = await time(args.runs, () => list(undefined));
        const deep = await time(args.runs, () => list(cursor));
        worst = Math.max(worst, first / baseline, deep / baseline);
        const cell = (ms: number) => `${ms.toFixed(2)} ms ${(ms / baseline).toFixed(0).padStart(4)}x`;
        console.log(name.padEnd(40) + cell(first).padStart(16) + cell(deep).padStart(16));
      }
      console.log(`\nworst list page / baseline: ${worst.toFixed(0)}x`);
      // A sweep batch holds the event loop for its statements and its COMMIT (the fsync runs off the loop, so
      // the wall time, which waits for it, says little). Judged by the longest hold of the loop during the call,
      // the median of five — a busy machine inflates it (the process waits for a core), so CPU time is printed
      // beside it, with a one-row write measured the same way.
      let flip = 0;
      const oneRow = await timeBoth(args.runs, () =>
        store.devices.update(deviceId(42), { labels: { flip: String(flip++) } }),
      );
      const commands = await timeBoth(5, () => store.commands.expireDue({ limit: SWEEP_BATCH.commands }));
      const sessions = await timeBoth(5, () => store.sessions.expireIdle({ limit: SWEEP_BATCH.sessions }));
      const over = (t: Timing) => t.held > SWEEP_LIMIT_MS;
      const show = (t: Timing) =>
        `loop held ${t.held.toFixed(1)} ms (${t.cpu.toFixed(1)} ms CPU, ${t.wall.toFixed(1)} ms wall)` +
        (t === oneRow ? "" : over(t) ? ` OVER ${SWEEP_LIMIT_MS} ms` : " ok");
      console.log(`one-row write (devices.update, with its commit): ${show(oneRow)}`);
      console.log(`sweep batch commands.expireDue(limit ${SWEEP_BATCH.commands}): ${show(commands)}`);
      console.log(`sweep batch sessions.expireIdle(limit ${SWEEP_BATCH.sessions}): ${show(sessions)}`);
      return over(commands) || over(sessions) ? 1 : 0;
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
