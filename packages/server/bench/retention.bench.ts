// `npm run bench:retention`: the SQLite store's size under a steady session load, with retention on and, as
// the baseline measured in the same run, with retention off.
//
// Simulated time: every device checks in once per simulated hour with the records a real session leaves
// (contact, a session opened and ended, one GET queued, sent and answered, a Generic Alert, a Package#0
// record), each package one store transaction as the DM endpoint does it. Retention (retention/retention.ts,
// the server's own pass) runs six times per simulated hour with every maximum age set to `--max-age-hours`. The
// store file (`omadm.sqlite`; its WAL is reused after each checkpoint) is printed every simulated hour: with retention it levels off once the
// oldest records reach the maximum age; without it, it grows for ever. SQLite runs with synchronous NORMAL
// here: the benchmark measures space, not commit latency.
//
// Also printed: how long the retention store calls took (median, p99, longest, how many over 20 ms): each
// holds the event loop while it runs (better-sqlite3 is synchronous), and retention keeps them short. Options: --devices N (default 200), --hours N (default 24), --max-age-hours N
// (default 3).
import { statSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createRetention } from "../src/retention/retention.js";
import { openSqliteStore, SQLITE_FILE_NAME } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { SessionStatus } from "../src/store/types-session.js";

const HOUR = 3_600_000;
const KB = 1024;

const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "200" },
    hours: { type: "string", default: "24" },
    "max-age-hours": { type: "string", default: "3" },
  },
});
const devices = Number(values.devices);
const hours = Number(values.hours);
const maxAgeHours = Number(values["max-age-hours"]);
for (const [name, n] of [
  ["devices", devices],
  ["hours", hours],
  ["max-age-hours", maxAgeHours],
] as const) {
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer\n`);
    process.exit(2);
  }
}

/** The store file; its WAL is reused in place after each checkpoint, so it stays within a few MB either way. */
function fileSize(dir: string): number {
  const file = join(dir, SQLITE_FILE_NAME);
  return existsSync(file) ? statSync(file).size : 0;
}

/** One device's check-in: the records a session with one GET leaves behind. */
async function session(store: Store, deviceId: string, n: number): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.devices.recordContact(deviceId, { autoRegister: true });
    await tx.commands.enqueue({ deviceId, name: "GET", params: [`urn:oma:mo:oma-dm-devinfo:1.2//FwV?${n}`] });
    const { session: s } = await tx.sessions.open({ deviceId, stateName: "AwaitingPackage3", idleTimeoutMs: 600_000 });
    await tx.commands.takeBatch({ deviceId, sessionId: s.id, max: 20, packageNo: 2, firstPosition: 1 });
    await tx.alerts.record([{ deviceId, sessionId: s.id, alertType: "urn:oma:at:dm:2.0:ClientInitiatedMgmt" }]);
  });
  await store.transaction(async (tx) => {
    const s = await tx.sessions.findOpen(deviceId);
    if (s === null) throw new Error("no open session");
    const sent = await tx.commands.list({ sessionId: s.id, state: "sent" });
    await tx.commands.recordResults(
      s.id,
      sent.items.map((c) => ({ commandId: c.id, outcome: "done" as const, statusCode: 200, data: { FwV: "1.0.0" } })),
    );
    await tx.sessions.close(s.id, SessionStatus.Ended);
  });
  await store.notifications.record({ deviceId, notificationId: n % 65536, transport: "udp", outcome: "sent" });
}

interface RunResult {
  readonly sizes: readonly number[];
  /** How long each retention store call held the (single) thread, in ms. */
  readonly calls: readonly number[];
  readonly seconds: number;
}

/** The store's retention with each call timed: better-sqlite3 runs a statement synchronously, so this is how
 *  long the event loop waited behind it. */
function timedRetention(store: Store, calls: number[]): Pick<Store, "retention"> {
  const time = async <T>(call: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      calls.push(performance.now() - t0);
    }
  };
  return {
    retention: {
      prune: (kind, before, limit) => time(() => store.retention.prune(kind, before, limit)),
      reclaimSpace: (pages) => time(() => store.retention.reclaimSpace(pages)),
    },
  };
}

async function run(retentionOn: boolean): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "omadm-bench-retention-"));
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const store = await openSqliteStore({ clock }, { dataDir: dir, synchronous: "NORMAL" });
  const age = maxAgeHours * HOUR;
  const calls: number[] = [];
  const retention = createRetention(
    {
      store: timedRetention(store, calls),
      clock,
      timers: { setTimeout: () => undefined, clearTimeout: () => undefined },
    },
    {
      intervalMs: HOUR,
      batchSize: 500,
      maxAgeMs: {
        sessions: age,
        commands: age,
        alerts: age,
        notifications: age,
        uploads: age,
        uiSessions: age,
        audit: age,
        consoleSignIns: age,
      },
    },
  );
  const started = performance.now();
  const sizes: number[] = [];
  let n = 0;
  try {
    for (let hour = 1; hour <= hours; hour++) {
      const slice = HOUR / devices;
      for (let d = 0; d < devices; d++) {
        now += slice;
        await session(store, `IMEI:35${String(d).padStart(13, "0")}`, n++);
        if (retentionOn && d % Math.max(1, Math.floor(devices / 6)) === 0) await retention.runOnce();
      }
      sizes.push(fileSize(dir));
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { sizes, calls, seconds: (performance.now() - started) / 1000 };
}

process.stdout.write(
  `bench:retention: ${devices} devices, one session each per simulated hour, ${hours} hours, ` +
    `max age ${maxAgeHours} h; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
);
const off = await run(false);
const on = await run(true);
process.stdout.write("hour  retention off (KiB)  retention on (KiB)  on/off\n");
for (let h = 0; h < hours; h++) {
  const a = off.sizes[h] ?? 0;
  const b = on.sizes[h] ?? 0;
  process.stdout.write(
    `${String(h + 1).padStart(4)}  ${String(Math.round(a / KB)).padStart(19)}  ${String(Math.round(b / KB)).padStart(18)}  ${(b / a).toFixed(2).padStart(6)}\n`,
  );
}
const sorted = [...on.calls].sort((a, b) => a - b);
const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const steady = on.sizes.slice(maxAgeHours + 1);
const growth = steady.length < 2 ? 0 : ((steady[steady.length - 1] ?? 0) - (steady[0] ?? 0)) / (steady[0] ?? 1);
process.stdout.write(
  `retention on: size after hour ${maxAgeHours + 1} changed by ${(growth * 100).toFixed(1)} % to the end ` +
    `(retention off grew ${(((off.sizes[hours - 1] ?? 0) / (off.sizes[maxAgeHours] ?? 1) - 1) * 100).toFixed(1)} % ` +
    `over the same hours)\n` +
    `retention store calls: ${sorted.length}, median ${quantile(0.5).toFixed(1)} ms, p99 ${quantile(0.99).toFixed(1)} ms, ` +
    `longest ${quantile(1).toFixed(1)} ms, over 20 ms: ${sorted.filter((ms) => ms > 20).length}; ` +
    `run time ${off.seconds.toFixed(0)} s off, ${on.seconds.toFixed(0)} s on\n`,
);
