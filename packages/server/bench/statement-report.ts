// `npm run bench:server -- --statements`: where the store's time goes. The omadm target times every statement
// it runs inside the measured window (src/store/sql/sqlite-statement-times.ts); this prints the top SQL texts by
// total time, per session: how many runs, microseconds each (mean and longest run), and on SQLite their share of
// the server's CPU (a run holds the event loop); then the texts whose longest run was longest. On PostgreSQL a
// run is a round trip, from going out to ReadyForQuery (pg-round-trips.ts): wall time, overlapping, not CPU.
import type { StatementTime } from "./target-ipc.js";

const TOP = 20;
const LONGEST = 5;
const SQL_WIDTH = 96;

/** One line of SQL, quotes dropped, long CASE lists and value lists folded, cut to `width`. */
export function shortSql(text: string, width = SQL_WIDTH): string {
  const line = text
    .replace(/\s+/g, " ")
    .replace(/"/g, "")
    // `case id when ? then ? when ? then ? … end` → `case id when ? then ? … end`
    .replace(/(when \? then \? )(?:when \? then \? )+/g, "$1… ")
    // `in (?, ?, ?, …)` and multi-row VALUES → the first item and an ellipsis
    .replace(/\((\?)(?:, \?){2,}\)/g, "($1, …)")
    .replace(/(\([^()]*\))(?:, \([^()]*\)){1,}/g, "$1, …")
    .trim();
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/** The figures of SQL texts that read the same once shortened (e.g. a multi-row INSERT per row count) summed. */
export function byShortSql(figures: readonly StatementTime[]): StatementTime[] {
  const merged = new Map<string, { count: number; totalUs: number; maxUs: number }>();
  for (const f of figures) {
    const sql = shortSql(f.sql);
    const m = merged.get(sql);
    if (m === undefined) merged.set(sql, { count: f.count, totalUs: f.totalUs, maxUs: f.maxUs });
    else {
      m.count += f.count;
      m.totalUs += f.totalUs;
      m.maxUs = Math.max(m.maxUs, f.maxUs);
    }
  }
  return [...merged].map(([sql, m]) => ({ sql, ...m })).sort((a, b) => b.totalUs - a.totalUs);
}

export function printStatements(
  label: string,
  raw: readonly StatementTime[],
  sessions: number,
  serverCpuMs: number | null,
  postgres = false,
): void {
  if (sessions === 0) return;
  const figures = byShortSql(raw);
  const totalUs = figures.reduce((sum, f) => sum + f.totalUs, 0);
  const runs = figures.reduce((sum, f) => sum + f.count, 0);
  const cpu =
    serverCpuMs === null || postgres
      ? ""
      : `, ${((100 * totalUs) / 1000 / serverCpuMs).toFixed(0)}% of the server's CPU`;
  const where = postgres ? "waiting on round trips (wall time, overlapping)" : "time inside better-sqlite3";
  console.log(
    `${label}: ${where} per session ${(totalUs / sessions).toFixed(0)} µs ` +
      `over ${(runs / sessions).toFixed(1)} statements${cpu}; top ${Math.min(TOP, figures.length)} SQL texts:`,
  );
  const line = (f: StatementTime) =>
    `  ${(f.totalUs / sessions).toFixed(1).padStart(10)} ${(f.count / sessions).toFixed(2).padStart(12)} ` +
    `${(f.totalUs / f.count).toFixed(1).padStart(8)} ${f.maxUs.toFixed(0).padStart(8)}  ${f.sql}`;
  const header = `  ${"µs/session".padStart(10)} ${"runs/session".padStart(12)} ${"µs each".padStart(8)} ${"max µs".padStart(8)}  statement`;
  console.log(header);
  for (const f of figures.slice(0, TOP)) console.log(line(f));
  const longest = [...figures].sort((a, b) => b.maxUs - a.maxUs).slice(0, LONGEST);
  const held = postgres ? "waited longest for its answer" : "held the event loop longest";
  console.log(`${label}: the ${longest.length} SQL texts whose longest run ${held}:`);
  for (const f of longest) console.log(line(f));
}
