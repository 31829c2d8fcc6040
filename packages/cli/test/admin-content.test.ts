// `omadm repo …`, `omadm ui …` and `omadm token …` against a real REST API on 127.0.0.1: files in and out of
// the Data Repository byte for byte, a SHOW page created and answered, API tokens created, used, revoked.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createApiToken } from "@omadm/server";
import { omadm, PUBLIC_BASE, startServer, type TestServer } from "./admin-support.js";

let server: TestServer;
let dir: string;
const run = (...args: string[]) => omadm(server.url, args);

before(async () => {
  server = await startServer();
  dir = await mkdtemp(join(tmpdir(), "omadm-cli-"));
  await server.store.devices.create({ id: "box-7" });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test("repo put, ls, get: shared and per-device content, bytes unchanged, ServerURI printed", async () => {
  const bin = join(dir, "image.bin");
  const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
  await writeFile(bin, bytes);
  let r = await run("repo", "put", "fw/2.1/image.bin", bin);
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /^stored fw\/2\.1\/image\.bin \(shared, application\/octet-stream, 6 bytes, ETag "\S+"\)$/m);
  assert.match(r.out, new RegExp(`^ServerURI: ${PUBLIC_BASE}/repo/shared/fw/2\\.1/image\\.bin$`, "m"));

  const mo = join(dir, "cfg.json");
  await writeFile(mo, JSON.stringify([{ ClientURI: "urn:oma:mo:acme:1.0/a/Level", MOData: { Level: 3 } }]));
  r = await run("repo", "put", "cfg.json", mo, "--device", "box-7");
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /\(device box-7, application\/dmmo\+json, \d+ bytes/);

  const bad = join(dir, "bad.json");
  await writeFile(bad, "[{}]");
  r = await run("repo", "put", "bad.json", bad);
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /^error: malformed MO data: .* \[OMADM_SRV_REPOSITORY_BAD_CONTENT\]$/m);
  r = await run("repo", "put", "x", join(dir, "missing.bin"));
  assert.equal(r.exitCode, 2);
  assert.match(r.err, /cannot read .*missing\.bin/);

  r = await run("repo", "ls");
  const lines = r.out.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^PATH\s+SCOPE\s+TYPE\s+SIZE\s+UPDATED\s+SERVERURI$/);
  assert.match(lines[1] ?? "", /^fw\/2\.1\/image\.bin\s+shared\s+application\/octet-stream\s+6\s+/);
  assert.match(
    lines[2] ?? "",
    /^cfg\.json\s+box-7\s+application\/dmmo\+json\s+\d+\s+.*\/repo\/devices\/box-7\/cfg\.json$/,
  );
  r = await run("repo", "ls", "--shared", "--json");
  assert.deepEqual(
    (JSON.parse(r.out) as { items: { path: string }[] }).items.map((i) => i.path),
    ["fw/2.1/image.bin"],
  );

  const back = join(dir, "back.bin");
  r = await run("repo", "get", "fw/2.1/image.bin", "-o", back);
  assert.match(r.out, /^wrote 6 bytes to .*back\.bin \(application\/octet-stream, ETag "\S+"\)$/m);
  assert.deepEqual(await readFile(back), bytes);
  r = await run("repo", "get", "cfg.json", "--device", "box-7");
  assert.equal(r.out, `${await readFile(mo, "utf8")}\n`);
  r = await run("repo", "get", "cfg.json");
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /no repository item "cfg\.json" \(shared\) \[OMADM_SRV_REPOSITORY_ITEM_NOT_FOUND\]/);
});

test("ui create queues SHOW; the answer on the page shows in ui show", async () => {
  const template = JSON.stringify({ title: "Reboot?", text: "Reboot tonight?", choices: [{ id: "ok", label: "OK" }] });
  let r = await run("ui", "create", "box-7", "--template", template, "--ttl", "300");
  assert.equal(r.exitCode, 0, r.err);
  const id = /^UI session (\S+) created for box-7$/m.exec(r.out)?.[1] ?? "";
  const uri = /^ServerURI: (\S+)$/m.exec(r.out)?.[1] ?? "";
  assert.ok(uri.startsWith(`${PUBLIC_BASE}/ui/session?uiid=`), r.out);
  const show = /^SHOW queued: (\S+)$/m.exec(r.out)?.[1] ?? "";
  const command = await server.store.commands.get(show);
  assert.deepEqual([command?.name, ...(command?.params ?? [])], ["SHOW", uri]);

  await server.store.uiSessions.complete(id, { choice: "ok", fields: {} });
  // "--": a base64url id may begin with "-", which commander would read as an option.
  r = await run("ui", "show", "--", id);
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /^state:\s+completed$/m);
  assert.match(r.out, /^result:\s+\{"choice":"ok","fields":\{\}\}$/m);
  assert.match(r.out, new RegExp(`^SHOW command:\\s+${show}$`, "m"));

  const file = join(dir, "page.json");
  await writeFile(file, template);
  r = await run("ui", "create", "box-7", "--template", file, "--no-show");
  assert.match(r.out, /^SHOW not queued \(--no-show\)$/m);
  r = await run("ui", "create", "box-7", "--template", '{"title": ""}');
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /\[OMADM_SRV_UI_TEMPLATE_INVALID\]/);
  r = await run("ui", "create", "box-7", "--template", "{nope");
  assert.equal(r.exitCode, 2);
  assert.match(r.err, /the template is not JSON/);
});

test("token create, list, revoke; with loopback mode off the token decides (--token or OMADM_TOKEN)", async () => {
  const locked = await startServer({ loopbackWithoutToken: false });
  try {
    const { token: admin } = await createApiToken(locked.store, "admin");
    const as = (token: string | undefined, ...args: string[]) =>
      omadm(locked.url, args, token === undefined ? {} : { env: { OMADM_TOKEN: token } });

    let r = await as(undefined, "devices", "list");
    assert.equal(r.exitCode, 1);
    assert.equal(
      r.err,
      "error: an API token is required: Authorization: Bearer <token> (set --token or OMADM_TOKEN) [OMADM_SRV_API_UNAUTHORIZED]\n",
    );

    r = await as(admin, "token", "create", "ci");
    assert.equal(r.exitCode, 0, r.err);
    assert.match(r.out, /^token \S+ \(ci, scope admin\) created\. It is shown only now; store it:$/m);
    const ci = r.out.trimEnd().split("\n").at(-1) ?? "";
    assert.match(ci, /^[A-Za-z0-9_-]{43}$/);

    r = await omadm(locked.url, ["devices", "list", "--token", ci]);
    assert.equal(r.exitCode, 0, r.err);

    r = await as(admin, "token", "list");
    const rows = r.out.trimEnd().split("\n");
    assert.match(rows[0] ?? "", /^ID\s+NAME\s+SCOPE\s+CREATED\s+LAST USED\s+REVOKED$/);
    const ciRow = rows.find((line) => /\sci\s/.test(line)) ?? "";
    assert.match(ciRow, /\s-$/, "not revoked");
    assert.ok(!r.out.includes(ci), "secrets are never listed");
    const ciId = ciRow.split(/\s+/)[0] ?? "";

    r = await as(admin, "token", "revoke", ciId);
    assert.match(r.out, new RegExp(`^token ${ciId} \\(ci\\) revoked at \\S+ \\S+$`, "m"));
    r = await omadm(locked.url, ["devices", "list", "--token", ci]);
    assert.equal(r.exitCode, 1);
    assert.match(r.err, /unknown or revoked/);
  } finally {
    await locked.close();
  }
});
