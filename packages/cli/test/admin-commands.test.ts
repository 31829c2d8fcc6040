// `omadm devices …`, `omadm commands …`, `omadm wake`, `omadm alerts list` against a real REST API on
// 127.0.0.1: readable tables, --json, the server's problem detail on stderr with a non-zero exit code.
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { after, before, test } from "node:test";
import { omadm, startServer, type TestServer } from "./admin-support.js";

const C = "urn:oma:mo:oma-dm-devinfo:1.0//";
const S = "https://repo.example.com/fw/1";
let server: TestServer;
const run = (...args: string[]) => omadm(server.url, args);

before(async () => {
  server = await startServer();
});
after(async () => {
  await server.close();
});

test("devices add, list, show, rm", async () => {
  let r = await run(
    "devices",
    "add",
    "gw-01",
    "--label",
    "site=lab",
    "--label",
    "tier=gold",
    "--noti-secret",
    "hex:00112233",
    "--udp",
    "127.0.0.1:4000",
    "--http-user",
    "gw01",
    "--http-password",
    "pw",
    "--psk-identity",
    "gw-psk",
    "--psk-key",
    "a0a1",
  );
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /^device gw-01 provisioned$/m);
  assert.match(r.out, /^state:\s+provisioned$/m);
  assert.match(r.out, /^labels:\s+site=lab,tier=gold$/m);
  assert.match(r.out, /^notify address:\s+udp 127\.0\.0\.1:4000$/m);
  assert.match(r.out, /^http auth:\s+digest user gw01 realm omadm$/m);
  assert.match(r.out, /^psk identity:\s+gw-psk$/m);
  assert.ok(!r.out.includes("a0a1") && !r.out.includes(" pw"), "no secrets printed");
  const stored = await server.store.devices.get("gw-01");
  assert.deepEqual([...(stored?.notification?.secret ?? [])], [0x00, 0x11, 0x22, 0x33]);

  await run("devices", "add", "gw-02");
  r = await run("devices", "list", "--label", "site=lab");
  assert.equal(r.exitCode, 0, r.err);
  const lines = r.out.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^ID\s+STATE\s+LAST CONTACT\s+LABELS$/);
  assert.match(lines[1] ?? "", /^gw-01\s+provisioned\s+-\s+site=lab,tier=gold$/);
  assert.equal(lines.length, 2, "the label filter leaves gw-02 out");

  r = await run("devices", "list", "--limit", "1");
  assert.match(r.out, /^\(more: --cursor \S+\)$/m, "a next-page hint");
  const cursor = /--cursor (\S+)\)/.exec(r.out)?.[1] ?? "";
  r = await run("devices", "list", "--limit", "1", "--cursor", cursor, "--json");
  const page = JSON.parse(r.out) as { items: { id: string }[] };
  assert.equal(page.items[0]?.id, "gw-02");

  r = await run("devices", "show", "gw-02", "--json");
  assert.equal((JSON.parse(r.out) as { id: string }).id, "gw-02");

  r = await run("devices", "rm", "gw-02");
  assert.equal(r.out, "device gw-02 deleted\n");
  r = await run("devices", "show", "gw-02");
  assert.equal(r.exitCode, 1);
  assert.equal(r.out, "");
  assert.equal(r.err, "error: no device gw-02 [OMADM_SRV_DEVICE_NOT_FOUND]\n");

  r = await run("devices", "add", "gw-01");
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /^error: .*gw-01.* \[OMADM_SRV_DEVICE_EXISTS\]$/m);
  r = await run("devices", "add", "x", "--http-user", "only-user");
  assert.equal(r.exitCode, 2, "caught before sending");
  assert.match(r.err, /--http-user and --http-password go together/);
});

test("commands queue (every form through the same words), idempotency, bad parameters, list, show, cancel", async () => {
  await run("devices", "add", "q-dev");
  let r = await run("commands", "queue", "q-dev", "GET", C, "--idempotency-key", "op-1");
  assert.equal(r.exitCode, 0, r.err);
  const id = /^queued: (\S+) GET urn:oma:mo:oma-dm-devinfo:1\.0\/\/ \[queued, at-least-once \(at most 3\)\]$/m.exec(
    r.out,
  )?.[1];
  assert.ok(id, r.out);
  r = await run("commands", "queue", "q-dev", "GET", C, "--idempotency-key", "op-1");
  assert.equal(r.out, `already queued (same idempotency key): ${id} GET ${C} [queued, at-least-once (at most 3)]\n`);
  r = await run("commands", "queue", "q-dev", "DELETE", C, "--idempotency-key", "op-1");
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /\[OMADM_SRV_IDEMPOTENCY_CONFLICT\]/);

  r = await run("commands", "queue", "q-dev", "HGET", "ftp://x/y", C);
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /^error: HGET parameter 1 "serverUri" \(ServerURI\): .*ftp.* \[OMADM_SRV_COMMAND_INVALID\]$/m);
  r = await run("commands", "queue", "q-dev", "DEFAULT", S, "not-a-moid");
  assert.match(r.err, /parameter 2 "moid" \(MOID\)/);
  r = await run("commands", "queue", "q-dev", "END");
  assert.match(r.err, /END cannot be queued.*\[OMADM_SRV_COMMAND_RESERVED\]/);
  r = await run("commands", "queue", "q-dev", "GET", C, "--ttl", "soon");
  assert.equal(r.exitCode, 2);
  r = await run("commands", "queue", "q-dev", "GET", C, "--delivery", "twice");
  assert.equal(r.exitCode, 2);
  assert.match(r.err, /--delivery "twice" is not at-least-once or at-most-once/);

  r = await run("commands", "queue", "q-dev", "HPUT", S, C, "urn:oma:mo:acme:1.0/a/B", "--ttl", "600");
  assert.equal(r.exitCode, 0, r.err);
  const hput = /^queued: (\S+) HPUT/m.exec(r.out)?.[1] ?? "";
  r = await run("commands", "queue", "q-dev", "EXEC", "urn:oma:mo:acme:1.0/a/Run", "--delivery", "at-least-once");
  assert.match(r.out, /^queued: (\S+) EXEC urn:\S+ \[queued, at-least-once \(at most 3\)\]$/m);
  const exec = /^queued: (\S+) EXEC/m.exec(r.out)?.[1] ?? "";

  // The device answers the GET in a session (what the DM endpoint records).
  const { session } = await server.store.sessions.open({ deviceId: "q-dev", stateName: "t", idleTimeoutMs: 60_000 });
  await server.store.commands.takeBatch({ deviceId: "q-dev", sessionId: session.id, max: 1, packageNo: 2 });
  await server.store.commands.recordResults(session.id, [
    { commandId: id, outcome: "done", statusCode: 200, uris: [C], data: { DevInfo: { Man: "Acme" } } },
  ]);

  r = await run("commands", "show", id);
  assert.match(r.out, /^state:\s+done$/m);
  assert.match(r.out, /^status code:\s+200$/m);
  assert.match(r.out, new RegExp(`^result URIs:\\s+${C.replace(/[.]/g, "\\.")}$`, "m"));
  assert.match(r.out, /^result data:\n\{\n {2}"DevInfo": \{\n {4}"Man": "Acme"/m);

  r = await run("commands", "list", "--device", "q-dev");
  const rows = r.out.trimEnd().split("\n");
  assert.match(rows[0] ?? "", /^ID\s+DEVICE\s+STATE\s+SC\s+DELIVERY\s+ATTEMPTS\s+UPDATED\s+COMMAND$/);
  assert.match(
    rows[1] ?? "",
    new RegExp(`^${id}\\s+q-dev\\s+done\\s+200\\s+at-least-once\\s+1/3\\s+\\S+ \\S+\\s+GET `),
  );
  assert.match(rows[2] ?? "", /\s+queued\s+-\s+at-least-once\s+0\/3\s+.*HPUT https:\/\/repo\.example\.com\/fw\/1 urn:/);

  // A sent command can be cancelled: it is not sent again (docs/delivery.md).
  const { session: s2 } = await server.store.sessions.open({
    deviceId: "q-dev",
    stateName: "t",
    idleTimeoutMs: 60_000,
  });
  await server.store.commands.takeBatch({ deviceId: "q-dev", sessionId: s2.id, max: 2, packageNo: 2 });
  r = await run("commands", "cancel", exec);
  assert.match(r.out, /^cancelled: \S+ EXEC /);
  r = await run("commands", "show", exec);
  assert.match(r.out, /^state:\s+cancelled$/m);
  assert.match(r.out, /^delivery:\s+at-least-once \(at most 3\)$/m);
  assert.match(r.out, /^attempts:\s+1$/m);

  r = await run("commands", "cancel", hput);
  assert.match(r.out, /^cancelled: \S+ HPUT /);
  r = await run("commands", "list", "--device", "q-dev", "--state", "cancelled", "--json");
  assert.deepEqual(
    (JSON.parse(r.out) as { items: { id: string }[] }).items.map((c) => c.id),
    [hput, exec],
  );
  r = await run("commands", "cancel", hput);
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /cancelled and cannot become cancelled \[OMADM_SRV_COMMAND_ILLEGAL_TRANSITION\]/);
});

test("wake sends a Package#0 the device receives; alerts list shows what devices sent", async () => {
  const socket = createSocket("udp4");
  const received = new Promise<Buffer>((resolve) => socket.once("message", resolve));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  try {
    const port = socket.address().port;
    await run("devices", "add", "w-dev", "--noti-secret", "s3cret", "--udp", `127.0.0.1:${port}`);
    const r = await run("wake", "w-dev", "--no-req-mos");
    assert.equal(r.exitCode, 0, r.err);
    assert.match(r.out, /^woke w-dev: NOTIFICATION-ID \d+ over udp \(sent\)\n$/);
    assert.ok((await received).length > 10, "a datagram arrived");
    const fail = await run("wake", "gw-nobody");
    assert.equal(fail.exitCode, 1);
    assert.match(fail.err, /OMADM_SRV_DEVICE_NOT_FOUND/);
  } finally {
    await new Promise<void>((resolve) =>
      socket.close(() => {
        resolve();
      }),
    );
  }

  await server.store.alerts.record([
    { deviceId: "w-dev", alertType: "urn:oma:at:scomo:1.0:OperationComplete", mark: "critical", data: { Result: 500 } },
    { deviceId: "w-dev", alertType: "urn:x:other" },
  ]);
  const r = await run("alerts", "list", "--device", "w-dev", "--type", "urn:oma:at:scomo:1.0:OperationComplete");
  const lines = r.out.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^RECEIVED\s+DEVICE\s+TYPE\s+MARK\s+SOURCE\s+DATA$/);
  assert.match(lines[1] ?? "", /w-dev\s+urn:oma:at:scomo:1\.0:OperationComplete\s+critical\s+-\s+\{"Result":500\}$/);
  assert.equal(lines.length, 2);
});

test("errors: unreachable server exits 3; a non-URL server exits 3; usage errors exit with commander's code", async () => {
  const probe = await startServer();
  const deadUrl = probe.url;
  await probe.close();
  let r = await omadm(deadUrl, ["devices", "list"]);
  assert.equal(r.exitCode, 3);
  assert.match(r.err, /^error: cannot reach the omadm server at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
  r = await omadm("not a url", ["devices", "list"]);
  assert.equal(r.exitCode, 3);
  assert.match(r.err, /is not a URL/);
  r = await run("commands", "queue", "only-device");
  assert.notEqual(r.exitCode, 0);
  assert.match(r.err, /missing required argument 'name'/);
});

test("--server beats OMADM_SERVER_URL; any fetch-like transport can be injected", async () => {
  let r = await omadm("http://127.0.0.1:1", ["devices", "list", "--server", server.url, "--json"]);
  assert.equal(r.exitCode, 0, r.err);
  assert.ok(Array.isArray((JSON.parse(r.out) as { items: unknown }).items));
  const urls: string[] = [];
  r = await omadm(server.url, ["devices", "list"], {
    fetchLike: (url, init) => {
      urls.push(url);
      return fetch(url, init);
    },
  });
  assert.equal(r.exitCode, 0, r.err);
  assert.deepEqual(urls, [`${server.url}/api/v1/devices`]);
});
