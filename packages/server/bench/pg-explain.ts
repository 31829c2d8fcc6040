// `npm run bench:pg-explain -- [--seconds 4] [--concurrency 8] [--devices 200] [--backlog 0] [--analyze]
//                               [--postgres-url <url>]`:
// what each statement of the DM session path costs PostgreSQL. The bench:server load (session-load.ts) runs
// against the real server on a PostgreSQL store in a fresh schema, in this process; every pooled connection
// loads auto_explain for itself (LOAD, then SET: nothing in the server's configuration changes) and has each
// statement's EXPLAIN (ANALYZE, BUFFERS) sent back to it as a NOTICE. Printed per statement text: how many ran
// in the measured window, per session, their mean execution time inside PostgreSQL, buffers hit/dirtied per
// call, and the last plan. `--backlog N` adds N devices with their three commands queued and never served (a
// fleet waiting for its wakes), `--analyze` runs ANALYZE before the load (as autovacuum would have by then). Timing every plan node slows PostgreSQL down: compare the statements with each other,
// not with bench:server's figures.
import { parseArgs } from "node:util";
import pg from "pg";
import { Synchronous } from "./target-ipc.js";
import { benchCommands } from "./bench-wire.js";
import { startOmadmTarget } from "./omadm-target.js";
import { runLoad } from "./session-load.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "4" },
    concurrency: { type: "string", default: "8" },
    devices: { type: "string", default: "200" },
    backlog: { type: "string", default: "0" },
    analyze: { type: "boolean", default: false },
    "postgres-url": {
      type: "string",
      default: process.env["OMADM_TEST_PG_URL"] ?? "postgres://root@127.0.0.1:5432/test",
    },
  },
});

interface Seen {
  count: number;
  totalMs: number;
  hit: number;
  read: number;
  dirtied: number;
  written: number;
  plan: string;
}

const EXPLAIN_SETTINGS = [
  "set auto_explain.log_min_duration = 0",
  "set auto_explain.log_analyze = on",
  "set auto_explain.log_buffers = on",
  "set auto_explain.log_nested_statements = on",
  "set auto_explain.log_level = notice",
  "set auto_explain.log_format = json",
  "set client_min_messages = notice",
];

const seen = new Map<string, Seen>();
let collecting = false;

interface PlanNode {
  readonly "Node Type": string;
  readonly "Relation Name"?: string;
  readonly "Index Name"?: string;
  readonly "CTE Name"?: string;
  readonly "Actual Rows"?: number;
  readonly "Actual Loops"?: number;
  readonly "Rows Removed by Filter"?: number;
  readonly "Shared Hit Blocks"?: number;
  readonly "Shared Read Blocks"?: number;
  readonly "Shared Dirtied Blocks"?: number;
  readonly "Shared Written Blocks"?: number;
  readonly Plans?: readonly PlanNode[];
}

/** One line per plan node, indented: type, what it reads, rows × loops, rows filtered away. */
function render(node: PlanNode, depth = 1): string {
  const on = [node["Relation Name"], node["Index Name"] && `using ${node["Index Name"]}`, node["CTE Name"]]
    .filter(Boolean)
    .join(" ");
  const removed = node["Rows Removed by Filter"] ? `, ${node["Rows Removed by Filter"]} filtered` : "";
  const line = `${"  ".repeat(depth)}${node["Node Type"]}${on ? ` ${on}` : ""} (rows ${node["Actual Rows"]} x ${node["Actual Loops"]}${removed})`;
  return [line, ...(node.Plans ?? []).map((p) => render(p, depth + 1))].join("\n");
}

/** auto_explain's NOTICE in JSON: `duration: X ms  plan:\n{"Query Text": …, "Plan": …}`. */
function note(message: string): void {
  if (!collecting) return;
  const m = /^duration: ([\d.]+) ms\s+plan:\n([\s\S]*)$/.exec(message);
  if (m === null) return;
  const explained = JSON.parse(m[2] ?? "{}") as { "Query Text": string; Plan: PlanNode };
  const key = explained["Query Text"].replace(/\s+/g, " ").trim();
  const s = seen.get(key) ?? { count: 0, totalMs: 0, hit: 0, read: 0, dirtied: 0, written: 0, plan: "" };
  const top = explained.Plan;
  s.count++;
  s.totalMs += Number(m[1]);
  // The top node's buffers include its children's.
  s.hit += top["Shared Hit Blocks"] ?? 0;
  s.read += top["Shared Read Blocks"] ?? 0;
  s.dirtied += top["Shared Dirtied Blocks"] ?? 0;
  s.written += top["Shared Written Blocks"] ?? 0;
  s.plan = render(top);
  seen.set(key, s);
}

function explainEveryConnection(): void {
  const proto = pg.Client.prototype as unknown as { connect: (...args: unknown[]) => Promise<void> };
  const connect = proto.connect;
  // pg.Pool connects with a callback: it is called once the settings are in, so the pool's first query follows.
  proto.connect = async function (this: pg.Client, ...args: unknown[]) {
    const done = typeof args[0] === "function" ? (args[0] as (error?: unknown) => void) : undefined;
    try {
      await connect.call(this);
      await this.query("load 'auto_explain'");
      for (const s of EXPLAIN_SETTINGS) await this.query(s);
      this.on("notice", (n) => {
        note(n.message ?? "");
      });
    } catch (error) {
      if (done === undefined) throw error;
      done(error);
      return;
    }
    done?.();
  };
}

async function main(): Promise<void> {
  explainEveryConnection();
  const devices = Array.from({ length: Number(values.devices) }, (_, i) => `IMEI:35${String(i).padStart(13, "0")}`);
  const backlog = Array.from({ length: Number(values.backlog) }, (_, i) => `IMEI:36${String(i).padStart(13, "0")}`);
  const target = await startOmadmTarget(
    "127.0.0.1",
    [...devices, ...backlog],
    Synchronous.Full,
    values["postgres-url"],
  );
  for (const id of backlog) await target.refill(id);
  if (values.analyze) await target.analyze();
  let sessions: number;
  try {
    const load = await runLoad({
      baseUrl: target.baseUrl,
      deviceIds: devices,
      concurrency: Number(values.concurrency),
      pools: 2,
      warmupMs: 1000,
      measureMs: Number(values.seconds) * 1000,
      expected: benchCommands(target.baseUrl),
      refill: (id) => target.refill(id),
      onWindow: (edge) => {
        collecting = edge === "window-start";
        return Promise.resolve();
      },
    });
    if (load.failure !== null) throw load.failure;
    sessions = load.sessionsInWindow;
  } finally {
    collecting = false;
    await target.close();
  }
  const all = [...seen.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
  const total = all.reduce((n, [, s]) => n + s.totalMs, 0);
  console.log(`${sessions} sessions in the window; ${(total / sessions).toFixed(3)} ms executing per session`);
  for (const [text, s] of all) {
    const per = (n: number) => (n / s.count).toFixed(1);
    console.log(
      `\n${(s.count / sessions).toFixed(2)}/session, mean ${(s.totalMs / s.count).toFixed(3)} ms, ` +
        `${((100 * s.totalMs) / total).toFixed(1)}% of the time; buffers per call hit ${per(s.hit)} read ` +
        `${per(s.read)} dirtied ${per(s.dirtied)} written ${per(s.written)}\n  ${text.slice(0, 400)}\n${s.plan}`,
    );
  }
}

await main();
