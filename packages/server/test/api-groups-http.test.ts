// Device selection and saved groups through the REST API over a real socket (127.0.0.1, port 0), on each store:
// memory, SQLite in a temp directory, PostgreSQL in a schema of its own (docs/filters.md). Writes need a token
// like every API write; a filter that does not parse is a 400 naming the position and what was expected.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { edgeApp } from "./edge-support.js";
import pg from "pg";
import { request } from "undici";
import { apiPlugin } from "../src/api/api-plugin.js";
import { ServerErrorCode } from "../src/errors.js";
import { createApiToken } from "../src/services/api-tokens.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { TestClock } from "./store-contract-support.js";

const C = ServerErrorCode;
const DAY = 86_400_000;
const postgres = await requirePostgres();

interface Backend {
  readonly name: string;
  readonly skip: string | false;
  open(clock: TestClock): Promise<{ store: Store; dispose: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "memory",
    skip: false,
    open: (clock) => Promise.resolve({ store: createMemoryStore({ clock }), dispose: () => Promise.resolve() }),
  },
  {
    name: "sqlite",
    skip: false,
    open: async (clock) => {
      const dataDir = await mkdtemp(join(tmpdir(), "omadm-groups-"));
      return { store: await openSqliteStore({ clock }, { dataDir }), dispose: () => rm(dataDir, { recursive: true }) };
    },
  },
  {
    name: "postgres",
    skip: skipUnlessAvailable(postgres).skip,
    open: async (clock) => {
      const url = serviceUrl(postgres);
      const schema = `omadm_groups_${process.pid}_${randomBytes(6).toString("hex")}`;
      const store = await openPostgresStore({ clock }, { connectionString: url, schema, maxConnections: 4 });
      return {
        store,
        dispose: async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          await client.query(`drop schema if exists ${schema} cascade`);
          await client.end();
        },
      };
    },
  },
];

type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };

async function withApi(backend: Backend, body: (call: Call, store: Store, clock: TestClock) => Promise<void>) {
  const clock = new TestClock();
  const { store, dispose } = await backend.open(clock);
  const app = edgeApp();
  try {
    await app.register(apiPlugin, { store, clock, loopbackWithoutToken: false });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const { token } = await createApiToken(store, "groups");
    const call: Call = async (method, path, payload, auth = token) => {
      const res = await request(`${base}/api/v1${path}`, {
        method,
        headers: {
          ...(auth === null ? {} : { authorization: `Bearer ${auth}` }),
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      });
      const text = await res.body.text();
      return { status: res.statusCode, json: (text === "" ? null : JSON.parse(text)) as Json };
    };
    await body(call, store, clock);
  } finally {
    await app.close();
    await store.close();
    await dispose();
  }
}

type Call = (
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  payload?: unknown,
  auth?: string | null,
) => Promise<{ status: number; json: Json }>;

const ids = (json: Json) => (json.items ?? []).map((d) => d.id);
const q = (filter: string) => encodeURIComponent(filter);

for (const backend of backends) {
  describe(`device selection over HTTP: ${backend.name}`, { skip: backend.skip }, () => {
    test("GET /devices?filter= selects by labels, DevInfo, MOS, state and last contact; count=true adds total", async () => {
      await withApi(backend, async (call, store, clock) => {
        for (const [id, site] of [
          ["gw-1", "berlin"],
          ["gw-2", "berlin"],
          ["gw-3", "paris"],
          ["gw-4", "berlin"],
        ] as const) {
          assert.equal((await call("POST", "/devices", { id, labels: { site } })).status, 201);
        }
        // What the registry captures from GET results and Package#1 MOS (docs/protocol.md §9.1, §3.1).
        await store.devices.update("gw-1", {
          devInfo: { Mod: "GW", FwV: "1.0" },
          mos: [{ MOID: "urn:x:1", MIID: [] }],
        });
        await store.devices.update("gw-2", { devInfo: { Mod: "GW", FwV: "2.0" } });
        await store.devices.update("gw-3", { devInfo: { Mod: "GW", FwV: "1.0" } });
        clock.advance(DAY);
        await store.devices.recordContact("gw-1", { autoRegister: false });
        clock.advance(10 * DAY);
        await store.devices.recordContact("gw-2", { autoRegister: false });

        let res = await call("GET", `/devices?filter=${q("label:site=berlin and FwV!=2.0")}&limit=1`);
        assert.equal(res.status, 200);
        assert.deepEqual(ids(res.json), ["gw-1"]);
        res = await call(
          "GET",
          `/devices?filter=${q("label:site=berlin and FwV!=2.0")}&cursor=${q(String(res.json.nextCursor))}`,
        );
        assert.deepEqual(ids(res.json), ["gw-4"], "a device without FwV is selected by FwV!=2.0");
        assert.equal(res.json.nextCursor, null);
        res = await call("GET", `/devices?filter=${q("mo:urn:x:1 or lastContact<7d")}&count=true`);
        assert.deepEqual(ids(res.json), ["gw-1", "gw-2"]);
        assert.equal(res.json.total, 2);
        res = await call("GET", `/devices?filter=${q("state=provisioned")}&label=site=berlin&count=true&limit=1`);
        assert.deepEqual(ids(res.json), ["gw-4"]);
        assert.equal(res.json.total, 1);
        res = await call("GET", `/devices?filter=${q("not (lastContact>=2026-01-05)")}`);
        assert.deepEqual(ids(res.json), ["gw-1", "gw-3", "gw-4"]);
      });
    });

    test("a filter that does not parse is a 400 FILTER_INVALID naming the position and what was expected", async () => {
      await withApi(backend, async (call) => {
        const res = await call("GET", `/devices?filter=${q("label:site=berlin and FwV ~ 2")}`);
        assert.equal(res.status, 400);
        assert.equal(res.json.code, C.FILTER_INVALID);
        assert.match(String(res.json.detail), /at position 26: expected an operator \(=, !=\) after FwV, found "~ 2"/);
        const bad = await call("POST", "/groups", { id: "g", kind: "dynamic", filter: "(state=registered" });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.code, C.FILTER_INVALID);
        assert.match(String(bad.json.detail), /position 17: expected "\)"/);
      });
    });

    test("groups: create, list, show, change, members in bulk, devices by keyset, delete; writes need a token", async () => {
      await withApi(backend, async (call) => {
        for (const id of ["a", "b", "c", "d"])
          await call("POST", "/devices", { id, labels: { tier: id === "d" ? "2" : "1" } });

        let res = await call("POST", "/groups", { id: "pilot", kind: "static" }, null);
        assert.equal(res.status, 401, "an unauthenticated write is refused");
        assert.equal(res.json.code, C.API_UNAUTHORIZED);

        res = await call("POST", "/groups", {
          id: "pilot",
          kind: "static",
          description: "first",
          deviceIds: ["c", "a"],
        });
        assert.equal(res.status, 201);
        assert.deepEqual(
          { id: res.json.id, kind: res.json.kind, filter: res.json.filter },
          { id: "pilot", kind: "static", filter: null },
        );
        res = await call("POST", "/groups", { id: "broken", kind: "static", deviceIds: ["a", "ghost"] });
        assert.equal(res.status, 404);
        assert.equal(res.json.code, C.DEVICE_NOT_FOUND);
        assert.match(String(res.json.detail), /ghost/);
        assert.equal(
          (await call("GET", "/groups/broken")).status,
          404,
          "a group whose members were refused is not kept",
        );

        res = await call("POST", "/groups", { id: "tier-1", kind: "dynamic", filter: "label:tier = 1" });
        assert.equal(res.status, 201);
        assert.equal(res.json.filter, "label:tier=1");
        res = await call("POST", "/groups", { id: "tier-1", kind: "static" });
        assert.equal(res.status, 409);
        assert.equal(res.json.code, C.GROUP_EXISTS);
        res = await call("POST", "/groups", { id: "bad id", kind: "static" });
        assert.equal(res.status, 400);

        res = await call("GET", "/groups");
        assert.deepEqual(ids(res.json), ["pilot", "tier-1"]);
        assert.equal((await call("GET", "/groups/pilot")).json.description, "first");

        res = await call("POST", "/groups/pilot/members", { deviceIds: ["b", "a"] });
        assert.deepEqual(res.json, { changed: 1 });
        res = await call("GET", "/groups/pilot/devices?limit=2&count=true");
        assert.deepEqual(ids(res.json), ["a", "b"]);
        assert.equal(res.json.total, 3);
        res = await call("GET", `/groups/pilot/devices?limit=2&cursor=${q(String(res.json.nextCursor))}`);
        assert.deepEqual(ids(res.json), ["c"]);
        res = await call("POST", "/groups/pilot/members/remove", { deviceIds: ["a", "d"] });
        assert.deepEqual(res.json, { changed: 1 });
        res = await call("GET", `/groups/pilot/devices?filter=${q("not id=b")}`);
        assert.deepEqual(ids(res.json), ["c"]);

        res = await call("POST", "/groups/tier-1/members", { deviceIds: ["d"] });
        assert.equal(res.status, 409);
        assert.equal(res.json.code, C.GROUP_KIND_MISMATCH);
        assert.deepEqual(ids((await call("GET", "/groups/tier-1/devices")).json), ["a", "b", "c"]);
        res = await call("PATCH", "/groups/tier-1", { filter: "label:tier=2", description: "second tier" });
        assert.equal(res.status, 200);
        assert.equal(res.json.description, "second tier");
        assert.deepEqual(ids((await call("GET", "/groups/tier-1/devices")).json), ["d"]);
        res = await call("PATCH", "/groups/pilot", { filter: "label:tier=2" });
        assert.equal(res.json.code, C.GROUP_KIND_MISMATCH);

        assert.equal((await call("DELETE", "/groups/pilot")).status, 204);
        res = await call("GET", "/groups/pilot/devices");
        assert.equal(res.status, 404);
        assert.equal(res.json.code, C.GROUP_NOT_FOUND);
        assert.equal((await call("DELETE", "/groups/pilot")).status, 404);
        assert.equal((await call("GET", "/devices/a")).status, 200, "the group's devices stay");
      });
    });
  });
}
