// The Web Server Component over fastify inject() (docs/protocol.md §4.6): the operator creates a
// UI session, the browser loads its ServerURI, the user answers, the DM Server reads the result; expired,
// answered and unknown sessions get a page that says so with the right status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { hasServerErrorCode, ServerErrorCode } from "../src/errors.js";
import { UiSessionState } from "../src/store/types-content.js";
import type { Store } from "../src/store/store.js";
import { storeCases, type StoreCase } from "./store-cases.js";
import { createUiService, type UiService } from "../src/ui/service.js";
import { PAGE_CSP } from "../src/ui/html.js";
import { uiPlugin } from "../src/ui/plugin.js";
import type { UiTemplate } from "../src/ui/template.js";
import { edgeApp } from "./edge-support.js";

const BASE = "https://dm.example.com";
const TEMPLATE: UiTemplate = {
  title: "Reboot now?",
  text: "A reboot takes two minutes.",
  choices: [
    { id: "now", label: "Reboot now" },
    { id: "tonight", label: "Tonight" },
  ],
};

interface Harness {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly ui: UiService;
  /** Moves the injected clock forward. */
  readonly advance: (ms: number) => void;
}

const STORES = storeCases("omadm-ui-");

function harnessFor(kind: StoreCase) {
  return async (use: (h: Harness) => Promise<void>): Promise<void> => {
    let now = 1_700_000_000_000;
    const clock = { now: () => now };
    const { store, dispose } = await kind.open(clock);
    const app = edgeApp();
    try {
      await store.devices.create({ id: "dev-1" });
      await app.register(uiPlugin, { store, clock, publicBaseUrl: BASE });
      await app.ready();
      const ui = createUiService(
        { store, clock, random: randomBytes },
        { publicBaseUrl: BASE, defaultTtlSeconds: 600 },
      );
      await use({
        app,
        store,
        ui,
        advance: (ms) => {
          now += ms;
        },
      });
    } finally {
      await app.close();
      await store.close();
      await dispose();
    }
  };
}

/** The path and query of a ServerURI, for inject(). */
const local = (serverUri: string) => {
  const url = new URL(serverUri);
  return url.pathname + url.search;
};
/** A browser's form post (browsers accept text/html; others get problems instead of pages). */
const form = (data: Record<string, string>) => ({
  headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html,*/*;q=0.8" },
  payload: new URLSearchParams(data).toString(),
});

for (const kind of STORES) {
  const withHarness = harnessFor(kind);

  test(`[${kind.name}] create: the ServerURI carries the UI session id in its query; the session is pending until opened`, async () => {
    await withHarness(async ({ ui }) => {
      const { uiSession, serverUri } = await ui.create("dev-1", TEMPLATE, { ttlSeconds: 60 });
      assert.equal(serverUri, `${BASE}/ui/session?uiid=${uiSession.id}`);
      assert.match(uiSession.id, /^[A-Za-z0-9_-]{22}$/, "128 random bits, base64url");
      assert.equal(uiSession.state, UiSessionState.Pending);
      assert.equal(uiSession.expiresAt, 1_700_000_000_000 + 60_000);
      const other = await ui.create("dev-1", TEMPLATE);
      assert.notEqual(other.uiSession.id, uiSession.id);
      assert.equal(other.uiSession.expiresAt, 1_700_000_000_000 + 600_000, "the default TTL");
      assert.equal((await ui.result(uiSession.id))?.state, UiSessionState.Pending);
      assert.equal(await ui.result("nope"), null);
    });
  });

  test(`[${kind.name}] create: a bad template, TTL or device is refused and nothing is stored`, async () => {
    await withHarness(async ({ ui, store }) => {
      await assert.rejects(ui.create("dev-1", { title: "t" }), (e) =>
        hasServerErrorCode(e, ServerErrorCode.UI_TEMPLATE_INVALID),
      );
      await assert.rejects(ui.create("dev-1", TEMPLATE, { ttlSeconds: 0 }), (e) =>
        hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT),
      );
      await assert.rejects(ui.create("dev-1", TEMPLATE, { ttlSeconds: 1.5 }), (e) =>
        hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT),
      );
      await assert.rejects(ui.create("ghost", TEMPLATE), (e) =>
        hasServerErrorCode(e, ServerErrorCode.DEVICE_NOT_FOUND),
      );
      assert.equal((await store.uiSessions.list()).items.length, 0);
    });
  });

  test(`[${kind.name}] GET renders the page with strict headers, escapes a <script> title, and marks the session opened`, async () => {
    await withHarness(async ({ app, ui }) => {
      const hostile: UiTemplate = { ...TEMPLATE, title: '<script>alert("pwned")</script>' };
      const { uiSession, serverUri } = await ui.create("dev-1", hostile);
      const res = await app.inject({ method: "GET", url: local(serverUri) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
      assert.equal(res.headers["content-security-policy"], PAGE_CSP);
      assert.equal(res.headers["x-frame-options"], "DENY");
      assert.equal(res.headers["referrer-policy"], "no-referrer");
      assert.equal(res.headers["cache-control"], "no-store");
      assert.ok(!res.body.includes("<script>"), "the title is not markup");
      assert.ok(res.body.includes("<h1>&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;</h1>"));
      assert.ok(res.body.includes(`<form method="post" action="?uiid=${uiSession.id}"`));
      assert.ok(res.body.includes('<button type="submit" name="choice" value="tonight">Tonight</button>'));
      const result = await ui.result(uiSession.id);
      assert.equal(result?.state, UiSessionState.Opened);
      assert.equal(result.openedAt, 1_700_000_000_000);
      // A HEAD (a link preview) is not an open.
      const fresh = await ui.create("dev-1", TEMPLATE);
      assert.notEqual((await app.inject({ method: "HEAD", url: local(fresh.serverUri) })).statusCode, 200);
      assert.equal((await ui.result(fresh.uiSession.id))?.state, UiSessionState.Pending);
      // A reload is allowed and keeps the first open time.
      assert.equal((await app.inject({ method: "GET", url: local(serverUri) })).statusCode, 200);
    });
  });

  test(`[${kind.name}] POST records the answer (completed), answers a thank-you page; a second answer → 409`, async () => {
    await withHarness(async ({ app, ui, advance }) => {
      const template: UiTemplate = {
        ...TEMPLATE,
        fields: [
          { name: "reason", label: "Reason", type: "text" },
          { name: "ok", label: "I saved my work", type: "checkbox", required: true },
        ],
      };
      const { uiSession, serverUri } = await ui.create("dev-1", template);
      await app.inject({ method: "GET", url: local(serverUri) });
      advance(5000);
      const res = await app.inject({
        method: "POST",
        url: local(serverUri),
        ...form({ choice: "tonight", reason: "busy", ok: "on" }),
      });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<h1>Thank you<\/h1>/);
      const result = await ui.result(uiSession.id);
      assert.equal(result?.state, UiSessionState.Completed);
      assert.deepEqual(result.answer, { choice: "tonight", fields: { reason: "busy", ok: true } });
      assert.equal(result.completedAt, 1_700_000_005_000);

      const again = await app.inject({ method: "POST", url: local(serverUri), ...form({ choice: "now", ok: "on" }) });
      assert.equal(again.statusCode, 409);
      assert.match(again.body, /already answered/i);
      assert.equal((await app.inject({ method: "GET", url: local(serverUri) })).statusCode, 409);
      assert.deepEqual((await ui.result(uiSession.id))?.answer, {
        choice: "tonight",
        fields: { reason: "busy", ok: true },
      });
    });
  });

  test(`[${kind.name}] an invalid answer → 400 with the form again, errors named, values kept, nothing recorded`, async () => {
    await withHarness(async ({ app, ui }) => {
      const template: UiTemplate = {
        title: "Setup",
        text: "",
        fields: [{ name: "port", label: "Port", type: "number", required: true }],
        submitLabel: "Save",
      };
      const { uiSession, serverUri } = await ui.create("dev-1", template);
      const res = await app.inject({ method: "POST", url: local(serverUri), ...form({ port: "<b>eighty</b>" }) });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /role="alert"/);
      assert.match(res.body, /Port must be a number/);
      assert.ok(res.body.includes('value="&lt;b&gt;eighty&lt;/b&gt;"'), "the typed value comes back, escaped");
      assert.match(res.body, /<button type="submit">Save<\/button>/);
      assert.equal((await ui.result(uiSession.id))?.state, UiSessionState.Pending);
      const fixed = await app.inject({ method: "POST", url: local(serverUri), ...form({ port: "8080" }) });
      assert.equal(fixed.statusCode, 200);
      assert.deepEqual((await ui.result(uiSession.id))?.answer, { choice: null, fields: { port: 8080 } });
    });
  });

  test(`[${kind.name}] expired sessions → 410 on GET and POST, reported expired before any sweep, nothing recorded`, async () => {
    await withHarness(async ({ app, ui, store, advance }) => {
      const { uiSession, serverUri } = await ui.create("dev-1", TEMPLATE, { ttlSeconds: 30 });
      advance(30_000);
      const get = await app.inject({ method: "GET", url: local(serverUri) });
      assert.equal(get.statusCode, 410);
      assert.match(get.body, /expired/);
      const post = await app.inject({ method: "POST", url: local(serverUri), ...form({ choice: "now" }) });
      assert.equal(post.statusCode, 410);
      assert.equal((await ui.result(uiSession.id))?.state, UiSessionState.Expired);
      assert.equal(await store.uiSessions.expireDue(), 1);
      assert.equal((await store.uiSessions.get(uiSession.id))?.result, null);
    });
  });

  test(`[${kind.name}] unknown or malformed uiid → 404 page; a foreign Origin → 403; a non-form body → 415`, async () => {
    await withHarness(async ({ app, ui }) => {
      for (const url of [
        "/ui/session",
        "/ui/session?uiid=",
        "/ui/session?uiid=doesnotexist",
        "/ui/session?uiid=%3Cscript%3E",
      ]) {
        const res = await app.inject({ method: "GET", url, headers: { accept: "text/html" } });
        assert.equal(res.statusCode, 404, url);
        assert.match(res.body, /Page not found/);
        assert.ok(!res.body.includes("<script>"));
        // A client that does not take HTML (a script, a probe) gets the same refusal as a problem.
        const probe = await app.inject({ method: "GET", url });
        assert.equal(probe.statusCode, 404, url);
        assert.equal(probe.headers["content-type"], "application/problem+json");
        assert.equal((JSON.parse(probe.body) as { code: string }).code, ServerErrorCode.UI_SESSION_NOT_FOUND);
      }
      const { uiSession, serverUri } = await ui.create("dev-1", TEMPLATE);
      const foreign = await app.inject({
        method: "POST",
        url: local(serverUri),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: "https://evil.example",
          host: "dm.example.com",
        },
        payload: "choice=now",
      });
      assert.equal(foreign.statusCode, 403);
      const viaProxy = await app.inject({
        method: "POST",
        url: local(serverUri),
        headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, host: "10.0.0.5:8080" },
        payload: "choice=now",
      });
      assert.equal(viaProxy.statusCode, 200, "the public base URL's origin is accepted behind a proxy");
      const other = await ui.create("dev-1", TEMPLATE);
      const json = await app.inject({
        method: "POST",
        url: local(other.serverUri),
        headers: { "content-type": "application/json" },
        payload: '{"choice":"now"}',
      });
      assert.equal(json.statusCode, 415);
      assert.equal(json.headers["content-type"], "application/problem+json");
      assert.equal((await ui.result(other.uiSession.id))?.state, UiSessionState.Pending);
      assert.equal((await ui.result(uiSession.id))?.state, UiSessionState.Completed);
    });
  });

  test(`[${kind.name}] linkCommand ties the SHOW command to the UI session, and its result shows it`, async () => {
    await withHarness(async ({ ui, store }) => {
      const { uiSession, serverUri } = await ui.create("dev-1", TEMPLATE);
      const { command } = await store.commands.enqueue({ deviceId: "dev-1", name: "SHOW", params: [serverUri] });
      await ui.linkCommand(uiSession.id, command.id);
      assert.equal((await ui.result(uiSession.id))?.commandId, command.id);
    });
  });
}
