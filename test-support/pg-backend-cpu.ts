// CPU time PostgreSQL's own backends spend for a bench, read where the benches run PostgreSQL: on this machine.
// Each connection is served by one backend process; pg_stat_activity names the backends of a database or of an
// application_name, and /proc/<pid>/stat gives each one's user and system time (proc(5), fields 14 and 15, in
// clock ticks). A backend seen for the first time after the start counts from zero (it was born in the window);
// one that ended between two samples keeps its last reading, so sample now and then in long runs.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import pg from "pg";

/** Which backends are the bench's. */
export type BackendFilter = { readonly database: string } | { readonly applicationName: string };

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    const raw = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    ticksPerSecond = Number.isFinite(raw) && raw > 0 ? raw : 100;
  }
  return ticksPerSecond;
}

/** User + system CPU of process `pid` in ms, or undefined when it is gone or not readable. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks() : undefined;
}

export interface BackendCpu {
  /** Reads every matching backend now (the first call is the start). */
  sample(): Promise<void>;
  /** CPU ms the matching backends used between the first sample and the last. */
  usedMs(): number;
  /** Distinct backends seen. */
  backends(): number;
  close(): Promise<void>;
}

/** Watches the backends `filter` selects, through its own connection (which it leaves out). */
export async function watchBackendCpu(url: string, filter: BackendFilter): Promise<BackendCpu> {
  const client = new pg.Client({ connectionString: url });
  // A bench may drop its database (and end this connection) before closing the watcher: not a crash.
  client.on("error", () => undefined);
  await client.connect();
  const [column, value] =
    "database" in filter ? ["datname", filter.database] : ["application_name", filter.applicationName];
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let started = false;
  return {
    async sample() {
      const { rows } = await client.query<{ pid: number }>(
        `select pid from pg_stat_activity where ${column} = $1 and pid <> pg_backend_pid()`,
        [value],
      );
      for (const { pid } of rows) {
        const ms = processCpuMs(pid);
        if (ms === undefined) continue;
        if (!first.has(pid)) first.set(pid, started ? 0 : ms);
        last.set(pid, ms);
      }
      started = true;
    },
    usedMs() {
      let total = 0;
      for (const [pid, ms] of last) total += ms - (first.get(pid) ?? 0);
      return total;
    },
    backends: () => last.size,
    close: () => client.end().catch(() => undefined),
  };
}
