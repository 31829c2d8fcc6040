// `omadm commands wait`, `omadm sessions`, `omadm notifications`, `omadm uploads` against a real REST API on
// 127.0.0.1: the wait's exit code says how the command ended (or that it timed out); the lists print tables.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { omadm, startServer, type TestServer } from "./admin-support.js";

const C = "urn:oma:mo:oma-dm-devinfo:1.0//";
let server: TestServer;
const run = (...args: string[]) => omadm(server.url, args);

before(async () => {
  server = await startServer();
  await server.store.devices.create({ id: "dev-w" });
});
after(async () => {
  await server.close();
});

test("commands wait: 0 when done, 5 when cancelled, 6 on timeout", async () => {
  const queued = async () =>
    (await server.store.commands.enqueue({ deviceId: "dev-w", name: "GET", params: [C] })).command.id;
  const pending = await queued();
  let r = await run("commands", "wait", pending, "--timeout", "0.3");
  assert.equal(r.exitCode, 6, r.err);
  assert.match(r.out, /still queued after 0.3 s/);

  const { session } = await server.store.sessions.open({ deviceId: "dev-w", stateName: "x", idleTimeoutMs: 60_000 });
  await server.store.commands.takeBatch({ deviceId: "dev-w", sessionId: session.id, max: 10, packageNo: 2 });
  await server.store.commands.recordResults(session.id, [{ commandId: pending, outcome: "done", statusCode: 200 }]);
  r = await run("commands", "wait", pending);
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, new RegExp(`^${pending} done \\(status 200\\)$`, "m"));

  const cancelled = await queued();
  await server.store.commands.cancel(cancelled);
  r = await run("commands", "wait", cancelled, "--json");
  assert.equal(r.exitCode, 5, r.err);
  assert.equal((JSON.parse(r.out) as { state: string }).state, "cancelled");

  r = await run("commands", "wait", "no-such-command");
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /OMADM_SRV_COMMAND_NOT_FOUND/);
});

test("sessions, notifications and uploads list what the API has", async () => {
  let r = await run("sessions", "--device", "dev-w");
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /^CREATED\s+SESSION\s+DEVICE\s+STATUS\s+PACKAGE\s+ENDED$/m);
  assert.match(r.out, /dev-w\s+open/);
  r = await run("sessions", "--json");
  assert.equal((JSON.parse(r.out) as { items: unknown[] }).items.length, 1);
  r = await run("notifications");
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /^SENT\s+DEVICE\s+NOTIFICATION-ID\s+TRANSPORT\s+OUTCOME\s+ERROR$/m);
  r = await run("uploads", "--json");
  assert.equal(r.exitCode, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), { items: [], nextCursor: null });
  r = await run("sessions", "--status", "nonsense");
  assert.equal(r.exitCode, 1);
});

test("sessions lists newest first; --asc lists oldest first", async () => {
  await server.store.devices.create({ id: "dev-order" });
  const opened: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { session } = await server.store.sessions.open({ deviceId: "dev-order", stateName: "x", idleTimeoutMs: 1 });
    opened.push(session.id);
  }
  const ids = async (...args: string[]) => {
    const r = await run("sessions", "--device", "dev-order", "--json", ...args);
    assert.equal(r.exitCode, 0, r.err);
    return (JSON.parse(r.out) as { items: { id: string }[] }).items.map((s) => s.id);
  };
  const asc = await ids("--asc");
  assert.deepEqual([...asc].sort(), [...opened].sort());
  assert.deepEqual(await ids(), [...asc].reverse());
  // Without ties in time the order is the opening order; the store's clock may give two the same millisecond.
  const times = (await server.store.sessions.list({ deviceId: "dev-order" })).items.map((s) => s.createdAt);
  if (new Set(times).size === times.length) assert.deepEqual(asc, opened);
});
