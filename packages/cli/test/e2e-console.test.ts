// The web console (docs/console.md) in real headless Chromium against the real server (SQLite) and the project's
// DM Client over loopback: sign in with an API token, find the device by a filter, queue a GET through the
// command form, wake the device (Package#0 over UDP), see the GET's result appear without a reload, see the
// device's session in its timeline; the page fits a phone's width. OMADM_UPDATE_SCREENSHOTS=1 writes the fleet
// view and the device page to docs/img/ (the README shows one).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { CHROMIUM_PATH, CHROMIUM_TEST_ARGS, chromiumSkip } from "../../../test-support/chromium.js";
import { overflow, screenshot, signIn, watchProblems } from "./e2e-support/console-browser.js";
import { MOID_DEVINFO, notificationSecret, startDevice, type E2eDevice } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const skip = chromiumSkip();
if (skip !== false) process.stdout.write(`# e2e-console: skipped: ${skip}\n`);
const DEV_ID = "IMEI:350000000000777";
const WAIT_MS = 20_000;

const dir = tempDir("omadm-e2e-console-");
let srv: E2eServer;
let device: E2eDevice;
let browser: Browser;
let token: string;

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

before(async () => {
  if (skip !== false) return;
  srv = await startE2eServer({ dataDir: join(dir.path, "server") });
  device = await startDevice({ devId: DEV_ID, srvUri: srv.dmUrl, stateDir: join(dir.path, "device"), udp: true });
  const n = notificationSecret(DEV_ID);
  await srv.api.createDevice({
    id: DEV_ID,
    labels: { site: "berlin", ring: "pilot" },
    notification: { secret: b64(n.secret), authData: b64(n.authData) },
    notifyAddress: { udp: { host: "127.0.0.1", port: device.udpPort } },
  });
  // A few neighbours the filter must leave out.
  for (const id of ["IMEI:350000000000001", "IMEI:350000000000002"]) {
    await srv.api.createDevice({ id, labels: { site: "paris" } });
  }
  const first = await device.client.runSession();
  assert.equal(first.kind, "completed", JSON.stringify(first));
  await device.sessions.next();
  const created = await srv.api.call("POST", "/tokens", { name: "console-e2e" });
  token = (JSON.parse(created.text) as { token: string }).token;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_TEST_ARGS] });
});

after(async () => {
  if (skip !== false) return;
  await browser.close();
  await device.stop();
  await srv.stop();
  dir.remove();
});

test("sign in, find the device by a filter, queue a GET, see its result and session live", { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = watchProblems(page);

  await signIn(page, srv.origin, token);
  const cookies = await context.cookies();
  assert.deepEqual(
    cookies.map((c) => [c.name, c.httpOnly, c.sameSite]),
    [["omadm-console", true, "Strict"]],
  );
  await page.locator(".stat", { hasText: "Registered" }).locator("dd", { hasText: "1" }).waitFor();
  await screenshot(page, dir.path, "console-fleet.png");

  // Find it by a filter (labels and state, docs/filters.md).
  await page.getByRole("link", { name: "Devices" }).click();
  await page.getByLabel("Filter").fill("label:site=berlin and state=registered");
  await page.getByRole("link", { name: "IMEI:350000000000001" }).waitFor();
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("link", { name: "IMEI:350000000000001" }).waitFor({ state: "detached" });
  await page.getByRole("link", { name: DEV_ID }).waitFor();
  assert.equal(await page.locator("tbody tr").count(), 1, "the filter left out the other devices");
  await page.getByRole("link", { name: DEV_ID }).click();
  await page.getByRole("heading", { name: `Device ${DEV_ID}` }).waitFor();

  // A marker on the window: it survives only if the page is never reloaded.
  // (Expressions as text: the tests compile without the DOM's types.)
  await page.evaluate("window.omadmMarker = 42");

  // Queue a GET through the form, then wake the device.
  await page.getByLabel("Command", { exact: true }).selectOption("GET");
  await page.getByLabel(/clientUri/).fill(`${MOID_DEVINFO}//FwV`);
  await page.getByRole("button", { name: "Queue GET" }).click();
  await page.getByRole("status").filter({ hasText: "GET queued" }).waitFor();
  const row = page.locator("tr", { hasText: "GET" }).filter({ hasText: `${MOID_DEVINFO}//FwV` });
  await row.locator("td", { hasText: "queued" }).waitFor();

  await page.getByRole("button", { name: "Wake" }).click();
  await row.locator("td.result", { hasText: "FwV = 1.0.0" }).waitFor();
  await row.locator("td", { hasText: "done" }).waitFor();
  assert.equal(await page.evaluate("window.omadmMarker"), 42, "no reload");

  // The session that carried it is in the timeline, with the package and the GET's status.
  const commands = JSON.parse(
    (await srv.api.call("GET", `/devices/${encodeURIComponent(DEV_ID)}/commands?order=desc`)).text,
  ) as {
    items: { name: string; sessionId: string | null }[];
  };
  const sessionId = commands.items.find((c) => c.name === "GET")?.sessionId;
  assert.ok(sessionId !== undefined && sessionId !== null);
  const session = page.locator(`li.session[data-session-id="${sessionId}"]`);
  await session.filter({ hasText: "GET → 200" }).waitFor();
  // The tree values take the GET's result, with its time.
  const treeRow = page.locator("section[aria-labelledby=tree] tbody tr", { hasText: "1.0.0" });
  await treeRow.waitFor();
  const treePath = await treeRow.locator("td").first().innerText();
  assert.match(treePath, /^urn:oma:mo:oma-dm-devinfo:1\.2\/[^/]+\/FwV$/);
  await screenshot(page, dir.path, "console-device.png");

  // A phone's width: nothing forces the page wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const { px, wide } = await overflow(page);
  assert.ok(px <= 0, `the page is ${px} px wider than a phone screen: ${wide.join(" | ")}`);

  // Sign out: the console is back at the sign-in form and the cookie no longer works.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("API token").waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
