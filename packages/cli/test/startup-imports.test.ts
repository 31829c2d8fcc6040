// What `omadm` loads before it does anything: the admin commands and --version must not pay for the server,
// the stores, MQTT or the client (their bodies are imported when their command runs). Each case runs the CLI
// from source in a child process whose ESM resolutions are recorded (test-support/import-recorder.mjs); the
// server command is the control that shows the recorder sees those packages when they are loaded.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const RECORDER = fileURLToPath(new URL("../../../test-support/import-recorder.mjs", import.meta.url));

/** Loaded only by the commands that need them. */
const HEAVY = ["fastify", "better-sqlite3", "pg", "kysely", "mqtt", "pino", "undici", "typebox"];
const HEAVY_WORKSPACE = ["packages/server/", "packages/client/", "packages/protocol/"];

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  /** Packages (node_modules names) and workspace package folders resolved. */
  readonly loaded: ReadonlySet<string>;
}

function loadedOf(urls: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const url of urls) {
    const dep = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (dep !== undefined) out.add(dep);
    const ws = /\/(packages\/[^/]+\/)/.exec(url)?.[1];
    if (ws === undefined || url.includes("/node_modules/")) continue;
    // The protocol's light entry point (OmadmError, errorMessage: a module that imports nothing) is allowed.
    out.add(/\/packages\/protocol\/(?:src|dist)\/omadm-error\.[jt]s$/.test(url) ? "packages/protocol/omadm-error" : ws);
  }
  return out;
}

async function omadm(...args: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "omadm-imports-"));
  const log = join(dir, "imports.log");
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main(["node", "omadm", ...process.argv.slice(1)]);`;
  try {
    return await new Promise((resolve) => {
      execFile(
        process.execPath,
        [
          "--import",
          "tsx",
          "--conditions=@omadm/source",
          "--import",
          RECORDER,
          "--input-type=module",
          "-e",
          script,
          "--", // what follows is the command's, not node's (`--version`)
          ...args,
        ],
        { env: { ...process.env, OMADM_IMPORT_LOG: log }, timeout: 60_000 },
        (error, _stdout, stderr) => {
          let urls: string[] = [];
          try {
            urls = readFileSync(log, "utf8").split("\n");
          } catch {
            // nothing was recorded
          }
          resolve({ code: error === null ? 0 : (error.code as number | null), stderr, loaded: loadedOf(urls) });
        },
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function heavyIn(run: Run): string[] {
  return [...HEAVY, ...HEAVY_WORKSPACE].filter((name) => run.loaded.has(name));
}

test("omadm --version loads commander and the command definitions, nothing heavy", async () => {
  const run = await omadm("--version");
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.loaded.has("commander"), "the recorder saw the CLI load");
  assert.deepEqual(heavyIn(run), []);
});

test("omadm devices list loads neither the server, the stores, MQTT nor the client", async () => {
  // Nothing listens on port 1: the command fails as unreachable (exit 3) after trying, which is all it loads.
  const run = await omadm("devices", "list", "--server", "http://127.0.0.1:1");
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /cannot reach the omadm server/);
  assert.deepEqual(heavyIn(run), []);
});

test("omadm server loads the server when it runs (the recorder sees what is loaded)", async () => {
  // An invalid port stops the command after its body (and so the server package) was imported.
  const run = await omadm("server", "--port", "70000");
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--port must be 0-65535/);
  assert.ok(run.loaded.has("packages/server/"), [...run.loaded].join(", "));
  assert.ok(run.loaded.has("fastify"), [...run.loaded].join(", "));
});
