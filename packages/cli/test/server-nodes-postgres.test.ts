// Several server nodes on one PostgreSQL (docs/operations.md "Several nodes"), as real `omadm server` processes
// on a database of their own: a DM session started on one node goes on on the other (CONT URL and cookie), the
// sweep runs on exactly one node (the holder of its lease), and when that node dies the other takes the lease
// once it expired. Then `--workers 2`: two processes on one port serve sessions. SQLite and memory are refused.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import pg from "pg";
import { AT_CLIENT_INIT } from "@omadm/protocol";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { SimDevice } from "../../server/test/dm-support.js";
import { childPids } from "../bench/bench-server.js";
import { startNode, type NodeProcess } from "./nodes-support/node-process.js";
import { refusedServerCommand } from "./server-command-support.js";

const postgres = await requirePostgres();
const { skip } = skipUnlessAvailable(postgres);
const database = `omadm_nodes_${process.pid}_${randomBytes(4).toString("hex")}`;
const SWEEP_MS = 200;
/** store.postgresMaxConnections of each `--workers` process. */
const POOL = 2;
const GET = "urn:oma:mo:oma-dm-devinfo:1.2//DevID";

async function admin<T>(fn: (c: pg.Client) => Promise<T>, db?: string): Promise<T> {
  const url = new URL(serviceUrl(postgres));
  if (db !== undefined) url.pathname = `/${db}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function dbUrl(): string {
  const url = new URL(serviceUrl(postgres));
  url.pathname = `/${database}`;
  return url.toString();
}

function nodeEnv(nodeId: string): Record<string, string> {
  return {
    OMADM_STORE_KIND: "postgres",
    OMADM_STORE_POSTGRES_URL: dbUrl(),
    OMADM_LISTEN_HOST: "127.0.0.1",
    OMADM_LISTEN_PORT: "0",
    OMADM_NODE_ID: nodeId,
    OMADM_SWEEP_INTERVAL_MS: String(SWEEP_MS),
    OMADM_NOTIFIER_UDP: "false",
    OMADM_LOG_LEVEL: "info",
  };
}

const runsSweep = (line: string) => line.includes("this node runs the sweep job");

async function sweepLease(): Promise<{ holder: string; expires_at: number } | undefined> {
  return admin(async (c) => {
    const r = await c.query<{ holder: string; expires_at: string }>(
      "select holder, expires_at from leases where name = 'sweep'",
    );
    const row = r.rows[0];
    return row === undefined ? undefined : { holder: row.holder, expires_at: Number(row.expires_at) };
  }, database);
}

/** Polls `check` until it is true or `ms` pass (a condition on another process's database writes). */
async function eventually(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function queue(base: string, deviceId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/api/v1/commands/bulk`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ command: ["GET", GET], deviceIds: [deviceId], idempotencyKey: `k${i}` }),
    });
    assert.equal(res.status, 200, await res.text());
  }
}

async function commandStates(base: string, deviceId: string): Promise<string[]> {
  const res = await fetch(`${base}/api/v1/commands?deviceId=${encodeURIComponent(deviceId)}`);
  const page = (await res.json()) as { items: { state: string }[] };
  return page.items.map((c) => c.state);
}

before(async () => {
  if (skip !== false) return;
  await admin((c) => c.query(`create database ${database}`));
});
after(async () => {
  if (skip !== false) return;
  await admin((c) => c.query(`drop database if exists ${database} with (force)`));
});

test(
  "two nodes on one PostgreSQL: a session goes on across them; the sweep runs on one; its death hands over",
  { skip },
  async () => {
    const nodes: NodeProcess[] = [];
    try {
      const started = await Promise.allSettled([startNode([], nodeEnv("node-a")), startNode([], nodeEnv("node-b"))]);
      for (const s of started) if (s.status === "fulfilled") nodes.push(s.value);
      for (const s of started) if (s.status === "rejected") throw s.reason;
      const [a, b] = nodes as [NodeProcess, NodeProcess];

      // A session begun on A, its Package#3 to B by the CONT URL, the next one to B by cookie alone.
      const device = new SimDevice("IMEI:490000000000001", `${a.base}/dm`);
      assert.equal((await device.p1()).status, 200);
      await queue(a.base, device.devId, 2);
      const p2 = await device.p1([{ AlertType: AT_CLIENT_INIT }]);
      assert.equal(p2.cmd.length, 3, JSON.stringify(p2.body)); // CONT + 2 GETs
      device.rebase(b.base);
      const end = await device.p3([{ sc: 200 }, { sc: 200 }, { sc: 200 }]);
      assert.equal(end.status, 200, JSON.stringify(end.body));
      assert.deepEqual(end.cmd, [["END"]]);
      assert.deepEqual(await commandStates(a.base, device.devId), ["done", "done"], "A sees what B recorded");

      // The sweep: exactly one node holds the lease and keeps renewing it; the other never runs it.
      const first = await Promise.race([a, b].map((n) => n.waitFor(runsSweep, 20_000).then(() => n)));
      const other = first === a ? b : a;
      const holderId = first === a ? "node-a" : "node-b";
      const expiries = new Set<number>();
      await eventually("the holder renews its lease three times", 20_000, async () => {
        const lease = await sweepLease();
        if (lease?.holder !== holderId) assert.fail(`the sweep lease moved: ${JSON.stringify(lease)}`);
        expiries.add(lease.expires_at);
        return expiries.size > 3;
      });
      assert.equal(other.lines.filter(runsSweep).length, 0, "the other node never ran the sweep");

      // The holder dies without giving the lease up: the other node takes it after it expired.
      await first.kill();
      await other.waitFor(runsSweep, 20_000);
      assert.equal((await sweepLease())?.holder, holderId === "node-a" ? "node-b" : "node-a");
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  },
);

test(
  "--workers 2 on one PostgreSQL: two processes on one port serve sessions, each within its pool; SIGTERM stops them all",
  { skip },
  async () => {
    const server = await startNode(["--workers", "2"], {
      ...nodeEnv("unused"),
      OMADM_NODE_ID: "",
      OMADM_STORE_POSTGRES_MAX_CONNECTIONS: String(POOL),
    });
    try {
      assert.match(server.lines.join("\n"), /2 worker processes on one port/);
      for (let i = 0; i < 4; i++) {
        const device = new SimDevice(`IMEI:4900000000001${i}`, `${server.base}/dm`);
        await device.p1();
        await queue(server.base, device.devId, 1);
        const p2 = await device.p1([{ AlertType: AT_CLIENT_INIT }]);
        assert.equal(p2.cmd.length, 2, JSON.stringify(p2.body));
        assert.deepEqual((await device.p3([{ sc: 200 }, { sc: 200 }])).cmd, [["END"]]);
      }
      // A burst of concurrent reads: each worker opens no more than store.postgresMaxConnections (the default,
      // 10, would open more than POOL per worker for this many at once).
      const burst = await Promise.all(
        Array.from({ length: 200 }, () => fetch(`${server.base}/api/v1/commands?limit=1`).then((r) => r.status)),
      );
      assert.deepEqual(new Set(burst), new Set([200]));
      const open = await admin(async (c) => {
        const r = await c.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
          [database],
        );
        return Number(r.rows[0]?.n);
      });
      assert.ok(open >= 2 && open <= 2 * POOL, `${open} connections to the database, expected 2 to ${2 * POOL}`);
      // Two workers listening: two "Server listening" lines on the same address.
      const listening = server.lines.filter((l) => l.includes("Server listening at"));
      assert.equal(listening.length, 2);
      assert.equal(new Set(listening.map((l) => /listening at (\S+)"/.exec(l)?.[1])).size, 1, "one port");
      // Each worker runs with the larger young generation (server-workers.ts), the primary's options kept.
      const workers = childPids(server.child.pid).map((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8"));
      assert.equal(workers.length, 2, "two worker processes");
      for (const cmdline of workers) assert.match(cmdline, /--max-semi-space-size=64\0/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  },
);

test("--workers 2 with SQLite or memory is refused, naming why", async () => {
  const sqlite = await refusedServerCommand(["--workers", "2", "--store", "sqlite"]);
  assert.equal(sqlite.code, 2);
  assert.match(sqlite.err, /--workers 2 needs store.kind postgres: SQLite is one file written by one process/);
  const memory = await refusedServerCommand(["--workers", "2", "--store", "memory"]);
  assert.match(memory.err, /a memory store lives inside one process/);
  const bad = await refusedServerCommand(["--workers", "0"]);
  assert.match(bad.err, /--workers must be a whole number from 1 to 64/);
});
