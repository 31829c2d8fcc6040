// Store contract: queueing a list at once (CommandService.enqueueMany over the store: PostgreSQL's one-statement
// `commands.enqueueMany`, the others' `enqueue` per command in one transaction) gives what one `enqueue` after
// another would: the same results in input order, each refusal alone, and the queue in input order.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { createCommandService } from "../src/services/command-service.js";
import { CommandState } from "../src/store/types.js";
import { IDLE } from "./store-contract-commands.js";
import type { ContractTest } from "./store-contract-support.js";

const C = "urn:oma:mo:oma-dm-devinfo:1.0//Mod";
const MAN = "urn:oma:mo:oma-dm-devinfo:1.0//Man";
const LANG = "urn:oma:mo:oma-dm-devinfo:1.0//Lang";

export function enqueueManyContract(it: ContractTest): void {
  it("queues a list as one enqueue after another: results in order, refusals alone, repeats by key", async (f) => {
    await f.store.devices.create({ id: "a" });
    await f.store.devices.create({ id: "b" });
    const service = createCommandService({ store: f.store, clock: f.clock });
    const results = await service.enqueueMany([
      { deviceId: "a", command: ["GET", C], idempotencyKey: "k1" },
      { deviceId: "nope", command: ["GET", C] },
      { deviceId: "a", command: ["GET", C], idempotencyKey: "k1" },
      { deviceId: "a", command: ["GET", MAN], idempotencyKey: "k1" },
      { deviceId: "b", command: ["GET", C], idempotencyKey: "k1" },
      { deviceId: "a", command: ["DELETE", "bad uri"] },
      { deviceId: "a", command: ["GET", LANG] },
    ]);
    const codeOf = (i: number) => {
      const r = results[i];
      return r !== undefined && "error" in r ? r.error.code : "ok";
    };
    assert.deepEqual(
      results.map((_, i) => codeOf(i)),
      ["ok", ServerErrorCode.DEVICE_NOT_FOUND, "ok", ServerErrorCode.IDEMPOTENCY_CONFLICT, "ok", codeOf(5), "ok"],
    );
    assert.notEqual(codeOf(5), "ok");
    const queued = (i: number) => {
      const r = results[i];
      assert.ok(r !== undefined && "command" in r, `result ${i} is queued`);
      return r;
    };
    const [first, repeat, other, last] = [queued(0), queued(2), queued(4), queued(6)];
    assert.equal(first.created, true);
    assert.equal(repeat.created, false);
    assert.equal(repeat.command.id, first.command.id);
    assert.equal(other.created, true);
    assert.equal(other.command.deviceId, "b");
    assert.equal(last.created, true);
    // Device a's queue holds two commands, in input order: a session takes them so.
    const { session } = await f.store.sessions.open({ deviceId: "a", stateName: "p1", idleTimeoutMs: IDLE });
    const taken = await f.store.commands.takeBatch({ deviceId: "a", sessionId: session.id, max: 10, packageNo: 2 });
    assert.deepEqual(
      taken.map((c) => [c.id, c.params[0], c.state, c.position]),
      [
        [first.command.id, C, CommandState.Sent, 0],
        [last.command.id, LANG, CommandState.Sent, 1],
      ],
    );
  });

  it("queues a thousand commands for a thousand devices in one call, each once, in order", async (f) => {
    const ids = Array.from({ length: 1000 }, (_, i) => `dev-${String(i).padStart(4, "0")}`);
    await f.store.devices.importBatch(ids.map((id) => ({ id })));
    const service = createCommandService({ store: f.store, clock: f.clock });
    const results = await service.enqueueMany(ids.map((deviceId) => ({ deviceId, command: ["GET", C] })));
    assert.equal(results.filter((r) => "created" in r && r.created).length, 1000);
    const page = await f.store.commands.list({ state: CommandState.Queued, limit: 1000 });
    assert.deepEqual(
      page.items.map((c) => c.deviceId),
      ids,
    );
  });
}
