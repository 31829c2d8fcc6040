// The short variant of `npm run test:crash:client` (scripts/crash-client.ts): a few SIGKILLs of the
// client daemon while notifications arrive; every state left behind decodes and no accepted notification is lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../../scripts/crash-client.ts", import.meta.url));

test(
  "client daemon killed with SIGKILL during state writes: valid state every time, nothing lost",
  { timeout: 180_000 },
  () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@omadm/source", SCRIPT, "--kills", "3"], {
      encoding: "utf8",
      timeout: 170_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      /^crash\(client\): 3 kills, valid state 3, restarts 4, notifications accepted \d+, served \d+, lost 0\n$/,
    );
  },
);
