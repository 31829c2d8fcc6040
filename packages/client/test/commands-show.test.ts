// SHOW (docs/protocol.md §4.6, omadm's choice): 200 launched, 500 launch failed, 501 no launcher; the
// client never waits for the UI session. With the recording fake and with real spawned processes.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createRecordingBrowserLauncher,
  createSpawnBrowserLauncher,
  type BrowserLauncher,
} from "../src/commands/browser-launcher.js";
import { ManualTimers, SENSOR, testHarness, repositoryForFile } from "./commands-fixtures.js";

const repo = repositoryForFile("/repo/show");

test("SHOW launches the browser on the ServerURI (200), and a failed launch is 500 with processing going on", async (t) => {
  const launcher = createRecordingBrowserLauncher({
    fail: (uri) => (uri.includes("broken") ? new Error("no display") : undefined),
  });
  const h = testHarness(t, { browser: launcher });
  const ok = await h.run({ name: "SHOW", serverUri: "https://ui.example/show?uiid=1234" });
  assert.deepEqual(ok.status, { sc: 200 });
  const failed = await h.run({ name: "SHOW", serverUri: "https://ui.example/broken" });
  assert.deepEqual(failed.status, { sc: 500 });
  // The next command is processed normally (docs/protocol.md §4.6: the client MUST go on with the next command).
  assert.equal((await h.run({ name: "GET", clientUri: `${SENSOR}/left/ID` })).status.sc, 200);
  assert.deepEqual(launcher.launched, ["https://ui.example/show?uiid=1234", "https://ui.example/broken"]);
  assert.ok(h.logger.lines.some((l) => /no display/.test(String(l.details.reason))));
});

test("SHOW without a launcher is 501; a bad ServerURI is 400 and launches nothing", async (t) => {
  const none = testHarness(t);
  assert.deepEqual((await none.run({ name: "SHOW", serverUri: "https://ui.example/" })).status, { sc: 501 });
  const launcher = createRecordingBrowserLauncher();
  const h = testHarness(t, { browser: launcher, executor: { allowHttp: false } });
  assert.deepEqual((await h.run({ name: "SHOW", serverUri: "http://ui.example/" })).status, { sc: 400 });
  assert.deepEqual((await h.run({ name: "SHOW", serverUri: "javascript:alert(1)" })).status, { sc: 400 });
  assert.deepEqual(launcher.launched, []);
});

test("SHOW waits for the launch only: a launcher that never starts is 500 after the launch timeout", async (t) => {
  const timers = new ManualTimers();
  const stuck: BrowserLauncher = { launch: () => new Promise(() => undefined) };
  const h = testHarness(t, { browser: stuck, timers, executor: { timeouts: { launchMs: 5_000 } } });
  const pending = h.run({ name: "SHOW", serverUri: "https://ui.example/" });
  assert.equal(timers.pending, 1);
  timers.advance(5_000);
  assert.deepEqual((await pending).status, { sc: 500 });
  assert.equal(timers.pending, 0);
});

test("SHOW with a spawned process: /bin/true is launched (200), a missing binary is 500", async (t) => {
  const real = testHarness(t, { browser: createSpawnBrowserLauncher({ command: "/bin/true" }) });
  assert.deepEqual((await real.run({ name: "SHOW", serverUri: "https://ui.example/?uiid=1" })).status, { sc: 200 });
  const missing = testHarness(t, { browser: createSpawnBrowserLauncher({ command: "/nonexistent/omadm-browser" }) });
  assert.deepEqual((await missing.run({ name: "SHOW", serverUri: "https://ui.example/" })).status, { sc: 500 });
});

test("SHOW with a spawned process: the ServerURI reaches the browser as one argument and is loaded", async (t) => {
  // A stand-in Web Browser Component: node fetches its last argument, as a browser loads the page.
  const browser = createSpawnBrowserLauncher({
    command: process.execPath,
    args: ["-e", "fetch(process.argv[1]).catch(() => undefined)", "{url}"],
  });
  const h = testHarness(t, { browser });
  const uiPath = "/ui/session?uiid=42&lang=en%20US";
  repo.route(uiPath, () => ({ status: 200, headers: { "Content-Type": "text/html" }, body: "<p>hi</p>" }));
  const { status } = await h.run({ name: "SHOW", serverUri: repo.base + uiPath });
  assert.deepEqual(status, { sc: 200 });
  const [req] = await repo.waitForRequests(1);
  assert.equal(req?.method, "GET");
  assert.equal(req.path, uiPath);
});
