// `omadm devices list --filter` and `omadm groups …` against a real REST API on 127.0.0.1 (docs/filters.md):
// tables, --json, --count, and the server's problem detail (with the filter position) on stderr.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { omadm, startServer, type TestServer } from "./admin-support.js";

let server: TestServer;
const run = (...args: string[]) => omadm(server.url, args);

before(async () => {
  server = await startServer();
  for (const [id, site] of [
    ["gw-1", "berlin"],
    ["gw-2", "paris"],
    ["gw-3", "berlin"],
  ]) {
    await server.store.devices.create({ id: id as string, labels: { site: site as string } });
  }
  await server.store.devices.update("gw-3", { devInfo: { FwV: "2.0" } });
});
after(async () => {
  await server.close();
});

test("devices list --filter --count selects and counts; a bad filter names its position", async () => {
  let r = await run("devices", "list", "--filter", "label:site=berlin and FwV!=2.0", "--count");
  assert.equal(r.exitCode, 0, r.err);
  const lines = r.out.trimEnd().split("\n");
  assert.match(lines[1] ?? "", /^gw-1\s+provisioned/);
  assert.equal(lines[2], "(1 in all)");
  r = await run("devices", "list", "--filter", "label:site=");
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /filter: at position 11: expected a value for label site, found the end/);
});

test("groups create, add, devices, remove, show, list, delete", async () => {
  let r = await run("groups", "create", "pilot", "--device", "gw-2", "--description", "first wave");
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /^group pilot created$/m);
  assert.match(r.out, /^kind:\s+static$/m);
  r = await run("groups", "add", "pilot", "gw-1", "gw-2");
  assert.equal(r.out.trim(), "1 device(s) added to group pilot");
  r = await run("groups", "devices", "pilot", "--limit", "1");
  assert.match(r.out, /^gw-1\s/m);
  assert.match(r.out, /\(more: --cursor /);
  r = await run("groups", "remove", "pilot", "gw-1", "--json");
  assert.deepEqual(JSON.parse(r.out), { changed: 1 });

  r = await run("groups", "create", "berlin", "--filter", "label:site = berlin");
  assert.match(r.out, /^filter:\s+label:site=berlin$/m);
  r = await run("groups", "devices", "berlin", "--filter", "not FwV=2.0", "--count");
  assert.match(r.out, /^gw-1\s/m);
  assert.match(r.out, /^\(1 in all\)$/m);
  r = await run("groups", "add", "berlin", "gw-2");
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /dynamic group/);
  r = await run("groups", "create", "bad", "--filter", "x", "--device", "gw-1");
  assert.equal(r.exitCode, 2, "usage error before anything is sent");

  r = await run("groups", "list");
  assert.match(r.out, /^berlin\s+dynamic\s+label:site=berlin\s+-$/m);
  assert.match(r.out, /^pilot\s+static\s+-\s+first wave$/m);
  r = await run("groups", "show", "pilot", "--json");
  assert.equal((JSON.parse(r.out) as { description: string }).description, "first wave");
  r = await run("groups", "delete", "pilot");
  assert.equal(r.out.trim(), "group pilot deleted");
  r = await run("groups", "show", "pilot");
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /no group pilot/);
});
