// /api/v1/ui-sessions with the real Web Server Component (docs/protocol.md §4.6): one call creates the page from a
// template, returns its ServerURI and queues the SHOW command that opens it, linked both ways; the user's
// answer given on the page (the UI plugin's own route) is readable through the API.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { apiPlugin } from "../src/api/api-plugin.js";
import { ServerErrorCode } from "../src/errors.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { createUiService } from "../src/ui/service.js";
import { uiPlugin } from "../src/ui/plugin.js";
import { apiRig, assertProblem, body } from "./api-support.js";
import { TestClock } from "./store-contract-support.js";
import { edgeApp } from "./edge-support.js";

const BASE = "https://dm.example.com";
const TEMPLATE = {
  title: "Firmware update",
  text: "Install version 2.1 now?",
  choices: [
    { id: "yes", label: "Install" },
    { id: "later", label: "Later" },
  ],
};

async function uiRig() {
  const clock = new TestClock();
  const store = createMemoryStore({ clock });
  await store.devices.create({ id: "phone-1" });
  const uiSessions = createUiService({ store, clock, random: randomBytes }, { publicBaseUrl: BASE });
  const app = edgeApp();
  await app.register(apiPlugin, { store, clock, uiSessions });
  await app.register(uiPlugin, { store, clock, publicBaseUrl: BASE });
  await app.ready();
  return {
    app,
    store,
    clock,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

test("POST /ui-sessions creates the page, queues SHOW with its ServerURI, links them; the answer shows up", async () => {
  const r = await uiRig();
  try {
    const res = await r.app.inject({
      method: "POST",
      url: "/api/v1/ui-sessions",
      payload: { deviceId: "phone-1", template: TEMPLATE, ttlSeconds: 600 },
    });
    assert.equal(res.statusCode, 201, res.body);
    const created = body(res) as {
      uiSession: Record<string, unknown>;
      serverUri: string;
      command: Record<string, unknown>;
    };
    const id = String(created.uiSession["id"]);
    assert.equal(res.headers.location, `/api/v1/ui-sessions/${id}`);
    assert.ok(created.serverUri.startsWith(`${BASE}/ui/session?uiid=`), created.serverUri);
    assert.deepEqual(created.command["item"], ["SHOW", created.serverUri]);
    assert.equal(created.command["state"], "queued");
    assert.equal(created.uiSession["commandId"], created.command["id"]);
    assert.equal(created.uiSession["state"], "pending");
    assert.equal(created.uiSession["expiresAt"], new Date(r.clock.now() + 600_000).toISOString());
    assert.equal(created.command["expiresAt"], created.uiSession["expiresAt"], "the SHOW expires with its page");
    assert.deepEqual(created.uiSession["template"], TEMPLATE);

    // The device's browser opens the page and the user presses "Install".
    const path = new URL(created.serverUri).pathname + new URL(created.serverUri).search;
    assert.equal((await r.app.inject({ method: "GET", url: path })).statusCode, 200);
    const answered = await r.app.inject({
      method: "POST",
      url: path,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "choice=yes",
    });
    assert.equal(answered.statusCode, 200, answered.body);

    const got = body(await r.app.inject({ method: "GET", url: `/api/v1/ui-sessions/${id}` }));
    assert.equal(got["state"], "completed");
    assert.deepEqual(got["result"], { choice: "yes", fields: {} });
    assert.equal(got["commandId"], created.command["id"]);
    const list = body(
      await r.app.inject({ method: "GET", url: "/api/v1/ui-sessions?deviceId=phone-1&state=completed" }),
    );
    assert.deepEqual(
      list.items?.map((u) => u["id"]),
      [id],
    );
  } finally {
    await r.close();
  }
});

test("show=false creates the page only; an unanswered page past its expiry reads as expired", async () => {
  const r = await uiRig();
  try {
    const res = await r.app.inject({
      method: "POST",
      url: "/api/v1/ui-sessions",
      payload: { deviceId: "phone-1", template: TEMPLATE, show: false, ttlSeconds: 60 },
    });
    assert.equal(res.statusCode, 201, res.body);
    const created = body(res) as { uiSession: Record<string, unknown>; command: unknown };
    assert.equal(created.command, null);
    assert.equal(created.uiSession["commandId"], null);
    assert.equal((await r.store.commands.list({ deviceId: "phone-1" })).items.length, 0);
    r.clock.advance(61_000);
    const got = body(
      await r.app.inject({ method: "GET", url: `/api/v1/ui-sessions/${String(created.uiSession["id"])}` }),
    );
    assert.equal(got["state"], "expired");
  } finally {
    await r.close();
  }
});

test("refusals: bad template names the field, unknown device 404, unknown UI session 404; nothing queued", async () => {
  const r = await uiRig();
  try {
    const bad = await r.app.inject({
      method: "POST",
      url: "/api/v1/ui-sessions",
      payload: { deviceId: "phone-1", template: { title: "", text: "x" } },
    });
    assertProblem(bad, 400, ServerErrorCode.UI_TEMPLATE_INVALID, ["title"]);
    const ghost = await r.app.inject({
      method: "POST",
      url: "/api/v1/ui-sessions",
      payload: { deviceId: "ghost", template: TEMPLATE },
    });
    assertProblem(ghost, 404, ServerErrorCode.DEVICE_NOT_FOUND, ["ghost"]);
    assertProblem(
      await r.app.inject({ method: "GET", url: "/api/v1/ui-sessions/none" }),
      404,
      ServerErrorCode.UI_SESSION_NOT_FOUND,
    );
    assert.equal((await r.store.commands.list()).items.length, 0);
    assert.equal((await r.store.uiSessions.list()).items.length, 0);
  } finally {
    await r.close();
  }
});

test("without the Web Server Component, POST /ui-sessions is 501 and says which option is missing", async () => {
  const rig = await apiRig();
  try {
    await rig.store.devices.create({ id: "d" });
    const res = await rig.app.inject({
      method: "POST",
      url: "/api/v1/ui-sessions",
      payload: { deviceId: "d", template: TEMPLATE },
    });
    assertProblem(res, 501, ServerErrorCode.API_COMPONENT_UNAVAILABLE, ["Web Server Component", "uiSessions"]);
  } finally {
    await rig.close();
  }
});
