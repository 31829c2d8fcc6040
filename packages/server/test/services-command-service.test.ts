// The command service: what an operator queues is checked against the DM 2.0
// parameter tables (docs/protocol.md §4) before it reaches the durable queue; END/CONT stay the server's; the
// wake-on-queue hook runs only after the command is stored, and its failures never lose the command.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServerErrorCode } from "../src/errors.js";
import { createCommandService, type CommandServiceDeps } from "../src/services/command-service.js";
import { checkOperatorCommand, OPERATOR_COMMANDS } from "../src/services/command-input.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { BAD_COMMANDS, C, C2, GOOD_COMMANDS, S, S2 } from "./api-support.js";
import { rejectsWith, sequentialIds, TestClock } from "./store-contract-support.js";
import { errorMessage } from "@omadm/protocol";

const DEV = "dev-1";

async function rig(extra: Partial<CommandServiceDeps> = {}, allowHttp = false) {
  const clock = new TestClock();
  const store: Store = createMemoryStore({ clock, newId: sequentialIds("cmd") });
  await store.devices.create({ id: DEV });
  const service = createCommandService({ store, clock, ...extra }, { allowHttp });
  return { clock, store, service };
}

test("the operator may queue the ten commands but END and CONT", () => {
  assert.deepEqual([...OPERATOR_COMMANDS].sort(), [
    "DEFAULT",
    "DELETE",
    "EXEC",
    "GET",
    "HGET",
    "HPOST",
    "HPUT",
    "SHOW",
    "SUB",
    "UNSUB",
  ]);
});

for (const c of GOOD_COMMANDS) {
  test(`queues ${c.title} in the array form and the named form as the same P2 item`, async () => {
    const { service, store } = await rig();
    const a = await service.enqueue({ deviceId: DEV, command: c.array });
    const n = await service.enqueue({ deviceId: DEV, command: c.named });
    assert.equal(a.created, true);
    assert.deepEqual([a.command.name, ...a.command.params], c.array);
    assert.deepEqual([n.command.name, ...n.command.params], c.array);
    assert.equal(a.command.state, "queued");
    assert.equal((await store.commands.list({ deviceId: DEV })).items.length, 2);
  });
}

for (const c of BAD_COMMANDS) {
  test(`refuses ${c.title} with COMMAND_INVALID naming the parameter, and queues nothing`, async () => {
    const { service, store } = await rig();
    await assert.rejects(service.enqueue({ deviceId: DEV, command: c.command as never }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal((error as { code?: string }).code, ServerErrorCode.COMMAND_INVALID);
      for (const part of c.detail) assert.ok(error.message.includes(part), `"${error.message}" names ${part}`);
      return true;
    });
    assert.equal((await store.commands.list()).items.length, 0);
  });
}

test("END and CONT are refused with COMMAND_RESERVED in either form, with the reason", async () => {
  const { service } = await rig();
  for (const command of [["END"], ["CONT", S], { name: "END" }, { name: "CONT", serverUri: S }]) {
    await assert.rejects(service.enqueue({ deviceId: DEV, command }), (error: Error & { code?: string }) => {
      assert.equal(error.code, ServerErrorCode.COMMAND_RESERVED);
      assert.match(error.message, /issues (END|CONT) itself inside DM sessions/);
      return true;
    });
  }
});

test("allowHttp lets plain-http ServerURIs through (loopback tests), https only otherwise", async () => {
  const strict = await rig();
  await rejectsWith(
    strict.service.enqueue({ deviceId: DEV, command: ["SHOW", "http://127.0.0.1/ui"] }),
    "OMADM_SRV_COMMAND_INVALID",
  );
  const lax = await rig({}, true);
  const { command } = await lax.service.enqueue({ deviceId: DEV, command: ["SHOW", "http://127.0.0.1/ui"] });
  assert.deepEqual(command.params, ["http://127.0.0.1/ui"]);
});

test("an unknown device is DEVICE_NOT_FOUND", async () => {
  const { service } = await rig();
  await rejectsWith(service.enqueue({ deviceId: "nobody", command: ["GET", C] }), ServerErrorCode.DEVICE_NOT_FOUND);
});

test("idempotency: the same key and command give the first command back; a different command is a conflict", async () => {
  const { service, store } = await rig();
  const first = await service.enqueue({ deviceId: DEV, command: ["GET", C], idempotencyKey: "k-1" });
  const again = await service.enqueue({ deviceId: DEV, command: { name: "GET", clientUri: C }, idempotencyKey: "k-1" });
  assert.equal(first.created, true);
  assert.equal(again.created, false);
  assert.equal(again.command.id, first.command.id);
  await rejectsWith(
    service.enqueue({ deviceId: DEV, command: ["GET", C2], idempotencyKey: "k-1" }),
    ServerErrorCode.IDEMPOTENCY_CONFLICT,
  );
  assert.equal((await store.commands.list()).items.length, 1);
  for (const key of ["", "has space", "x".repeat(201), "ünï"]) {
    await rejectsWith(
      service.enqueue({ deviceId: DEV, command: ["GET", C], idempotencyKey: key }),
      ServerErrorCode.INVALID_INPUT,
    );
  }
});

test("expiry: ttlSeconds counts from the clock, expiresAt must be in the future, not both", async () => {
  const { service, clock } = await rig();
  const ttl = await service.enqueue({ deviceId: DEV, command: ["GET", C], ttlSeconds: 90 });
  assert.equal(ttl.command.expiresAt, clock.now() + 90_000);
  const at = await service.enqueue({ deviceId: DEV, command: ["GET", C], expiresAt: clock.now() + 5 });
  assert.equal(at.command.expiresAt, clock.now() + 5);
  await rejectsWith(
    service.enqueue({ deviceId: DEV, command: ["GET", C], expiresAt: clock.now() }),
    ServerErrorCode.INVALID_INPUT,
  );
  await rejectsWith(
    service.enqueue({ deviceId: DEV, command: ["GET", C], ttlSeconds: 0 }),
    ServerErrorCode.INVALID_INPUT,
  );
  await rejectsWith(
    service.enqueue({ deviceId: DEV, command: ["GET", C], ttlSeconds: 1.5 }),
    ServerErrorCode.INVALID_INPUT,
  );
  await rejectsWith(
    service.enqueue({ deviceId: DEV, command: ["GET", C], ttlSeconds: 5, expiresAt: clock.now() + 1000 }),
    ServerErrorCode.INVALID_INPUT,
  );
});

test("EXEC records the correlation its asynchronous alert is matched by (docs/protocol.md §4.4)", async () => {
  const { service } = await rig();
  const withUri = await service.enqueue({ deviceId: DEV, command: ["EXEC", C2, S2] });
  assert.deepEqual(withUri.command.correlation, { sourceUri: C2, serverUri: S2 });
  const without = await service.enqueue({ deviceId: DEV, command: { name: "EXEC", clientUri: C2 } });
  assert.deepEqual(without.command.correlation, { sourceUri: C2 });
  const get = await service.enqueue({ deviceId: DEV, command: ["GET", C] });
  assert.equal(get.command.correlation, null);
});

test("onQueued runs after the command is stored, once per new command, not for an idempotent repeat", async () => {
  const seen: { deviceId: string; stored: boolean }[] = [];
  const holder: { store?: Store } = {};
  const r = await rig({
    onQueued: async (deviceId, command) => {
      seen.push({ deviceId, stored: (await holder.store!.commands.get(command.id)) !== null });
    },
  });
  holder.store = r.store;
  await r.service.enqueue({ deviceId: DEV, command: ["GET", C], idempotencyKey: "k" });
  await r.service.enqueue({ deviceId: DEV, command: ["GET", C], idempotencyKey: "k" });
  await r.service.enqueue({ deviceId: DEV, command: ["DELETE", C2] });
  await Promise.resolve(); // the hook's own awaits
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [
    { deviceId: DEV, stored: true },
    { deviceId: DEV, stored: true },
  ]);
});

test("a failing onQueued hook (throwing or rejecting) is reported and the command stays queued", async () => {
  const reported: string[] = [];
  for (const onQueued of [
    () => {
      throw new Error("sync boom");
    },
    () => Promise.reject(new Error("async boom")),
  ]) {
    const { service, store } = await rig({
      onQueued,
      onQueuedError: (error) => reported.push(errorMessage(error)),
    });
    const { command } = await service.enqueue({ deviceId: DEV, command: ["GET", C] });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal((await store.commands.get(command.id))?.state, "queued");
  }
  assert.deepEqual(reported, ["sync boom", "async boom"]);
});

test("get, list and cancel go to the store; get of a missing command is COMMAND_NOT_FOUND", async () => {
  const { service } = await rig();
  const a = (await service.enqueue({ deviceId: DEV, command: ["GET", C] })).command;
  const b = (await service.enqueue({ deviceId: DEV, command: ["DELETE", C2] })).command;
  assert.equal((await service.get(a.id)).id, a.id);
  await rejectsWith(service.get("missing"), ServerErrorCode.COMMAND_NOT_FOUND);
  const cancelled = await service.cancel(b.id);
  assert.equal(cancelled.state, "cancelled");
  await rejectsWith(service.cancel(b.id), ServerErrorCode.COMMAND_ILLEGAL_TRANSITION);
  const queued = await service.list({ deviceId: DEV, state: "queued" });
  assert.deepEqual(
    queued.items.map((c) => c.id),
    [a.id],
  );
});

test("checkOperatorCommand accepts a single string for a one-or-more field and refuses non-objects", () => {
  const one = checkOperatorCommand({ name: "HPUT", serverUri: S, clientUris: C }, { allowHttp: false });
  assert.deepEqual(one.item, ["HPUT", S, C]);
  for (const bad of [null, 7, "GET", []]) {
    assert.throws(() => checkOperatorCommand(bad, { allowHttp: false }), { code: ServerErrorCode.COMMAND_INVALID });
  }
});
