// Store contract: store.transaction — several operations as one atomic, durable unit.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { CommandState } from "../src/store/types.js";
import { SessionStatus } from "../src/store/types-session.js";
import type { StoreParts } from "../src/store/store.js";
import { IDLE, queueFixture } from "./store-contract-commands.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

export function transactionContract(it: ContractTest): void {
  it("commits a Package#3's worth of changes together: results, next batch, session state", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 4);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    const next = await f.store.transaction(async (tx) => {
      await tx.commands.recordResults(sessionId, [
        { commandId: ids[0]!, outcome: "done", statusCode: 200 },
        { commandId: ids[1]!, outcome: "failed", statusCode: 404 },
      ]);
      const batch = await tx.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 3 });
      await tx.sessions.update(sessionId, { stateName: "awaitingP3", packageNo: 3 });
      return batch;
    });
    assert.deepEqual(
      next.map((c) => c.id),
      ids.slice(2),
    );
    assert.equal((await f.store.commands.get(ids[0]!))?.state, CommandState.Done);
    assert.equal((await f.store.commands.get(ids[3]!))?.state, CommandState.Sent);
    assert.equal((await f.store.sessions.get(sessionId))?.packageNo, 3);
  });

  it("keeps nothing when the callback throws", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 2);
    const boom = new Error("boom");
    await assert.rejects(
      f.store.transaction(async (tx) => {
        await tx.devices.create({ id: "new" });
        await tx.commands.enqueue({ deviceId: "new", name: "GET", params: ["urn:x"] });
        await tx.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
        await tx.sessions.update(sessionId, { stateName: "changed" });
        await tx.notifications.nextId();
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(await f.store.devices.get("new"), null);
    for (const id of ids) assert.equal((await f.store.commands.get(id))?.state, CommandState.Queued);
    const session = await f.store.sessions.get(sessionId);
    assert.equal(session?.stateName, "p1");
    assert.equal(session.version, 1);
    assert.equal(await f.store.notifications.nextId(), 1, "the counter step was rolled back too");
  });

  it("a refused call inside changes nothing of its own; the callback may catch it and commit the rest", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 2);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 1, packageNo: 2 });
    await f.store.transaction(async (tx) => {
      await rejectsWith(tx.devices.create({ id: "dev" }), ServerErrorCode.DEVICE_EXISTS);
      await rejectsWith(
        tx.commands.recordResults(sessionId, [
          { commandId: ids[0]!, outcome: "done", statusCode: 200 },
          { commandId: ids[1]!, outcome: "done", statusCode: 200 },
        ]),
        ServerErrorCode.COMMAND_ILLEGAL_TRANSITION,
      );
      await tx.apiTokens.create({ name: "a", tokenHash: "h" });
      await rejectsWith(tx.apiTokens.create({ name: "b", tokenHash: "h" }), ServerErrorCode.INVALID_INPUT);
      await tx.devices.update("dev", { labels: { ok: "yes" } });
    });
    assert.equal((await f.store.commands.get(ids[0]!))?.state, CommandState.Sent, "the refused results left no trace");
    assert.deepEqual((await f.store.devices.get("dev"))?.labels, { ok: "yes" });
    assert.deepEqual(
      (await f.store.apiTokens.list()).map((t) => t.name),
      ["a"],
    );
  });

  it("calls on tx may run concurrently inside the callback", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const created = await f.store.transaction((tx) =>
      Promise.all(
        Array.from({ length: 8 }, (_, i) => tx.commands.enqueue({ deviceId: "dev", name: "GET", params: [`u${i}`] })),
      ),
    );
    assert.equal(created.length, 8);
    assert.equal((await f.store.commands.list({ deviceId: "dev" })).items.length, 8);
  });

  it("using the store itself inside a transaction, or a tx after it ended, is TRANSACTION_MISUSE", async (f) => {
    await f.store.devices.create({ id: "dev" });
    let leaked: StoreParts | undefined;
    await f.store.transaction(async (tx) => {
      leaked = tx;
      await rejectsWith(f.store.devices.get("dev"), ServerErrorCode.TRANSACTION_MISUSE);
      await rejectsWith(
        f.store.transaction(() => Promise.resolve()),
        ServerErrorCode.TRANSACTION_MISUSE,
      );
      assert.equal((await tx.devices.get("dev"))?.id, "dev");
    });
    await rejectsWith(leaked!.devices.get("dev"), ServerErrorCode.TRANSACTION_MISUSE);
    assert.equal((await f.store.devices.get("dev"))?.id, "dev", "the store works again after the transaction");
  });

  it("misuse is caught in every transaction, also after others ended (the check is switched off between)", async (f) => {
    await f.store.devices.create({ id: "dev" });
    for (let round = 0; round < 3; round++) {
      assert.equal((await f.store.devices.get("dev"))?.id, "dev", "between transactions the store works");
      await f.store.transaction(async (tx) => {
        await tx.devices.get("dev");
        // A helper that awaits before touching the store: the state travels through its own promises.
        const helper = async () => {
          await Promise.resolve();
          return f.store.devices.get("dev");
        };
        await rejectsWith(helper(), ServerErrorCode.TRANSACTION_MISUSE);
      });
    }
  });

  it("other callers see a transaction all at once, never half of it", async (f) => {
    await f.store.devices.create({ id: "dev" });
    let release = (): void => undefined;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inside = (): void => undefined;
    const entered = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const committed = f.store.transaction(async (tx) => {
      await tx.sessions.open({ deviceId: "dev", stateName: "half", idleTimeoutMs: IDLE });
      inside();
      await hold;
      await tx.devices.update("dev", { labels: { done: "yes" } });
    });
    await entered;
    let committedYet = false;
    const seen = f.store.sessions.findOpen("dev").then((s) => ({ s, early: !committedYet }));
    release();
    await committed;
    committedYet = true;
    const { s, early } = await seen;
    if (early) assert.equal(s, null, "a read that finished before the commit saw none of it");
    else assert.equal(s?.status, SessionStatus.Open);
    assert.deepEqual((await f.store.devices.get("dev"))?.labels, { done: "yes" });
  });
}
