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
import { Synchronous } from "./target-ipc.js";
import { benchCommands } from "./bench-wire.js";
import { startOmadmTarget } from "./omadm-target.js";
import { runLoad } from "./session-load.js";
import {
  explainEveryConnection,
  type ExplainedStatement,
  type PlanNode,
} from "../../../test-support/pg-auto-explain.js";

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

const seen = new Map<string, Seen>();
let collecting = false;

/** One line per plan node, indented: type, what it reads, rows × loops, rows filtered away. */
function render(node: PlanNode, depth = 1): string {
  const on = [node["Relation Name"], node["Index Name"] && `using ${node["Index Name"]}`, node["CTE Name"]]
    .filter(Boolean)
    .join(" ");
  const removed = node["Rows Removed by Filter"] ? `, ${node["Rows Removed by Filter"]} filtered` : "";
  const line = `${"  ".repeat(depth)}${node["Node Type"]}${on ? ` ${on}` : ""} (rows ${node["Actual Rows"]} x ${node["Actual Loops"]}${removed})`;
  return [line, ...(node.Plans ?? []).map((p) => render(p, depth + 1))].join("\n");
}

function note(statement: ExplainedStatement): void {
  if (!collecting) return;
  const s = seen.get(statement.text) ?? { count: 0, totalMs: 0, hit: 0, read: 0, dirtied: 0, written: 0, plan: "" };
  const top = statement.plan;
  s.count++;
  s.totalMs += statement.durationMs;
  // The top node's buffers include its children's.
  s.hit += top["Shared Hit Blocks"] ?? 0;
  s.read += top["Shared Read Blocks"] ?? 0;
  s.dirtied += top["Shared Dirtied Blocks"] ?? 0;
  s.written += top["Shared Written Blocks"] ?? 0;
  s.plan = render(top);
  seen.set(statement.text, s);
}

async function main(): Promise<void> {
  explainEveryConnection(note, ["set auto_explain.log_buffers = on"]);
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
