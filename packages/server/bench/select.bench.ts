// `npm run bench:select [-- --devices N] [--keep DIR]`: device selection on the SQLite store at fleet scale
// (docs/filters.md "Performance").
//
// Creates the schema with the real store (all migrations) in a temp directory, bulk-inserts N devices (default
// 1,000,000) with labels, DevInfo side rows and MOS rows in big transactions through one prepared statement per
// table, then opens the store again and times, for each typical filter, the first page and a page from the middle
// of the id range (`devices.list({ filter, cursor, limit: 100 })`, the keyset walk a campaign does). The
// baseline, measured in the same run on the same file: a plain `SELECT id FROM devices WHERE id > ? ORDER BY id
// LIMIT 100`. Prints medians and the ratio of each to the baseline. Bounded: N is capped at 1,000,000 and each
// query runs a fixed number of times.
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { encodeCursor } from "../src/store/rules.js";
import { filterOrThrow } from "../src/store/group-rules.js";
import { openSqliteStore, SQLITE_FILE_NAME } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";

const MAX_DEVICES = 1_000_000;
const PAGE = 100;
const REPEATS = 7;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

const SITES = ["berlin", "paris", "madrid", "rome", "oslo", "lisbon", "vienna", "prague"];
const MODELS = Array.from({ length: 10 }, (_, i) => `GW-${i}`);
const FIRMWARE = ["1.0", "1.1", "1.2", "2.0", "2.1"];
const DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
const FUMO = "urn:oma:mo:oma-fumo:1.0";

/** The typical filters: a label, DevInfo with a negation, an MO, state and contact, and a rare conjunction. */
const FILTERS = [
  "label:site=berlin",
  "Mod=GW-3 and FwV!=2.0",
  `mo:${FUMO}`,
  "state=registered and lastContact<7d",
  "label:site=berlin and Mod=GW-7 and FwV=1.0",
  "label:tier=gold or lastContact>25d",
];

function args(): { devices: number; keep: string | undefined } {
  const argv = process.argv.slice(2);
  const at = (name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const devices = Number(at("--devices") ?? MAX_DEVICES);
  if (!Number.isSafeInteger(devices) || devices < 1000 || devices > MAX_DEVICES) {
    throw new Error(`--devices must be a whole number from 1000 to ${MAX_DEVICES}`);
  }
  return { devices, keep: at("--keep") };
}

/** A deterministic pseudo-random stream (xorshift32), so every run seeds the same fleet. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const idOf = (i: number) => `dev-${String(i).padStart(7, "0")}`;

function seed(file: string, n: number): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const device = db.prepare(
    `insert into devices (id, state, labels, created_at, updated_at, first_contact_at, last_contact_at, dev_info,
       dev_info_at, mos, mos_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const label = db.prepare("insert into device_labels (device_id, name, value) values (?, ?, ?)");
  const attribute = db.prepare("insert into device_attributes (device_id, name, value) values (?, ?, ?)");
  const mo = db.prepare("insert into device_mos (device_id, moid) values (?, ?)");
  const rnd = random(20260601);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = idOf(i);
      const r = rnd();
      const state = r < 0.1 ? "provisioned" : r < 0.95 ? "registered" : "disabled";
      const contact = state === "provisioned" ? null : NOW - Math.floor(rnd() * 30 * DAY);
      const labels = { site: pick(SITES), tier: pick(["gold", "silver", "bronze"]) };
      const devInfo = { Man: "acme", Mod: pick(MODELS), FwV: pick(FIRMWARE), Lang: "en" };
      const mos = [{ MOID: DEVINFO, MIID: [] as string[] }, ...(rnd() < 0.5 ? [{ MOID: FUMO, MIID: ["f"] }] : [])];
      device.run(
        id,
        state,
        JSON.stringify(labels),
        NOW,
        NOW,
        contact,
        contact,
        JSON.stringify(devInfo),
        NOW,
        JSON.stringify(mos),
        NOW,
      );
      for (const [k, v] of Object.entries(labels)) label.run(id, k, v);
      for (const [k, v] of Object.entries(devInfo)) attribute.run(id, k, v);
      for (const m of mos) mo.run(id, m.MOID);
    }
  });
  for (let from = 0; from < n; from += 50_000) batch(from, Math.min(n, from + 50_000));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.exec("analyze");
  db.close();
}

/** Median milliseconds of `REPEATS` runs (after one warm-up). */
async function time(fn: () => unknown): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

const fmt = (ms: number) => `${ms.toFixed(2).padStart(9)} ms`;
const ratio = (ms: number, base: number) => `${(ms / base).toFixed(1).padStart(7)}×`;

async function main(): Promise<void> {
  const { devices, keep } = args();
  const dataDir = keep ?? (await mkdtemp(join(tmpdir(), "omadm-bench-select-")));
  const file = join(dataDir, SQLITE_FILE_NAME);
  const clock = { now: () => NOW };
  try {
    let store: Store = await openSqliteStore({ clock }, { dataDir });
    const existing = await store.devices.count();
    await store.close();
    if (existing === 0) {
      const t = performance.now();
      seed(file, devices);
      const s = (performance.now() - t) / 1000;
      console.log(`seeded ${devices} devices in ${s.toFixed(1)} s (${Math.round(devices / s)} devices/s)`);
    } else {
      console.log(`reusing ${existing} devices in ${dataDir}`);
    }
    const n = existing === 0 ? devices : existing;
    const middle = encodeCursor([idOf(Math.floor(n / 2))]);
    const raw = new Database(file, { readonly: true });
    const plain = raw.prepare("select id from devices where id > ? order by id limit ?");
    const baseFirst = await time(() => plain.all("", PAGE));
    const baseMiddle = await time(() => plain.all(idOf(Math.floor(n / 2)), PAGE));
    raw.close();
    store = await openSqliteStore({ clock }, { dataDir });
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; ${n} devices; page ${PAGE}; median of ${REPEATS}`,
    );
    console.log(
      `${"query".padEnd(48)} ${"first page".padStart(12)} ${"ratio".padStart(8)} ${"middle page".padStart(12)} ${"ratio".padStart(8)}`,
    );
    const row = (name: string, first: number, mid: number) => {
      console.log(`${name.padEnd(48)} ${fmt(first)} ${ratio(first, baseFirst)} ${fmt(mid)} ${ratio(mid, baseMiddle)}`);
    };
    row("baseline: select id … limit 100", baseFirst, baseMiddle);
    row(
      "devices.list, no filter",
      await time(() => store.devices.list({ limit: PAGE })),
      await time(() => store.devices.list({ limit: PAGE, cursor: middle })),
    );
    for (const text of FILTERS) {
      const filter = filterOrThrow(text);
      const first = await time(() => store.devices.list({ filter, limit: PAGE }));
      const mid = await time(() => store.devices.list({ filter, limit: PAGE, cursor: middle }));
      row(text, first, mid);
    }
    const countFilter = filterOrThrow(FILTERS[1] as string);
    const t = performance.now();
    const count = await store.devices.count({ filter: countFilter });
    console.log(`count(${FILTERS[1]}) = ${count} in ${(performance.now() - t).toFixed(1)} ms`);
    await store.close();
  } finally {
    if (keep === undefined) await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
