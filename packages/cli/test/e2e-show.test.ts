// End to end (docs/protocol.md §4.6): SHOW with a real headless Chromium as the
// device's Web Browser Component. The operator creates a UI session with choices through the REST API (which
// queues the SHOW); the device's DM session launches the browser on the ServerURI, answers SHOW with 200 and goes
// on with the next command without waiting for the user; then the user (the test, through playwright-core)
// clicks a choice, and the answer is readable through the API, linked to the SHOW command.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromiumSkip, startChromiumLauncher, type ChromiumLauncher } from "./e2e-support/chromium-launcher.js";
import { MOID_DEVINFO, startDevice, statusesOf, type E2eDevice } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const DEV_ID = "IMEI:350000000000301";
const skip = chromiumSkip();
if (skip !== false) console.log(`e2e-show: ${skip} — skipped`);
const dir = tempDir("omadm-e2e-show-");
let srv: E2eServer | undefined;
let device: E2eDevice | undefined;
let browser: ChromiumLauncher | undefined;

before(async () => {
  if (skip !== false) return;
  browser = await startChromiumLauncher();
  srv = await startE2eServer({ dataDir: join(dir.path, "server") });
  device = await startDevice({ devId: DEV_ID, srvUri: srv.dmUrl, stateDir: join(dir.path, "device"), browser });
});

after(async () => {
  await device?.stop();
  await browser?.close();
  await srv?.stop();
  dir.remove();
});

test(
  "SHOW opens the page in Chromium (200, the session goes on); the user's choice appears in the API",
  { skip, timeout: 60_000 },
  async () => {
    assert.ok(srv !== undefined && device !== undefined && browser !== undefined);
    const first = await device.client.runSession();
    assert.equal(first.kind, "completed", JSON.stringify(first));
    await device.sessions.next();

    const created = await srv.api.createUiSession({
      deviceId: DEV_ID,
      template: {
        title: "Firmware update",
        text: "A new firmware is ready. When may the gateway restart?",
        choices: [
          { id: "now", label: "Now" },
          { id: "tonight", label: "Tonight" },
        ],
      },
    });
    assert.equal(created.uiSession.state, "pending");
    const show = created.command;
    assert.ok(show !== null, "creating the UI session queued SHOW");
    assert.deepEqual(show.params, [created.serverUri]);
    assert.equal(created.uiSession.commandId, show.id);
    const get = await srv.api.queue(DEV_ID, ["GET", `${MOID_DEVINFO}//SwV`]);

    // The session: SHOW is answered 200 once the browser was launched, and the GET after it runs in the same
    // package — the device never waits for the UI session (§4.6).
    const outcome = await device.client.runSession();
    assert.equal(outcome.kind, "completed", `${JSON.stringify(outcome)}\n${device.log.join("\n")}`);
    assert.deepEqual(statusesOf(outcome), [
      ["CONT", 200],
      ["SHOW", 200],
      ["GET", 200],
      ["END", 200],
    ]);
    await device.sessions.next();
    const [showAfter, getAfter] = await Promise.all([srv.api.command(show.id), srv.api.command(get.id)]);
    assert.deepEqual([showAfter.state, showAfter.statusCode], ["done", 200]);
    assert.deepEqual([getAfter.state, getAfter.statusCode], ["done", 200]);
    // The session is over and nobody has answered yet.
    assert.notEqual((await srv.api.uiSession(created.uiSession.id)).state, "completed");

    // The browser opened exactly the ServerURI of the SHOW; the page loaded from the Web Server Component.
    const opened = await browser.opened.next();
    assert.equal(opened.url, created.serverUri);
    const response = await opened.loaded;
    assert.equal(response?.status(), 200);
    assert.equal(await opened.page.title(), "Firmware update");
    assert.equal((await srv.api.uiSession(created.uiSession.id)).state, "opened");

    // The user presses "Tonight"; the server stores the answer before it answers the form POST.
    const [posted] = await Promise.all([
      opened.page.waitForResponse((r) => r.request().method() === "POST" && r.url() === created.serverUri),
      opened.page.getByRole("button", { name: "Tonight" }).click(),
    ]);
    assert.equal(posted.status(), 200);
    const answered = await srv.api.uiSession(created.uiSession.id);
    assert.equal(answered.state, "completed");
    assert.deepEqual(answered.result, { choice: "tonight", fields: {} });
    assert.equal(answered.commandId, show.id, "the answer is linked to the SHOW command");
    assert.equal(browser.opened.buffered.length, 0, "one SHOW, one page");
  },
);
