// The OpenAPI document the server serves (the fastify habit, test/internals/errors.test.js): it is valid JSON
// that lists every route the plugin registers, each with its operation id, success and problem responses;
// every code of the error catalogue is documented; every problem a request actually gets is documented for
// that operation under that status.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type FastifyInstance, type RouteOptions } from "fastify";
import { apiPlugin } from "../src/api/api-plugin.js";
import { ERROR_CODE_DOCS } from "../src/api/error-docs.js";
import { ServerErrorCode, ServerErrorHttpStatus } from "../src/errors.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { C } from "./api-support.js";
import { TestClock } from "./store-contract-support.js";
import { edgeApp } from "./edge-support.js";

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean }[];
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, unknown> };
}

let app: FastifyInstance;
let doc: OpenApiDoc;
let docText: string;
const routes: Pick<RouteOptions, "method" | "url">[] = [];

before(async () => {
  const clock = new TestClock();
  const store = createMemoryStore({ clock });
  await store.devices.create({ id: "d1" });
  app = edgeApp();
  app.addHook("onRoute", (route) => {
    routes.push({ method: route.method, url: route.url });
  });
  await app.register(apiPlugin, { store, clock });
  await app.ready();
  const res = await app.inject({ method: "GET", url: "/api/openapi.json" });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers["content-type"]), /^application\/json/);
  docText = res.body;
  doc = JSON.parse(docText) as OpenApiDoc;
});
after(async () => {
  await app.close();
});

/** The API routes fastify registered, as OpenAPI path + lowercase method (HEAD twins of GETs left out). */
function apiOperations(): { path: string; method: string }[] {
  const out: { path: string; method: string }[] = [];
  for (const r of routes) {
    if (!r.url.startsWith("/api/v1/")) continue;
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) {
      if (m === "HEAD") continue;
      out.push({ path: r.url.replace(/:([A-Za-z]+)/g, "{$1}"), method: m.toLowerCase() });
    }
  }
  return out;
}

test("the document is OpenAPI 3.1 JSON with a bearer security scheme and the error table", () => {
  assert.equal(doc.openapi, "3.1.0");
  assert.match(doc.info.title, /omadm/);
  assert.ok(doc.components.securitySchemes?.["bearerAuth"]);
  assert.ok(!docText.includes('"~'), "no TypeBox-internal keys leak into the document");
});

test("every API route is in the document with an operation id, summary, tag, success and 401 responses", () => {
  const ops = apiOperations();
  assert.ok(ops.length >= 25, `found ${ops.length} API operations`);
  const ids = new Set<string>();
  for (const { path, method } of ops) {
    const op = doc.paths[path]?.[method];
    assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
    assert.ok(op.operationId && !ids.has(op.operationId), `${path}: unique operationId`);
    ids.add(op.operationId);
    assert.ok(op.summary, `${path}: summary`);
    assert.ok(op.tags?.length, `${path}: tag`);
    assert.ok(
      Object.keys(op.responses).some((s) => s.startsWith("2")),
      `${method} ${path}: a success response`,
    );
    assert.ok(op.responses["401"]?.content?.["application/problem+json"], `${method} ${path}: 401 problem`);
    for (const [status, response] of Object.entries(op.responses)) {
      assert.ok(response.description.length > 0, `${method} ${path} ${status}: description`);
    }
    // Each {param} of the template is a required path parameter.
    for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
      const p = op.parameters?.find((x) => x.in === "path" && x.name === name);
      assert.ok(p?.required, `${method} ${path}: path parameter ${String(name)}`);
    }
  }
  // And nothing documented that is not a route.
  const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m} ${path}`),
  );
  assert.deepEqual(documented.sort(), ops.map((o) => `${o.method} ${o.path}`).sort());
});

test("every code of the error catalogue is documented and in the OpenAPI error table", () => {
  for (const code of Object.values(ServerErrorCode)) {
    assert.ok(ERROR_CODE_DOCS[code], `${code} has a description in api/error-docs.ts`);
    assert.ok(
      doc.info.description.includes(`| \`${code}\` | ${ServerErrorHttpStatus[code]} |`),
      `${code} is in the OpenAPI error table`,
    );
  }
});

test("every code a route documents is in the catalogue, under its own HTTP status", () => {
  const catalogue = new Set<string>(Object.values(ServerErrorCode));
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [, code] of response.description.matchAll(/`(OMADM_[A-Z_]+)`/g)) {
          assert.ok(catalogue.has(String(code)), `${method} ${path}: ${String(code)} is in the catalogue`);
          assert.equal(String(ServerErrorHttpStatus[code as ServerErrorCode]), status, `${String(code)} status`);
        }
      }
    }
  }
});

test("problems the API actually answers are documented for that operation and status", async () => {
  const cases: { method: "GET" | "POST" | "DELETE" | "PATCH"; url: string; path: string; payload?: object }[] = [
    { method: "GET", url: "/api/v1/devices/zz", path: "/api/v1/devices/{deviceId}" },
    { method: "POST", url: "/api/v1/devices", path: "/api/v1/devices", payload: { id: "d1" } },
    { method: "POST", url: "/api/v1/devices", path: "/api/v1/devices", payload: { nope: 1 } },
    { method: "PATCH", url: "/api/v1/devices/zz", path: "/api/v1/devices/{deviceId}", payload: {} },
    { method: "DELETE", url: "/api/v1/devices/zz", path: "/api/v1/devices/{deviceId}" },
    { method: "GET", url: "/api/v1/devices?cursor=x", path: "/api/v1/devices" },
    {
      method: "POST",
      url: "/api/v1/devices/d1/commands",
      path: "/api/v1/devices/{deviceId}/commands",
      payload: { command: ["GET", "bad"] },
    },
    {
      method: "POST",
      url: "/api/v1/devices/d1/commands",
      path: "/api/v1/devices/{deviceId}/commands",
      payload: { command: ["END"] },
    },
    {
      method: "POST",
      url: "/api/v1/devices/zz/commands",
      path: "/api/v1/devices/{deviceId}/commands",
      payload: { command: ["GET", C] },
    },
    { method: "GET", url: "/api/v1/devices/zz/commands", path: "/api/v1/devices/{deviceId}/commands" },
    { method: "GET", url: "/api/v1/commands/zz", path: "/api/v1/commands/{id}" },
    { method: "POST", url: "/api/v1/commands/zz/cancel", path: "/api/v1/commands/{id}/cancel" },
    { method: "POST", url: "/api/v1/devices/d1/wake", path: "/api/v1/devices/{deviceId}/wake", payload: {} },
    { method: "GET", url: "/api/v1/alerts/zz", path: "/api/v1/alerts/{id}" },
    { method: "GET", url: "/api/v1/sessions/zz", path: "/api/v1/sessions/{id}" },
    { method: "GET", url: "/api/v1/ui-sessions/zz", path: "/api/v1/ui-sessions/{id}" },
    { method: "GET", url: "/api/v1/repository", path: "/api/v1/repository" },
    { method: "GET", url: "/api/v1/uploads/zz", path: "/api/v1/uploads/{id}" },
    { method: "DELETE", url: "/api/v1/tokens/zz", path: "/api/v1/tokens/{id}" },
    { method: "POST", url: "/api/v1/tokens", path: "/api/v1/tokens", payload: { name: "" } },
  ];
  // Idempotency conflict needs a first command.
  await app.inject({
    method: "POST",
    url: "/api/v1/devices/d1/commands",
    payload: { command: ["GET", C], idempotencyKey: "k" },
  });
  cases.push({
    method: "POST",
    url: "/api/v1/devices/d1/commands",
    path: "/api/v1/devices/{deviceId}/commands",
    payload: { command: ["DELETE", C], idempotencyKey: "k" },
  });
  for (const c of cases) {
    const res = await app.inject({
      method: c.method,
      url: c.url,
      ...(c.payload === undefined ? {} : { payload: c.payload }),
    });
    const problem = res.json<{ code: string; status: number }>();
    assert.ok(res.statusCode >= 400, `${c.method} ${c.url} is a problem`);
    const op = doc.paths[c.path]?.[c.method.toLowerCase()];
    const documented = op?.responses[String(res.statusCode)];
    assert.ok(documented, `${c.method} ${c.path} documents status ${res.statusCode}`);
    assert.ok(
      documented.description.includes(`\`${problem.code}\``),
      `${c.method} ${c.path} ${res.statusCode} documents ${problem.code}`,
    );
  }
});

test("Swagger UI is served at /api/docs/ (/api/docs redirects there); unknown /api paths are problems", async () => {
  const bare = await app.inject({ method: "GET", url: "/api/docs" });
  assert.equal(bare.statusCode, 301);
  assert.equal(bare.headers.location, "docs/");
  const ui = await app.inject({ method: "GET", url: "/api/docs/" });
  assert.equal(ui.statusCode, 200);
  assert.match(String(ui.headers["content-type"]), /text\/html/);
  const missing = await app.inject({ method: "GET", url: "/api/v2/devices" });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json<{ code: string }>().code, ServerErrorCode.API_ROUTE_NOT_FOUND);
});

test("docs: false leaves Swagger UI out and keeps the OpenAPI document", async () => {
  const bare = edgeApp();
  const clock = new TestClock();
  await bare.register(apiPlugin, { store: createMemoryStore({ clock }), clock, docs: false });
  try {
    assert.equal((await bare.inject({ method: "GET", url: "/api/docs" })).statusCode, 404);
    assert.equal((await bare.inject({ method: "GET", url: "/api/openapi.json" })).statusCode, 200);
  } finally {
    await bare.close();
  }
});
