// SHOW with a real Web Browser Component (docs/protocol.md §4.6): headless Debian Chromium, driven
// by playwright-core, loads the ServerURI from a real loopback server (SQLite store), the user ticks a box and
// presses a choice, and the answer is readable through the UI service. The test waits on the POST's response
// event — the server stores the answer before it answers — never on a timer or a poll.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { chromium, type BrowserContext } from "playwright-core";
import { openSqliteStore } from "../src/store/sqlite.js";
import { UiSessionState } from "../src/store/types-content.js";
import type { Store } from "../src/store/store.js";
import { createUiService, type UiService } from "../src/ui/service.js";
import { uiPlugin } from "../src/ui/plugin.js";
import { isCi } from "../../../test-support/services.js";
import {
  CHROMIUM_PATH,
  CHROMIUM_TEST_ARGS,
  chromiumAbsentReason,
  chromiumSkip,
} from "../../../test-support/chromium.js";
import { edgeApp } from "./edge-support.js";

const absentReason = chromiumAbsentReason();
if (absentReason !== undefined)
  console.log(`ui-browser: ${absentReason}${isCi() ? " — CI=true, so the test fails" : " — skipped"}`);
// Absent browser: skip with the reason, except under CI=true, where the test runs and fails (test-support/services.ts).
const skip = chromiumSkip();

/** The part of the browser's `window` the test calls inside the page (this package compiles without the DOM lib). */
interface BrowserWindow {
  getComputedStyle(element: unknown): { readonly maxWidth: string };
}

let app: FastifyInstance;
let store: Store;
let dataDir: string;
let ui: UiService;
let userDataDir: string | undefined;
let context: BrowserContext | undefined;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "omadm-ui-browser-"));
  store = await openSqliteStore({ clock: { now: () => Date.now() } }, { dataDir });
  await store.devices.create({ id: "IMEI:493005100592800" });
  app = edgeApp();
  await app.register(uiPlugin, { store, clock: { now: () => Date.now() } });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === "object");
  ui = createUiService(
    { store, clock: { now: () => Date.now() }, random: randomBytes },
    { publicBaseUrl: `http://127.0.0.1:${address.port}`, defaultTtlSeconds: 300 },
  );
});

after(async () => {
  await context?.close();
  if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
  await app.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

test(
  "a headless Chromium opens the SHOW ServerURI, the user answers, the result appears through the service",
  { skip, timeout: 120_000 },
  async () => {
    if (absentReason !== undefined) throw new Error(`${absentReason} (CI=true, so this is a failure)`);
    const { uiSession, serverUri } = await ui.create("IMEI:493005100592800", {
      title: "Update & reboot?",
      text: "A new firmware is ready.\n\nWhen may the gateway restart?",
      choices: [
        { id: "now", label: "Now" },
        { id: "tonight", label: "Tonight" },
      ],
      fields: [{ name: "keep", label: "Keep my settings", type: "checkbox" }],
    });

    userDataDir = await mkdtemp(join(tmpdir(), "omadm-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_TEST_ARGS],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });

    const opened = await page.goto(serverUri);
    assert.equal(opened?.status(), 200);
    assert.equal(await page.title(), "Update & reboot?");
    assert.equal((await ui.result(uiSession.id))?.state, UiSessionState.Opened);
    // The inline stylesheet applied: its CSP hash is right (a refused style would leave main unconstrained).
    assert.equal(
      await page
        .locator("main")
        .evaluate((el) => (globalThis as unknown as BrowserWindow).getComputedStyle(el).maxWidth),
      "640px",
    );

    await page.getByLabel("Keep my settings").check();
    const [posted] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && r.url() === serverUri),
      page.getByRole("button", { name: "Tonight" }).click(),
    ]);
    assert.equal(posted.status(), 200);

    const result = await ui.result(uiSession.id);
    assert.equal(result?.state, UiSessionState.Completed);
    assert.deepEqual(result.answer, { choice: "tonight", fields: { keep: true } });
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Thank you");
    assert.deepEqual(consoleErrors, [], "no CSP violation or other page error");
  },
);
