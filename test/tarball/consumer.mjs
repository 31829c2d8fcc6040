// What an operator and a device maker do first with the published packages, in plain Node ESM (no TypeScript
// tooling installed). scripts/tarball-test.mjs installs the `npm pack` tarballs into a fresh project, copies
// this file there and runs it; it exits non-zero, naming the step, when anything does not work.
//
//   1. `omadm --version`, and `omadm server` on a SQLite store in a temp dir (port 0), until its banner;
//   2. `omadm devices add` and `omadm commands queue … GET <DevID>` through the REST API;
//   3. a DmClient (@omadm/client) runs a session against that server: the GET comes back 200 with the DevID,
//      and `omadm commands show --json` has the result;
//   4. @omadm/server's API composes a server in-process on a memory store, and @omadm/protocol names a status.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createDmClient, createMemoryStateStore, createUndiciHttpClient, parseDeviceConfig } from "@omadm/client";
import { statusName } from "@omadm/protocol";
import { createMemoryStore, createOmadmServer, loadServerConfig } from "@omadm/server";

const DEV_ID = "IMEI:350000000009999";
const DEVINFO_DEVID = "urn:oma:mo:oma-dm-devinfo:1.2//DevID";
const BIN = join(process.cwd(), "node_modules", "omadm", "bin", "omadm.mjs");
const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), "omadm-tarball-data-"));

async function omadm(...args) {
  const { stdout } = await run(process.execPath, [BIN, ...args], { timeout: 30_000 });
  return stdout;
}

/** `omadm server` from the installed package; resolves with its base URL once the banner is printed. */
function startServer() {
  const child = spawn(process.execPath, [BIN, "server", "--data-dir", dataDir, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, OMADM_LOG_LEVEL: "warn" },
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s: ${err}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`omadm server exited ${code}: ${err}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const base = /^\s+base\s+(\S+)/m.exec(out);
      if (out.includes("is running") && base !== null) {
        clearTimeout(timer);
        resolve(base[1]);
      }
    });
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { ready, stop: () => (child.kill("SIGTERM"), exited) };
}

function step(name) {
  process.stdout.write(`  ${name}\n`);
}

const version = JSON.parse(readFileSync(join("node_modules", "omadm", "package.json"), "utf8")).version;
assert.equal((await omadm("--version")).trim(), version, "omadm --version prints the package version");
step(`omadm --version: ${version}`);

const server = startServer();
try {
  const base = await server.ready;
  step(`omadm server ready at ${base} (SQLite in ${dataDir})`);
  await omadm("devices", "add", DEV_ID, "--server", base);
  const queued = JSON.parse(await omadm("commands", "queue", DEV_ID, "GET", DEVINFO_DEVID, "--server", base, "--json"));
  assert.equal(queued.state, "queued", JSON.stringify(queued));
  step(`GET queued: command ${queued.id}`);

  const config = parseDeviceConfig(
    {
      devInfo: {
        devId: DEV_ID,
        man: "tarball",
        mod: "T-1",
        lang: "en-US",
        devType: "sensor",
        oem: "omadm",
        fwV: "1",
        swV: "1",
        hwV: "1",
      },
      accounts: [
        { srvId: "omadm", srvUri: `${base}/dm`, name: "omadm", permittedMoids: ["urn:oma:mo:oma-dm-devinfo:1.2"] },
      ],
      allowHttp: true,
    },
    { baseDir: process.cwd(), readFile: (p) => new Uint8Array(readFileSync(p)) },
  );
  assert.ok(config.ok, config.ok ? "" : config.error.message);
  const http = createUndiciHttpClient({ allowHttp: true });
  const quiet = () => {};
  const client = createDmClient(
    {
      stateStore: createMemoryStateStore(),
      http,
      clock: { now: () => Date.now() },
      timers: { setTimeout: (f, ms) => setTimeout(f, ms).unref(), clearTimeout: (h) => clearTimeout(h) },
      random: (n) => new Uint8Array(randomBytes(n)),
      logger: { info: quiet, warn: quiet },
    },
    config.value,
  );
  try {
    await client.start();
    const outcome = await client.runSession("omadm");
    assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
    const get = outcome.commands.find((c) => c.item[0] === "GET");
    assert.ok(get !== undefined, `the session carried the GET: ${JSON.stringify(outcome.commands)}`);
    assert.equal(get.status.sc, 200, JSON.stringify(get));
    step(`DmClient session: GET → ${get.status.sc} ${statusName(get.status.sc)}`);
  } finally {
    await client.stop();
    await http.close();
  }

  const shown = JSON.parse(await omadm("commands", "show", queued.id, "--server", base, "--json"));
  assert.equal(shown.state, "done", JSON.stringify(shown));
  assert.ok(JSON.stringify(shown.result).includes(DEV_ID), `the result holds the DevID: ${JSON.stringify(shown)}`);
  step(`result at the server: ${JSON.stringify(shown.result.data)}`);

  // The web console ships built in @omadm/server's dist/ and is served at / (docs/console.md).
  const page = await fetch(`${base}/`);
  const html = await page.text();
  assert.equal(page.status, 200, html);
  const script = /src="(\/console\/assets\/app-[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script !== undefined, `the console page names its script: ${html}`);
  const asset = await fetch(`${base}${script}`);
  assert.equal(asset.status, 200);
  step(`web console: / and ${script} (${(await asset.arrayBuffer()).byteLength} bytes)`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const loaded = loadServerConfig({ overrides: { listen: { host: "127.0.0.1", port: 0 }, logLevel: "silent" } });
assert.ok(loaded.ok, loaded.ok ? "" : loaded.error.message);
const store = createMemoryStore({ clock: { now: () => Date.now() } });
const inProcess = createOmadmServer({ store }, loaded.value);
const { urls } = await inProcess.start();
await inProcess.stop();
await store.close();
step(`@omadm/server API: composed, started and stopped at ${urls.base}`);
