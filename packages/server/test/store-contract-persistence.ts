// Store contract: what survives a restart, a closed store, and a model-based property that no queued command
// is ever lost or sent twice at once, whatever order sessions open, answer, abort and expire in.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ServerErrorCode } from "../src/errors.js";
import { CommandState } from "../src/store/types.js";
import type { Store } from "../src/store/store.js";
import { IDLE, queueFixture } from "./store-contract-commands.js";
import { fullDevice } from "./store-contract-devices.js";
import { bytes, rejectsWith, type ContractTest } from "./store-contract-support.js";

/** Everything a store holds, read through its own API. */
async function snapshot(store: Store) {
  return {
    devices: await store.devices.list(),
    commands: await store.commands.list(),
    sessions: await store.sessions.list(),
    alerts: await store.alerts.list(),
    notifications: await store.notifications.list(),
    repository: await store.repository.list(),
    item: await store.repository.get("fw", null),
    uploads: await store.repository.listUploads(),
    uiSessions: await store.uiSessions.list(),
    tokens: await store.apiTokens.list(),
  };
}

export function persistenceContract(it: ContractTest): void {
  it("keeps everything across a restart, the NOTIFICATION-ID counter included", async (f) => {
    let store = f.store;
    await store.devices.create(fullDevice);
    const { sessionId, ids } = await queueFixture(store, "dev", 3);
    await store.sessions.update(sessionId, { cookie: "ck", stateData: { deep: { list: [1, "two", null] } } });
    await store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    await store.commands.recordResults(sessionId, [
      { commandId: ids[0]!, outcome: "done", statusCode: 200, data: { v: 1 } },
    ]);
    await store.alerts.record([{ deviceId: "dev", alertType: "urn:a", data: { x: [1] } }]);
    await store.notifications.record({
      deviceId: "dev",
      notificationId: await store.notifications.nextId(),
      transport: "udp",
      outcome: "sent",
    });
    await store.notifications.nextId();
    await store.repository.put({
      path: "fw",
      deviceId: null,
      mediaType: "application/octet-stream",
      body: new Uint8Array([9, 0, 9]),
    });
    await store.repository.recordUpload({
      deviceId: "dev",
      path: "u",
      method: "POST",
      mediaType: "a/b",
      body: bytes("up"),
    });
    await store.uiSessions.create({ deviceId: "dev", template: { text: "hello" }, expiresAt: f.clock.now() + 1 });
    await store.apiTokens.create({ name: "ops", tokenHash: "hash" });
    const before = await snapshot(store);
    const device = await store.devices.get(fullDevice.id);

    store = await f.reopen();
    assert.deepEqual(await snapshot(store), before);
    assert.deepEqual(await store.devices.get(fullDevice.id), device);
    assert.equal(await store.notifications.nextId(), 3, "the counter continues where it was");
    assert.equal((await store.sessions.findByCookie("ck"))?.id, sessionId);
    assert.equal((await store.apiTokens.use("hash"))?.name, "ops");
  });

  it("a session interrupted by a restart loses nothing: its in-flight commands return when it expires", async (f) => {
    let store = f.store;
    const { sessionId, ids } = await queueFixture(store, "dev", 3);
    await store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    store = await f.reopen();
    assert.deepEqual(
      (await store.commands.list({ sessionId })).items.map((c) => [c.id, c.state]),
      [
        [ids[0], CommandState.Sent],
        [ids[1], CommandState.Sent],
      ],
    );
    f.clock.advance(IDLE);
    const [expired] = await store.sessions.expireIdle();
    assert.equal(expired?.session.id, sessionId);
    const { session } = await store.sessions.open({ deviceId: "dev", stateName: "p1", idleTimeoutMs: IDLE });
    const batch = await store.commands.takeBatch({ deviceId: "dev", sessionId: session.id, max: 10, packageNo: 2 });
    assert.deepEqual(
      batch.map((c) => c.id),
      ids,
    );
  });

  it("refuses every call after close with STORE_CLOSED; close twice is harmless", async (f) => {
    await f.store.close();
    await f.store.close();
    await rejectsWith(f.store.devices.get("x"), ServerErrorCode.STORE_CLOSED);
    await rejectsWith(f.store.commands.list(), ServerErrorCode.STORE_CLOSED);
    await rejectsWith(f.store.notifications.nextId(), ServerErrorCode.STORE_CLOSED);
  });

  it("concurrent takers never get the same command, and every command is taken once", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 20);
    const nodes = f.harness.concurrentNodes ? [f.store, await f.openSecondNode()] : [f.store];
    const batches = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        nodes[i % nodes.length]!.commands.takeBatch({ deviceId: "dev", sessionId, max: 3, packageNo: 2 }),
      ),
    );
    const taken = batches.flat().map((c) => c.id);
    assert.equal(new Set(taken).size, taken.length, "no command taken twice");
    assert.deepEqual([...taken].sort(), [...ids].sort(), "every command taken");
    for (const batch of batches) {
      const positions = batch.map((c) => ids.indexOf(c.id));
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
        "each batch in queue order",
      );
    }
  });

  it("concurrent callers get distinct NOTIFICATION-IDs, across server nodes too", async (f) => {
    const nodes = f.harness.concurrentNodes ? [f.store, await f.openSecondNode()] : [f.store];
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) => nodes[i % nodes.length]!.notifications.nextId()),
    );
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  });

  it("property: under any interleaving of sessions, answers, aborts and expiry, no command is lost or doubled", async (f) => {
    type Op =
      | { kind: "enqueue" }
      | { kind: "open" }
      | { kind: "take"; max: number }
      | { kind: "answer"; outcome: "done" | "failed" | "accepted" }
      | { kind: "close"; reason: "ended" | "aborted" }
      | { kind: "idle" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant({ kind: "enqueue" as const }),
      fc.constant({ kind: "open" as const }),
      fc.integer({ min: 1, max: 3 }).map((max) => ({ kind: "take" as const, max })),
      fc.constantFrom("done", "failed", "accepted").map((outcome) => ({ kind: "answer" as const, outcome })),
      fc.constantFrom("ended", "aborted").map((reason) => ({ kind: "close" as const, reason })),
      fc.constant({ kind: "idle" as const }),
    );
    const store = f.store;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const dev = `prop-${++run}`;
        await store.devices.create({ id: dev });
        const enqueued: string[] = [];
        const finished = new Set<string>();
        let session: string | null = null;
        for (const o of ops) {
          if (o.kind === "enqueue") {
            enqueued.push(
              (await store.commands.enqueue({ deviceId: dev, name: "GET", params: [`u${enqueued.length}`] })).command
                .id,
            );
          } else if (o.kind === "open") {
            session = (await store.sessions.open({ deviceId: dev, stateName: "p1", idleTimeoutMs: IDLE })).session.id;
          } else if (o.kind === "take" && session !== null) {
            const queuedBefore = (await store.commands.list({ deviceId: dev, state: CommandState.Queued })).items;
            const taken = await store.commands.takeBatch({
              deviceId: dev,
              sessionId: session,
              max: o.max,
              packageNo: 2,
            });
            assert.deepEqual(
              taken.map((c) => c.id),
              queuedBefore.slice(0, o.max).map((c) => c.id),
              "oldest first",
            );
          } else if (o.kind === "answer" && session !== null) {
            const sent = (await store.commands.list({ sessionId: session, state: CommandState.Sent })).items;
            await store.commands.recordResults(
              session,
              sent.map((c) => ({ commandId: c.id, outcome: o.outcome, statusCode: 200 })),
            );
            for (const c of sent) finished.add(c.id);
          } else if (o.kind === "close" && session !== null) {
            await store.sessions.close(session, o.reason);
            session = null;
          } else if (o.kind === "idle") {
            f.clock.advance(IDLE);
            await store.sessions.expireIdle();
            session = null;
          }
        }
        const all = (await store.commands.list({ deviceId: dev, limit: 1000 })).items;
        assert.deepEqual(
          all.map((c) => c.id),
          enqueued,
          "every enqueued command is still there, once",
        );
        for (const c of all) {
          if (finished.has(c.id))
            assert.notEqual(c.state, CommandState.Queued, "an answered command is never requeued");
          else if (c.state === CommandState.Sent)
            assert.equal(c.sessionId, session, "only the open session has commands in flight");
          else assert.equal(c.state, CommandState.Queued);
        }
      }),
      { numRuns: 25 },
    );
  });
}
