// `omadm firmware upload|list|show|delete` against the real server (SQLite in a temp directory) on 127.0.0.1
// (docs/firmware.md): the file is streamed, the server's SHA-256 and size are printed with the device URLs, and a
// refusal prints the server's problem detail.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { omadm } from "./admin-support.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const dir = tempDir("omadm-admin-firmware-");
let srv: E2eServer;
const run = (...args: string[]) => omadm(srv.origin, args);

before(async () => {
  srv = await startE2eServer({ dataDir: join(dir.path, "server") });
});
after(async () => {
  await srv.stop();
  dir.remove();
});

test("firmware upload streams the file and prints its digest and URLs; list, show, delete", async () => {
  const bytes = randomBytes(200_000);
  const file = join(dir.path, "hgw-2.1.0.bin");
  writeFileSync(file, bytes);
  const sha = createHash("sha256").update(bytes).digest("hex");

  let r = await run("firmware", "upload", file, "--fw-version", "2.1.0", "--model", "HGW-1");
  assert.equal(r.exitCode, 0, r.err);
  const id = /^firmware (\S+) uploaded$/m.exec(r.out)?.[1];
  assert.ok(id, r.out);
  assert.match(r.out, /^name:\s+hgw-2\.1\.0\.bin$/m);
  assert.match(r.out, new RegExp(`^sha256:\\s+${sha}$`, "m"));
  assert.match(r.out, /^size:\s+200000 bytes$/m);
  assert.match(r.out, new RegExp(`^PkgURL:\\s+\\S+/firmware/${id}#sha256=${sha}$`, "m"));

  r = await run("firmware", "list");
  assert.equal(r.exitCode, 0, r.err);
  assert.match(
    r.out,
    new RegExp(`^${id}\\s+hgw-2\\.1\\.0\\.bin\\s+2\\.1\\.0\\s+HGW-1\\s+200000\\s+${sha.slice(0, 16)}$`, "m"),
  );

  r = await run("firmware", "show", id, "--json");
  assert.equal(r.exitCode, 0, r.err);
  assert.equal((JSON.parse(r.out) as { sha256: string }).sha256, sha);

  r = await run("firmware", "delete", id);
  assert.equal(r.exitCode, 0, r.err);
  assert.equal(r.out.trim(), `firmware ${id} deleted`);
  r = await run("firmware", "show", id);
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /no firmware image/);
});

test("firmware upload: a missing file is a usage error; --fw-version is required", async () => {
  let r = await run("firmware", "upload", join(dir.path, "missing.bin"), "--fw-version", "1");
  assert.equal(r.exitCode, 2);
  assert.match(r.err, /cannot read/);
  r = await run("firmware", "upload", join(dir.path, "missing.bin"));
  assert.notEqual(r.exitCode, 0);
  assert.match(r.err, /--fw-version/);
});
