// `omadm server` through the real command parser: it loads config, opens a real SQLite store in a temp dir,
// listens on 127.0.0.1 port 0, prints where each component is, answers a Package#1, and stops cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { buildProgram } from "../src/main.js";
import { registerServerCommand } from "../src/server-command.js";
import type { RunningServer } from "../src/server-command-types.js";
import { refusedServerCommand } from "./server-command-support.js";
import { Command } from "commander";

test("omadm server starts on an embedded SQLite store with every component and prints their URLs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "omadm-cli-server-"));
  const out: string[] = [];
  const err: string[] = [];
  let onStarted!: (r: RunningServer) => void;
  const started = new Promise<RunningServer>((resolve) => (onStarted = resolve));
  const program = new Command("omadm").exitOverride();
  registerServerCommand(program, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    onStarted: (r) => {
      onStarted(r);
    },
  });
  await program.parseAsync(["node", "omadm", "server", "--port", "0", "--data-dir", dir]);
  const running = await started;
  try {
    const text = out.join("");
    assert.match(text, /store: sqlite/);
    for (const name of ["dm", "repository", "ui", "api", "docs"])
      assert.match(text, new RegExp(`^  ${name} +http://127\\.0\\.0\\.1:\\d+/`, "m"));
    assert.ok(existsSync(join(dir, "omadm.sqlite")));
    const res = await request(running.urls.dm, {
      method: "POST",
      headers: {
        "content-type": "application/vnd.oma.dm.initiation+json",
        accept: "application/vnd.oma.dm.request+json",
        "omadm-devid": "IMEI:490154203237518",
      },
      body: JSON.stringify({ Alert: [{ AlertType: "urn:oma:at:dm:2.0:ClientInitiatedMgmt" }] }),
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { CMD: [["END"]] });
    assert.deepEqual(err, []);
  } finally {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("omadm server refuses a bad flag with a message naming it and exit code 2", async () => {
  const { code, err } = await refusedServerCommand(["--port", "99999"]);
  assert.equal(code, 2);
  assert.match(err, /--port must be 0-65535, got 99999/);
});

test("the omadm program lists server, admin and help", () => {
  const help = buildProgram({ out: () => undefined, err: () => undefined }).helpInformation();
  for (const c of ["server", "devices", "commands", "wake", "alerts", "repo", "token"])
    assert.match(help, new RegExp(`\\b${c}\\b`));
});
