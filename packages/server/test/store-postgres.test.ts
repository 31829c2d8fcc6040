// The PostgreSQL store runs the shared store contract against the real server (127.0.0.1:5432, database
// `test`, or OMADM_TEST_PG_URL). Every test gets its own schema, so parallel runs never collide; a "restart"
// opens a new pool on the same schema. Absent PostgreSQL: skipped with the reason, or failed under CI=true.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { ServerErrorCode } from "../src/errors.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { runStoreContract } from "./store-contract.js";
import { rejectsWith, TestClock } from "./store-contract-support.js";

const postgres = await requirePostgres();
const { skip } = skipUnlessAvailable(postgres);

/** A schema name unique to this process and test. */
function uniqueSchema(): string {
  return `omadm_test_${process.pid}_${randomBytes(6).toString("hex")}`;
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serviceUrl(postgres) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

runStoreContract(
  "postgres",
  () => {
    const url = serviceUrl(postgres);
    const schema = uniqueSchema();
    return Promise.resolve({
      open: (deps) => openPostgresStore(deps, { connectionString: url, schema, maxConnections: 4 }),
      setNotificationCounter: async (value) => {
        await withClient((c) =>
          c.query(`update ${schema}.counters set value = $1 where name = 'notification-id'`, [value]),
        );
      },
      concurrentNodes: true,
      dispose: async () => {
        await withClient((c) => c.query(`drop schema if exists ${schema} cascade`));
      },
    });
  },
  { skip },
);

test("postgres: refuses an unsafe schema name before connecting", { skip }, async () => {
  await rejectsWith(
    openPostgresStore(
      { clock: new TestClock() },
      { connectionString: serviceUrl(postgres), schema: "x; drop table y" },
    ),
    ServerErrorCode.INVALID_INPUT,
  );
});

test("postgres: an unreachable server is refused with STORE_UNAVAILABLE", async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  await rejectsWith(
    openPostgresStore({ clock: new TestClock() }, { connectionString: "postgres://postgres@127.0.0.1:1/test" }),
    ServerErrorCode.STORE_UNAVAILABLE,
  );
});

test("postgres: two nodes opening the same fresh schema at once both succeed", { skip }, async () => {
  const schema = uniqueSchema();
  const url = serviceUrl(postgres);
  try {
    const clock = new TestClock();
    const opened = await Promise.allSettled([
      openPostgresStore({ clock }, { connectionString: url, schema }),
      openPostgresStore({ clock }, { connectionString: url, schema }),
    ]);
    const stores = opened.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    try {
      for (const r of opened) if (r.status === "rejected") throw r.reason;
      await stores[0]!.devices.create({ id: "dev" });
      assert.equal((await stores[1]!.devices.get("dev"))?.id, "dev");
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  } finally {
    await withClient((c) => c.query(`drop schema if exists ${schema} cascade`));
  }
});

test("postgres: text PostgreSQL cannot hold in a filter is INVALID_INPUT, not a database error", { skip }, async () => {
  const schema = uniqueSchema();
  const store = await openPostgresStore({ clock: new TestClock() }, { connectionString: serviceUrl(postgres), schema });
  try {
    await rejectsWith(store.commands.list({ deviceId: "a\u0000b" }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.devices.list({ labels: { k: "\u0000" } }), ServerErrorCode.INVALID_INPUT);
  } finally {
    await store.close();
    await withClient((c) => c.query(`drop schema if exists ${schema} cascade`));
  }
});

test("postgres: a store opens while other deployments' schemas are being dropped", { skip }, async () => {
  // Kysely's look for its migration table reads every schema's catalog; a schema dropped meanwhile fails the read
  // (3F000). Two connections create and drop schemas with tables back to back, as a test suite's teardowns do,
  // while stores open one after another: each must open.
  const url = serviceUrl(postgres);
  const prefix = `omadm_churn_${process.pid}_${randomBytes(4).toString("hex")}`;
  let churning = true;
  const churn = async (lane: number) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      for (let i = 0; churning; i++) {
        const s = `${prefix}_${lane}_${i}`;
        await c.query(`create schema ${s}; create table ${s}.t (id serial primary key, v text)`);
        await c.query(`drop schema ${s} cascade`);
      }
    } finally {
      await c.end();
    }
  };
  const churners = [churn(1), churn(2)];
  const schemas: string[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      const schema = uniqueSchema();
      schemas.push(schema);
      const store = await openPostgresStore({ clock: new TestClock() }, { connectionString: url, schema });
      await store.close();
    }
  } finally {
    churning = false;
    await Promise.all(churners);
    await withClient(async (c) => {
      for (const s of schemas) await c.query(`drop schema if exists ${s} cascade`);
    });
  }
});
