// Store contract: the delivery policy of a command (docs/delivery.md) and the cancelling of a sent command.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { CommandState, DeliveryPolicy } from "../src/store/types.js";
import { SessionStatus } from "../src/store/types-session.js";
import type { Store } from "../src/store/store.js";
import { IDLE } from "./store-contract-commands.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

/** Opens a session for the device (superseding its open one) and takes what is queued into a Package#2. */
async function deliver(store: Store, deviceId: string) {
  const opened = await store.sessions.open({ deviceId, stateName: "p1", idleTimeoutMs: IDLE });
  const sent = await store.commands.takeBatch({ deviceId, sessionId: opened.session.id, max: 10, packageNo: 2 });
  return { ...opened, sent };
}

export function deliveryContract(it: ContractTest): void {
  it("gives each command its default policy, or the one asked for; refuses an unknown policy", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const make = async (name: string, extra: object = {}) =>
      (await f.store.commands.enqueue({ deviceId: "dev", name, params: ["urn:x"], ...extra })).command;
    for (const name of ["GET", "HGET", "HPUT", "DELETE", "SUB", "UNSUB", "DEFAULT"]) {
      const c = await make(name);
      assert.equal(c.delivery, DeliveryPolicy.AtLeastOnce, name);
      assert.equal(c.maxDeliveries, 3, name);
    }
    for (const name of ["EXEC", "HPOST", "SHOW"]) {
      const c = await make(name);
      assert.equal(c.delivery, DeliveryPolicy.AtMostOnce, name);
      assert.equal(c.maxDeliveries, 1, name);
    }
    const chosen = await make("EXEC", { delivery: DeliveryPolicy.AtLeastOnce, maxDeliveries: 5 });
    assert.deepEqual([chosen.delivery, chosen.maxDeliveries], [DeliveryPolicy.AtLeastOnce, 5]);
    const once = await make("GET", { delivery: DeliveryPolicy.AtMostOnce, maxDeliveries: 7 });
    assert.deepEqual([once.delivery, once.maxDeliveries], [DeliveryPolicy.AtMostOnce, 1]);
    const before = (await f.store.commands.list()).items.length;
    await rejectsWith(make("GET", { delivery: "twice" }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(make("GET", { maxDeliveries: 0 }), ServerErrorCode.INVALID_INPUT);
    assert.equal((await f.store.commands.list()).items.length, before, "a refused command is not stored");
  });

  it("an unanswered at-least-once command goes out at most maxDeliveries times, then fails saying so", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const { command } = await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: ["urn:x"] });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { sent, requeued, unanswered } = await deliver(f.store, "dev");
      assert.deepEqual(
        sent.map((c) => [c.id, c.attempts]),
        [[command.id, attempt]],
      );
      if (attempt > 1) assert.deepEqual([requeued.length, unanswered.length], [1, 0], "superseding requeued it");
    }
    // The third session ends (here superseded by a fourth Package#1) without the answer: no delivery left.
    const fourth = await deliver(f.store, "dev");
    assert.deepEqual(fourth.sent, [], "not sent a fourth time");
    assert.deepEqual(fourth.requeued, []);
    assert.deepEqual(
      fourth.unanswered.map((c) => c.id),
      [command.id],
    );
    const failed = await f.store.commands.get(command.id);
    assert.equal(failed?.state, CommandState.Failed);
    assert.equal(failed.attempts, 3);
    assert.equal(failed.statusCode, null);
    assert.match(failed.reason ?? "", /never answered: sent 3 times/);
    assert.equal(failed.completedAt, f.clock.now());
  });

  it("an unanswered at-most-once command is never sent again and ends unknown, however its session ends", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const exec = async () =>
      (await f.store.commands.enqueue({ deviceId: "dev", name: "EXEC", params: ["urn:x/Run"] })).command.id;
    // Superseded by a new Package#1.
    const a = await exec();
    const first = await deliver(f.store, "dev");
    assert.deepEqual(
      first.sent.map((c) => c.id),
      [a],
    );
    const second = await deliver(f.store, "dev");
    assert.deepEqual(second.sent, [], "not sent again");
    assert.deepEqual(
      second.unanswered.map((c) => [c.id, c.state]),
      [[a, CommandState.Unknown]],
    );
    // Aborted.
    const b = await exec();
    const third = await deliver(f.store, "dev");
    const aborted = await f.store.sessions.close(third.session.id, SessionStatus.Aborted);
    assert.deepEqual(
      aborted.unanswered.map((c) => c.id),
      [b],
    );
    // Idle-expired and swept.
    const c = await exec();
    await deliver(f.store, "dev");
    f.clock.advance(IDLE);
    const [expired] = await f.store.sessions.expireIdle();
    assert.deepEqual(
      expired?.unanswered.map((x) => x.id),
      [c],
    );
    for (const id of [a, b, c]) {
      const cmd = await f.store.commands.get(id);
      assert.equal(cmd?.state, CommandState.Unknown, id);
      assert.equal(cmd.attempts, 1);
      assert.match(cmd.reason ?? "", /never answered \(at-most-once\)/);
      assert.notEqual(cmd.sessionId, null, "it still says which session carried it");
    }
    assert.deepEqual((await deliver(f.store, "dev")).sent, [], "nothing goes out any more");
  });

  it("the policy holds across a restart: the store alone knows what was sent and how often", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const get = (await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: ["urn:x"] })).command.id;
    const exec = (await f.store.commands.enqueue({ deviceId: "dev", name: "EXEC", params: ["urn:x/Run"] })).command.id;
    await deliver(f.store, "dev");
    await deliver(f.store, "dev");
    const store = await f.reopen();
    const again = await deliver(store, "dev");
    assert.deepEqual(
      again.sent.map((c) => [c.id, c.attempts]),
      [[get, 3]],
    );
    assert.equal((await store.commands.get(exec))?.state, CommandState.Unknown);
    await deliver(store, "dev");
    assert.equal((await store.commands.get(get))?.state, CommandState.Failed);
  });

  it("a cancelled sent command is not sent again, and its late answer is recorded", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const { command } = await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: ["urn:x"] });
    const other = (await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: ["urn:y"] })).command;
    const { session } = await deliver(f.store, "dev");
    f.clock.advance(5);
    const cancelled = await f.store.commands.cancel(command.id);
    assert.equal(cancelled.state, CommandState.Cancelled);
    assert.equal(cancelled.sessionId, session.id);
    assert.equal(cancelled.completedAt, f.clock.now());
    await rejectsWith(f.store.commands.cancel(command.id), ServerErrorCode.COMMAND_ILLEGAL_TRANSITION);
    f.clock.advance(5);
    const recorded = await f.store.commands.recordResults(session.id, [
      { commandId: command.id, outcome: "done", statusCode: 200, data: { v: 1 } },
      { commandId: other.id, outcome: "done", statusCode: 200 },
    ]);
    assert.deepEqual(
      recorded.map((c) => [c.id, c.state, c.statusCode]),
      [
        [command.id, CommandState.Cancelled, 200],
        [other.id, CommandState.Done, 200],
      ],
    );
    const late = await f.store.commands.get(command.id);
    assert.deepEqual(late?.result, { uris: [], data: { v: 1 } });
    assert.equal(late.completedAt, cancelled.completedAt, "it ended when it was cancelled");
    await rejectsWith(
      f.store.commands.recordResults(session.id, [{ commandId: command.id, outcome: "done", statusCode: 200 }]),
      ServerErrorCode.COMMAND_ILLEGAL_TRANSITION,
    );
  });

  it("a cancelled sent command whose session ends unanswered stays cancelled and is never requeued", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const { command } = await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: ["urn:x"] });
    await deliver(f.store, "dev");
    await f.store.commands.cancel(command.id);
    const next = await deliver(f.store, "dev");
    assert.deepEqual([next.sent, next.requeued, next.unanswered], [[], [], []]);
    assert.equal((await f.store.commands.get(command.id))?.state, CommandState.Cancelled);
  });
}
