// Console sign-ins live in the store (docs/console.md "Signing in"): a cookie made by one server instance is
// accepted by a second instance over the same SQLite file or PostgreSQL database, by both after a restart of
// the first, and ends everywhere at sign-out or when its API token is revoked on any node. Real servers on
// loopback sockets, a real SQLite file, a real PostgreSQL schema (skipped with the reason when absent, failed
// under CI=true).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { createOmadmServer } from "../src/app.js";
import { loadServerConfig } from "../src/config.js";
import { consoleSecretHash } from "../src/console/console-sessions.js";
import { createApiToken } from "../src/services/api-tokens.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import type { Clock } from "../src/store/types.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { call, cookieOf } from "./console-support.js";
import { manualClock, tempDir } from "./dm-support.js";

const postgres = await requirePostgres();
const { skip: pgSkip } = skipUnlessAvailable(postgres);

function config() {
  const loaded = loadServerConfig({
    overrides: {
      listen: { host: "127.0.0.1", port: 0 },
      components: { notifier: false },
      // Every request must prove itself with the cookie or a token: loopback alone must not get in.
      api: { loopbackWithoutToken: false },
    },
  });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

interface Node {
  readonly base: string;
  stop(): Promise<void>;
}

async function startNode(store: Store, clock: Clock): Promise<Node> {
  const server = createOmadmServer({ store, clock }, config());
  const base = (await server.start()).urls.base;
  return { base, stop: () => server.stop() };
}

async function twoNodes(open: (clock: Clock) => Promise<Store>): Promise<void> {
  const clock = manualClock(Date.now());
  const stores: Store[] = [];
  const nodes: Node[] = [];
  const node = async () => {
    const store = await open(clock);
    stores.push(store);
    const n = await startNode(store, clock);
    nodes.push(n);
    return { store, node: n };
  };
  try {
    const a = await node();
    const b = await node();
    const { token, record } = await createApiToken(a.store, "operator");

    const signIn = await call("POST", `${a.node.base}/api/console/session`, {}, { token });
    assert.equal(signIn.status, 201, JSON.stringify(signIn.json));
    const cookie = cookieOf(signIn.headers["set-cookie"]);
    const csrf = String(signIn.json?.csrfToken);
    assert.match(cookie, /^omadm-console=[A-Za-z0-9_-]{43}$/);
    const secret = cookie.slice(cookie.indexOf("=") + 1);

    // Node B knows the sign-in: a read, the current sign-in (same CSRF token), and a write with it.
    assert.equal((await call("GET", `${b.node.base}/api/v1/devices`, { cookie })).status, 200);
    const current = await call("GET", `${b.node.base}/api/console/session`, { cookie });
    assert.equal(current.status, 200);
    assert.equal(current.json?.csrfToken, csrf, "the CSRF token is the same on every node");
    const created = await call(
      "POST",
      `${b.node.base}/api/v1/devices`,
      { cookie, "x-csrf-token": csrf },
      { id: "dev-b" },
    );
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal((await call("POST", `${b.node.base}/api/v1/devices`, { cookie }, { id: "dev-x" })).status, 403);
    // Not a cookie someone could replay from the database: only the hash of the secret is stored.
    assert.equal(await b.store.consoleSignIns.find(secret), null, "the secret itself is no key");
    assert.equal((await b.store.consoleSignIns.find(consoleSecretHash(secret)))?.tokenId, record.id);

    // A restart of A (a new store over the same database, a new server) keeps the sign-in.
    await a.node.stop();
    await a.store.close();
    const a2 = await node();
    assert.equal((await call("GET", `${a2.node.base}/api/v1/devices/dev-b`, { cookie })).status, 200);

    // Revoking the token on B ends the sign-in on every node.
    const revoked = await call("DELETE", `${b.node.base}/api/v1/tokens/${record.id}`, {
      authorization: `Bearer ${token}`,
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
    assert.equal((await call("GET", `${a2.node.base}/api/v1/devices`, { cookie })).status, 401);
    assert.equal((await call("GET", `${b.node.base}/api/console/session`, { cookie })).status, 401);

    // Sign-out on one node ends a sign-in on the other.
    const second = await createApiToken(b.store, "second");
    const again = await call("POST", `${b.node.base}/api/console/session`, {}, { token: second.token });
    const againCookie = cookieOf(again.headers["set-cookie"]);
    const out = await call("DELETE", `${a2.node.base}/api/console/session`, {
      cookie: againCookie,
      "x-csrf-token": String(again.json?.csrfToken),
    });
    assert.equal(out.status, 204);
    assert.equal((await call("GET", `${b.node.base}/api/v1/devices`, { cookie: againCookie })).status, 401);
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined);
    for (const s of stores) await s.close();
  }
}

test("a console sign-in made on one node works on a second over the same SQLite file, and after a restart", async () => {
  const dir = tempDir("omadm-console-nodes-");
  try {
    await twoNodes((clock) => openSqliteStore({ clock }, { dataDir: dir.path }));
  } finally {
    dir.remove();
  }
});

test(
  "a console sign-in made on one node works on a second over the same PostgreSQL database",
  { skip: pgSkip },
  async () => {
    const url = serviceUrl(postgres);
    const schema = `omadm_console_${process.pid}_${randomBytes(6).toString("hex")}`;
    try {
      await twoNodes((clock) => openPostgresStore({ clock }, { connectionString: url, schema, maxConnections: 4 }));
    } finally {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    }
  },
);
