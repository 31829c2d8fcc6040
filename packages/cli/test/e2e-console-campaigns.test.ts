// The console's campaigns view (docs/console.md, docs/campaigns.md) in real headless Chromium against the real
// server (SQLite) and six simulated devices over loopback: create a campaign through the form (a GET and an EXEC
// step, waves of 2), watch its first wave go into session live, pause it (the API says paused, the page shows it
// without a reload), let the wave finish while no new device starts, resume, and see it complete; the list shows
// its progress and the fleet view's tile links to the running ones. The devices' reboot waits on a gate the test
// opens, so the pause always lands while the first wave is in flight. OMADM_UPDATE_SCREENSHOTS=1 writes the
// campaign page to docs/img/.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_PATH, CHROMIUM_TEST_ARGS, chromiumSkip } from "../../../test-support/chromium.js";
import type { DeviceBehaviour } from "../src/simulate/behaviour-types.js";
import type { Fleet } from "../src/simulate/fleet.js";
import { GATEWAY_MOID } from "../src/simulate/reboot-behaviour.js";
import { startCampaignFleet, waitForCampaign } from "./e2e-support/campaign-harness.js";
import { overflow, screenshot, signIn, watchProblems } from "./e2e-support/console-browser.js";
import { MOID_DEVINFO } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const skip = chromiumSkip();
if (skip !== false) process.stdout.write(`# e2e-console-campaigns: skipped: ${skip}\n`);
const N = 6;
const WAIT_MS = 20_000;
// A fixed prefix (the store is this test's own) keeps the screenshot the same from run to run.
const prefix = "GW-PILOT";
const dir = tempDir("omadm-e2e-console-campaigns-");

/** The reboot answers 202 at once and reports its result (a Generic Alert) when the test opens the gate. */
let openGate: () => void = () => undefined;
const gate = new Promise<void>((resolve) => {
  openGate = resolve;
});
const gatedReboot: DeviceBehaviour = {
  name: "gated-reboot",
  description: "EXEC Ops/Reboot reports asynchronously once the test opens the gate",
  setup(device) {
    device.client.registerExec(GATEWAY_MOID, "Ops/Reboot", () => ({ async: gate.then(() => ({ sc: 200 })) }));
  },
};

let srv: E2eServer;
let fleet: Fleet;
let browser: Browser;
let token: string;

before(async () => {
  if (skip !== false) return;
  srv = await startE2eServer({ dataDir: join(dir.path, "server"), campaignTickMs: 50 });
  fleet = await startCampaignFleet(srv, {
    devices: N,
    prefix,
    behaviour: gatedReboot,
    stateDir: join(dir.path, "devices"),
  });
  const created = await srv.api.call("POST", "/tokens", { name: "console-campaigns-e2e" });
  token = (JSON.parse(created.text) as { token: string }).token;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_TEST_ARGS] });
});

after(async () => {
  if (skip !== false) return;
  openGate();
  await browser.close();
  await fleet.stop();
  await srv.stop();
  dir.remove();
});

/** A wave's legend entry for a device state, once it reads `text` (e.g. "2 in session"). */
const legend = (page: Page, wave: number, state: string, text: string) =>
  page.locator(`[data-wave="${wave}"] li[data-state="${state}"]`, { hasText: text }).waitFor();

test("campaigns: create through the form, watch a wave live, pause, resume to completion", { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = watchProblems(page);
  await signIn(page, srv.origin, token);

  // The form: target by filter, a GET and an EXEC step from the command rows, waves of 2, started at once.
  await page.getByRole("link", { name: "Campaigns", exact: true }).click();
  await page.getByRole("heading", { name: "Campaigns" }).waitFor();
  await page.getByRole("link", { name: "New campaign" }).click();
  await page.getByLabel("Name", { exact: true }).fill("reboot the pilot");
  await page.getByLabel("Filter", { exact: true }).fill(`label:fleet=${prefix}`);
  const step1 = page.getByRole("group", { name: "Step 1" });
  await step1.getByLabel("Command").selectOption("GET");
  await step1.getByLabel(/^clientUri/).fill(`${MOID_DEVINFO}//DevID`);
  await page.getByRole("button", { name: "Add a step" }).click();
  const step2 = page.getByRole("group", { name: "Step 2" });
  await step2.getByLabel("Command").selectOption("EXEC");
  await step2.getByLabel(/^clientUri/).fill(`${GATEWAY_MOID}/main/Ops/Reboot`);
  await step2.getByLabel(/^Step name/).fill("reboot");
  await page.getByLabel("Waves", { exact: true }).fill("2, 2");
  await page.getByLabel("Max in flight", { exact: true }).fill("2");
  await page.getByRole("checkbox", { name: /Start at once/ }).check();
  await page.getByRole("button", { name: "Create campaign" }).click();
  await page.getByRole("heading", { name: "Campaign reboot the pilot" }).waitFor();
  const id = decodeURIComponent(new URL(page.url()).hash.replace("#/campaigns/", ""));
  const created = await waitForCampaign(srv, id, () => true);
  assert.equal(created.waveCount, 3);
  assert.equal(created.deviceCount, N);
  // A marker on the window: it survives only if the page is never reloaded.
  await page.evaluate("window.omadmMarker = 42");

  // The first wave goes into session (the reboot waits on the gate); the next waves wait.
  await legend(page, 0, "in_session", "2 in session");
  await legend(page, 1, "pending", "2 pending");
  await page.getByRole("img", { name: /^Wave 1: 0 of 2 done; 2 in session$/ }).waitFor();

  // Pause: the API says paused, and the page shows it from the event.
  await page.getByRole("button", { name: "Pause" }).click();
  await page.locator('[data-campaign-state="paused"]').waitFor();
  assert.equal((await waitForCampaign(srv, id, () => true)).state, "paused");
  await page.getByRole("button", { name: "Resume" }).waitFor();

  // The devices in flight finish; no new one starts however often the driver runs.
  openGate();
  await legend(page, 0, "done", "2 done");
  for (let i = 0; i < 3; i++) await srv.server.driveCampaigns();
  const held = await waitForCampaign(srv, id, () => true);
  assert.equal(held.state, "paused");
  assert.deepEqual(
    held.waves?.map((w) => w.counts["pending"]),
    [0, 2, 2],
    "nothing started while paused",
  );
  await legend(page, 1, "pending", "2 pending");
  await screenshot(page, dir.path, "console-campaign.png");

  // Resume: the rest runs, the page follows it to completion.
  await page.getByRole("button", { name: "Resume" }).click();
  await page.locator('[data-campaign-state="completed"]').waitFor({ timeout: 30_000 });
  await page.getByRole("img", { name: `All waves: ${N} of ${N} done; ${N} done` }).waitFor();
  const end = await waitForCampaign(srv, id, () => true);
  assert.equal(end.state, "completed");
  assert.equal(end.totals?.["done"], N);
  assert.equal(await page.evaluate("window.omadmMarker"), 42, "no reload");
  assert.equal(await page.getByRole("button", { name: /Pause|Resume|Cancel campaign/ }).count(), 0, "nothing to do");

  // A phone's width: the campaign page and its form fit.
  await page.setViewportSize({ width: 390, height: 844 });
  const narrowPage = await overflow(page);
  assert.ok(narrowPage.px <= 0, `the campaign page is ${narrowPage.px} px too wide: ${narrowPage.wide.join(" | ")}`);
  await page.goto(`${srv.origin}/#/campaigns/new`);
  await page.getByRole("heading", { name: "New campaign" }).waitFor();
  const narrowForm = await overflow(page);
  assert.ok(narrowForm.px <= 0, `the form is ${narrowForm.px} px too wide: ${narrowForm.wide.join(" | ")}`);
  await page.setViewportSize({ width: 1280, height: 900 });

  // The fleet view's tile links to the running campaigns (none now); the list shows this one completed.
  await page.getByRole("link", { name: "Fleet" }).click();
  const tile = page.locator(".stat", { hasText: "Campaigns running" }).getByRole("link");
  await tile.waitFor();
  assert.equal(await tile.getAttribute("href"), "#/campaigns?state=running");
  await tile.click();
  await page.getByText("No campaign running.").waitFor();
  await page.getByLabel("State").selectOption("");
  const row = page.locator(`tr[data-campaign-id="${id}"]`);
  await row
    .filter({ hasText: "completed" })
    .filter({ hasText: `${N} of ${N} done` })
    .waitFor();
  // What the list reads: totals only when asked for.
  type Listed = { items: { id: string; totals?: Record<string, number> }[] };
  const withTotals = await srv.api.json<Listed>("GET", "/campaigns?totals=true", undefined, [200]);
  assert.equal(withTotals.items.find((c) => c.id === id)?.totals?.["done"], N);
  const plain = await srv.api.json<Listed>("GET", "/campaigns", undefined, [200]);
  assert.equal(plain.items.find((c) => c.id === id)?.totals, undefined);
  assert.deepEqual(problems, []);
  await context.close();
});
