// Group commit keeps "nothing acknowledged before it is on disk" (ARCHITECTURE.md, invariant 5 and "Group
// commit"): a server process is killed with SIGKILL the moment the first of many concurrent API answers
// arrives, and every command it had acknowledged is in the SQLite file afterwards. A real child process, a
// real file, real HTTP; the requests share group commits because they arrive together.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { openSqliteStore } from "../src/store/sqlite.js";
import { tempDir } from "./dm-support.js";

const CHILD = fileURLToPath(new URL("./store-sqlite-crash-support.ts", import.meta.url));
const DEVICE = "IMEI:359000000000042";
const REQUESTS = 40;

async function startChild(dataDir: string) {
  const child = spawn(process.execPath, [...process.execArgv, CHILD, dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8");
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error("the server child did not start within 20 s"));
    }, 20_000);
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n")[0];
      if (out.includes("\n") && line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { base: string }).base);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server child exited with ${String(code)} before it started`));
    });
  });
  return { child, base };
}

test("sqlite group commit: every acknowledged write survives a SIGKILL right after the answer", async () => {
  const dir = tempDir("omadm-crash-");
  const { child, base } = await startChild(dir.path);
  const exited = once(child, "exit");
  try {
    const created = await fetch(`${base}/api/v1/devices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: DEVICE }),
    });
    assert.equal(created.status, 201, await created.text());

    const acknowledged: string[] = [];
    const queue = async (i: number): Promise<void> => {
      const res = await fetch(`${base}/api/v1/devices/${encodeURIComponent(DEVICE)}/commands`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ command: ["GET", `urn:oma:mo:oma-dm-devinfo:1.2//Ext/k${i}`] }),
      });
      if (res.status !== 201) return;
      const body = (await res.json()) as { id: string };
      acknowledged.push(body.id);
      // The first acknowledgement: kill the server at once, with writes of other requests in flight.
      child.kill("SIGKILL");
    };
    await Promise.allSettled(Array.from({ length: REQUESTS }, (_, i) => queue(i)));
    await exited;
    assert.ok(acknowledged.length >= 1, "at least one request was answered before the kill");

    const store = await openSqliteStore({ clock: { now: () => Date.now() } }, { dataDir: dir.path });
    try {
      for (const id of acknowledged) {
        const command = await store.commands.get(id);
        assert.equal(command?.state, "queued", `acknowledged command ${id} is in the file`);
      }
      const all = await store.commands.list({ deviceId: DEVICE, limit: 1000 });
      assert.ok(all.items.length >= acknowledged.length);
    } finally {
      await store.close();
    }
  } finally {
    child.kill("SIGKILL");
    dir.remove();
  }
});
