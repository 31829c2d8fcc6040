// The REST API over a real socket (127.0.0.1, port 0) on the real SQLite store in a temp directory: queued
// commands, idempotency keys and API tokens survive a server restart (ARCHITECTURE.md invariant 5); problems arrive as
// application/problem+json on the wire.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { apiPlugin } from "../src/api/api-plugin.js";
import { ServerErrorCode } from "../src/errors.js";
import { createApiToken } from "../src/services/api-tokens.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { C, C2, S } from "./api-support.js";
import { TestClock } from "./store-contract-support.js";
import { edgeApp } from "./edge-support.js";

interface Server {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly base: string;
}

async function start(dataDir: string, clock: TestClock): Promise<Server> {
  const store = await openSqliteStore({ clock }, { dataDir });
  const app = edgeApp();
  await app.register(apiPlugin, { store, clock, loopbackWithoutToken: false });
  const base = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, store, base };
}

async function stop(server: Server): Promise<void> {
  await server.app.close();
  await server.store.close();
}

async function call(
  server: Server,
  token: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await request(`${server.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(payload === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    type: String(res.headers["content-type"]),
    json: (text === "" ? null : JSON.parse(text)) as Record<string, unknown> & { items?: Record<string, unknown>[] },
  };
}

test("SQLite + socket: commands, idempotency and tokens survive a restart; problems on the wire", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "omadm-api-"));
  const clock = new TestClock();
  let server = await start(dataDir, clock);
  try {
    const { token } = await createApiToken(server.store, "bootstrap");

    let res = await call(server, token, "POST", "/api/v1/devices", { id: "sqlite-dev", labels: { site: "db" } });
    assert.equal(res.status, 201);
    res = await call(
      server,
      token,
      "POST",
      "/api/v1/devices/sqlite-dev/commands",
      { command: ["HGET", S, C] },
      {
        "idempotency-key": "deploy-7",
      },
    );
    assert.equal(res.status, 201);
    const commandId = String(res.json["id"]);
    res = await call(server, token, "POST", "/api/v1/devices/sqlite-dev/commands", {
      command: { name: "EXEC", clientUri: C2 },
      ttlSeconds: 3600,
    });
    assert.equal(res.status, 201);
    assert.deepEqual(res.json["correlation"], { sourceUri: C2 });

    res = await call(server, token, "POST", "/api/v1/devices/sqlite-dev/commands", { command: ["DEFAULT", S, "x"] });
    assert.equal(res.status, 400);
    assert.match(res.type, /^application\/problem\+json/);
    assert.equal(res.json["code"], ServerErrorCode.COMMAND_INVALID);
    assert.match(String(res.json["detail"]), /parameter 2 "moid" \(MOID\)/);

    // Restart: a new process would see the same database file.
    await stop(server);
    server = await start(dataDir, clock);

    res = await call(server, token, "GET", "/api/v1/devices/sqlite-dev/commands?state=queued");
    assert.equal(res.status, 200, "the token survived the restart (its hash is in the database)");
    assert.deepEqual(
      res.json.items?.map((c) => c["name"]),
      ["HGET", "EXEC"],
    );
    res = await call(
      server,
      token,
      "POST",
      "/api/v1/devices/sqlite-dev/commands",
      { command: ["HGET", S, C] },
      {
        "idempotency-key": "deploy-7",
      },
    );
    assert.equal(res.status, 200, "a retry after the restart gets the first command back");
    assert.equal(res.json["id"], commandId);
    res = await call(
      server,
      token,
      "POST",
      "/api/v1/devices/sqlite-dev/commands",
      { command: ["GET", C] },
      {
        "idempotency-key": "deploy-7",
      },
    );
    assert.equal(res.status, 409);
    assert.equal(res.json["code"], ServerErrorCode.IDEMPOTENCY_CONFLICT);

    res = await call(server, token, "POST", `/api/v1/commands/${commandId}/cancel`);
    assert.equal(res.json["state"], "cancelled");

    const listed = await call(server, token, "GET", "/api/v1/tokens");
    const id = String(listed.json.items?.[0]?.["id"]);
    res = await call(server, token, "DELETE", `/api/v1/tokens/${id}`);
    assert.equal(res.status, 200);
    res = await call(server, token, "GET", "/api/v1/devices");
    assert.equal(res.status, 401, "revoked");
    assert.equal(res.json["code"], ServerErrorCode.API_UNAUTHORIZED);
  } finally {
    await stop(server);
    await rm(dataDir, { recursive: true, force: true });
  }
});
