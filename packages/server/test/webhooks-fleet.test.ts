// Webhook delivery on two server nodes sharing one PostgreSQL database (their own schema): events appended by
// either node reach the receiver exactly once each and in log order, because only the node holding the store
// lease `omadm:webhooks` delivers; when a node stops, delivery goes on from the other one. Absent PostgreSQL:
// skipped with the reason, or failed under CI=true.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { request } from "undici";
import { createOmadmServer, type OmadmServer } from "../src/app.js";
import { loadServerConfig } from "../src/config.js";
import { openPostgresStore } from "../src/store/postgres.js";
import type { Store } from "../src/store/store.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { eventIdOf, startReceiver } from "./webhook-support.js";

const postgres = await requirePostgres();
const { skip } = skipUnlessAvailable(postgres);
const clock = { now: () => Date.now() };

function config(nodeId: string) {
  const loaded = loadServerConfig({
    overrides: {
      listen: { host: "127.0.0.1", port: 0 },
      components: { notifier: false },
      nodeId,
      events: { pollMs: 100 },
      webhooks: { timeoutMs: 1000, maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 80 },
      logLevel: "silent",
    },
  });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

test(
  "two nodes on one PostgreSQL: each event delivered once, in order; a stopped node hands over",
  { skip },
  async () => {
    const url = serviceUrl(postgres);
    const schema = `omadm_hooks_${process.pid}_${randomBytes(6).toString("hex")}`;
    const receiver = await startReceiver();
    const stores: Store[] = [];
    const servers: OmadmServer[] = [];
    try {
      for (const node of ["node-a", "node-b"]) {
        const store = await openPostgresStore({ clock }, { connectionString: url, schema, maxConnections: 4 });
        stores.push(store);
        const server = createOmadmServer({ store, clock }, config(node));
        await server.start();
        servers.push(server);
      }
      const [a, b] = servers;
      assert.ok(a !== undefined && b !== undefined);
      const created = await request(`${a.publicBaseUrl()}/api/v1/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: receiver.url }),
      });
      assert.equal(created.statusCode, 201);
      const publish = (server: OmadmServer, n: number) => {
        server.events.publish({
          kind: "test.fleet",
          deviceId: null,
          sessionId: null,
          commandId: null,
          data: { n },
          at: Date.now(),
        });
      };
      for (let n = 1; n <= 10; n++) publish(n % 2 === 0 ? a : b, n);
      await a.flushEvents();
      await b.flushEvents();
      await receiver.waitFor((r) => r.length >= 10, "ten deliveries");

      // The holder stops and gives the lease up; the other node takes it and delivers what comes next.
      await a.stop();
      for (let n = 11; n <= 14; n++) publish(b, n);
      await b.flushEvents();
      await receiver.waitFor((r) => r.length >= 14, "the deliveries after a node stopped");
      // Let a second dispatcher, if there were one, show itself: one more poll and lease period with nothing new.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const ids = receiver.received.map(eventIdOf);
      assert.equal(new Set(ids).size, ids.length, `no event twice: ${ids.join(",")}`);
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => x - y),
        "log order",
      );
      assert.deepEqual(
        receiver.received.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n).sort((x, y) => x - y),
        Array.from({ length: 14 }, (_, i) => i + 1),
      );
    } finally {
      for (const server of servers) await server.stop();
      for (const store of stores) await store.close();
      await receiver.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  },
);
