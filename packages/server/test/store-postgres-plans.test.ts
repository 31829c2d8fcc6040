// What the PostgreSQL store's session-path statements read while many sessions are in flight: a session's next
// batch (commands.takeBatch), a Package#3's answers (commands.recordResults) and a session's close (its in-flight
// commands requeued) must read O(their own batch), whatever the number of commands sent in other sessions and
// however long the device's history. Checked on the plans PostgreSQL actually runs:
// every connection of the store loads auto_explain for itself (LOAD and SET: nothing in the server's
// configuration changes) and is held to the generic plan a named statement settles on after its first runs
// (plan_cache_mode), with statistics taken while nothing was in flight, as a busy fleet's last ANALYZE may be.
// Before, the answers' and the close's statements walked every `sent` command of the fleet (commands_by_state).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { openPostgresStore } from "../src/store/postgres.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { TestClock } from "./store-contract-support.js";
import {
  explainEveryConnection,
  type ExplainedStatement,
  type PlanNode,
} from "../../../test-support/pg-auto-explain.js";

const postgres = await requirePostgres();
const { skip } = skipUnlessAvailable(postgres);

const DEVICES = 150;
const PER_DEVICE = 3;
/** Commands one device has been sent and has answered over its life. */
const HISTORY = 3000;

/** The statements explained while `collecting`. */
const explained: ExplainedStatement[] = [];
let collecting = false;

/** Every node of a plan with the rows it read and threw away, as `Node on relation using index: N`. */
function filtered(node: PlanNode): { where: string; relation: string | undefined; removed: number }[] {
  const where = `${node["Node Type"]} ${node["Relation Name"] ?? ""} ${node["Index Name"] ?? ""}`.trim();
  const own = { where, relation: node["Relation Name"], removed: node["Rows Removed by Filter"] ?? 0 };
  return [own, ...(node.Plans ?? []).flatMap(filtered)];
}

test(
  "postgres: a session's batch, answers and close read their own commands, not every one in flight nor a device's history",
  { skip },
  async () => {
    // Each connection of the store held to the generic plan a named statement settles on after its first runs.
    const restore = explainEveryConnection(
      (statement) => {
        if (collecting) explained.push(statement);
      },
      ["set plan_cache_mode = force_generic_plan"],
    );
    const url = serviceUrl(postgres);
    const schema = `omadm_test_${process.pid}_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const store = await openPostgresStore(
      { clock: new TestClock() },
      { connectionString: url, schema, maxConnections: 2 },
    );
    try {
      const devices = Array.from({ length: DEVICES }, (_, i) => `dev-${i}`);
      for (const deviceId of devices) {
        await store.devices.create({ id: deviceId });
        for (let i = 0; i < PER_DEVICE; i++) {
          await store.commands.enqueue({ deviceId, name: "GET", params: [`urn:x/${i}`] });
        }
      }
      const opened: string[] = [];
      for (const deviceId of devices) {
        const { session } = await store.sessions.open({ deviceId, stateName: "p1", idleTimeoutMs: 600_000 });
        opened.push(session.id);
      }
      // A device with a long history: one command run through a session, its done row then copied.
      const veteran = "dev-veteran";
      await store.devices.create({ id: veteran });
      const { command: first } = await store.commands.enqueue({ deviceId: veteran, name: "GET", params: ["urn:x"] });
      const { session: old } = await store.sessions.open({
        deviceId: veteran,
        stateName: "p1",
        idleTimeoutMs: 600_000,
      });
      await store.commands.takeBatch({ deviceId: veteran, sessionId: old.id, max: 1, packageNo: 2 });
      await store.commands.recordResults(old.id, [{ commandId: first.id, outcome: "done", statusCode: 200 }]);
      await store.sessions.close(old.id, "ended");
      const { rows: columns } = await admin.query<{ name: string }>(
        `select quote_ident(column_name) as name from information_schema.columns
          where table_schema = $1 and table_name = 'commands' and column_name not in ('seq', 'id')`,
        [schema],
      );
      // Three commands per past session, as the batches of its sessions were.
      const list = columns.map((c) => c.name);
      const values = list.map((c) => (c === "session_id" ? `'past-' || (g / 3)` : c));
      await admin.query(
        `insert into ${schema}.commands (id, ${list.join(", ")}) select 'history-' || g, ${values.join(", ")}
          from ${schema}.commands, generate_series(1, ${HISTORY}) g where id = $1`,
        [first.id],
      );
      for (let i = 0; i < PER_DEVICE; i++) {
        await store.commands.enqueue({ deviceId: veteran, name: "GET", params: [`urn:y/${i}`] });
      }
      await admin.query(`analyze ${schema}.commands`);
      await admin.query(`analyze ${schema}.sessions`);
      const sessions: { sessionId: string; ids: string[] }[] = [];
      for (const [i, deviceId] of devices.entries()) {
        const sessionId = opened[i]!;
        const batch = await store.commands.takeBatch({ deviceId, sessionId, max: PER_DEVICE, packageNo: 2 });
        sessions.push({ sessionId, ids: batch.map((c) => c.id) });
      }
      const inFlight = DEVICES * PER_DEVICE;

      collecting = true;
      const [answered, closed] = [sessions[0]!, sessions[1]!];
      const written = await store.commands.recordResults(
        answered.sessionId,
        answered.ids.map((commandId) => ({ commandId, outcome: "done", statusCode: 200 }) as const),
      );
      const { requeued } = await store.sessions.close(closed.sessionId, "aborted");
      // The veteran's whole session: its queued commands taken, answered, the session ended.
      const { session: now } = await store.sessions.open({
        deviceId: veteran,
        stateName: "p1",
        idleTimeoutMs: 600_000,
      });
      const taken = await store.commands.takeBatch({ deviceId: veteran, sessionId: now.id, max: 10, packageNo: 2 });
      await store.commands.recordResults(
        now.id,
        taken.map((c) => ({ commandId: c.id, outcome: "done", statusCode: 200 }) as const),
      );
      await store.sessions.close(now.id, "ended");
      collecting = false;

      // The calls did what they say, on the plans explained.
      assert.deepEqual(
        written.map((c) => c.state),
        ["done", "done", "done"],
      );
      assert.equal(requeued.length, PER_DEVICE);
      assert.deepEqual(
        taken.map((c) => c.params),
        [["urn:y/0"], ["urn:y/1"], ["urn:y/2"]],
      );
      const answerPlan = explained.find((e) => /^with d as materialized .* update commands c set state/.test(e.text));
      const closePlan = explained.find((e) => /^with target as materialized .*\(update sessions set/.test(e.text));
      assert.ok(answerPlan, `the answers' statement was explained: ${explained.map((e) => e.text).join("\n")}`);
      assert.ok(closePlan, "the close's statement was explained");

      // No node reading commands in any statement these calls ran read more than its own session's and threw
      // the rest away: neither the other sessions' (before, the answers' and the close's each filtered
      // inFlight − 3) nor the veteran's history of ${HISTORY} done commands.
      // (Other tables are left to the planner: at this size a sequential scan of sessions is its fair choice.)
      for (const e of explained) {
        for (const node of filtered(e.plan).filter((n) => n.relation === "commands")) {
          assert.ok(
            node.removed <= PER_DEVICE,
            `${node.where} filtered ${node.removed} rows (${inFlight} commands in flight) in: ${e.text.slice(0, 160)}`,
          );
        }
      }
    } finally {
      collecting = false;
      restore();
      await store.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  },
);
