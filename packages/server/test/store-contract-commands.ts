// Store contract: the durable per-device command queue.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { CommandState, DeliveryPolicy } from "../src/store/types.js";
import type { Store } from "../src/store/store.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

export const IDLE = 600_000;

/** A device with `n` queued GETs and an open session; returns the session id and the command ids. */
export async function queueFixture(store: Store, deviceId = "dev", n = 3) {
  await store.devices.create({ id: deviceId });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { command } = await store.commands.enqueue({ deviceId, name: "GET", params: [`urn:x/${i}`] });
    ids.push(command.id);
  }
  const { session } = await store.sessions.open({ deviceId, stateName: "p1", idleTimeoutMs: IDLE });
  return { sessionId: session.id, ids };
}

export function commandContract(it: ContractTest): void {
  it("enqueues a queued command with its P2 name and parameters, and get returns it", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const { command, created } = await f.store.commands.enqueue({
      deviceId: "dev",
      name: "EXEC",
      params: ["urn:oma:mo:x/1/Run", "https://dm.example/alerts"],
      expiresAt: f.clock.now() + 1000,
      correlation: { sourceUri: "urn:oma:mo:x/1/Run" },
    });
    assert.equal(created, true);
    assert.deepEqual(command, {
      id: command.id,
      deviceId: "dev",
      name: "EXEC",
      params: ["urn:oma:mo:x/1/Run", "https://dm.example/alerts"],
      idempotencyKey: null,
      state: CommandState.Queued,
      createdAt: f.clock.now(),
      updatedAt: f.clock.now(),
      expiresAt: f.clock.now() + 1000,
      sentAt: null,
      completedAt: null,
      attempts: 0,
      sessionId: null,
      packageNo: null,
      position: null,
      statusCode: null,
      result: null,
      correlation: { sourceUri: "urn:oma:mo:x/1/Run" },
      delivery: DeliveryPolicy.AtMostOnce,
      maxDeliveries: 1,
      reason: null,
    });
    assert.deepEqual(await f.store.commands.get(command.id), command);
    assert.equal(await f.store.commands.get("nope"), null);
  });

  it("refuses a command for an unknown device, and malformed commands", async (f) => {
    await rejectsWith(
      f.store.commands.enqueue({ deviceId: "x", name: "END", params: [] }),
      ServerErrorCode.DEVICE_NOT_FOUND,
    );
    await f.store.devices.create({ id: "dev" });
    await rejectsWith(
      f.store.commands.enqueue({ deviceId: "dev", name: "", params: [] }),
      ServerErrorCode.INVALID_INPUT,
    );
    const badParams = { deviceId: "dev", name: "GET", params: [1] } as never;
    await rejectsWith(f.store.commands.enqueue(badParams), ServerErrorCode.INVALID_INPUT);
    assert.deepEqual((await f.store.commands.list()).items, []);
  });

  it("is idempotent per device and key; a different command under the same key is a conflict", async (f) => {
    await f.store.devices.create({ id: "dev" });
    await f.store.devices.create({ id: "dev2" });
    const input = { deviceId: "dev", name: "GET", params: ["urn:x/a"], idempotencyKey: "k1" };
    const first = await f.store.commands.enqueue(input);
    f.clock.advance(10);
    const again = await f.store.commands.enqueue(input);
    assert.equal(again.created, false);
    assert.deepEqual(again.command, first.command);
    await rejectsWith(
      f.store.commands.enqueue({ ...input, params: ["urn:x/b"] }),
      ServerErrorCode.IDEMPOTENCY_CONFLICT,
    );
    const other = await f.store.commands.enqueue({ ...input, deviceId: "dev2" });
    assert.equal(other.created, true);
    assert.notEqual(other.command.id, first.command.id);
    assert.equal((await f.store.commands.list({ deviceId: "dev" })).items.length, 1);
    assert.deepEqual(await f.store.commands.findByIdempotencyKey("dev", "k1"), first.command);
    assert.equal(await f.store.commands.findByIdempotencyKey("dev", "k2"), null);
  });

  it("takes batches in enqueue order, up to max, marking them sent with session, package and position", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 5);
    await f.store.devices.create({ id: "other" });
    await f.store.commands.enqueue({ deviceId: "other", name: "END", params: [] });
    const t = f.clock.advance(7);
    const b1 = await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2, firstPosition: 1 });
    assert.deepEqual(
      b1.map((c) => c.id),
      ids.slice(0, 2),
    );
    for (const [i, c] of b1.entries()) {
      assert.equal(c.state, CommandState.Sent);
      assert.equal(c.sessionId, sessionId);
      assert.equal(c.packageNo, 2);
      assert.equal(c.position, 1 + i);
      assert.equal(c.sentAt, t);
      assert.equal(c.attempts, 1);
      assert.deepEqual(await f.store.commands.get(c.id), c);
    }
    const b2 = await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 10, packageNo: 3 });
    assert.deepEqual(
      b2.map((c) => c.id),
      ids.slice(2),
    );
    assert.deepEqual(
      b2.map((c) => c.position),
      [0, 1, 2],
    );
    assert.deepEqual(await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 10, packageNo: 4 }), []);
    const others = await f.store.commands.list({ deviceId: "other" });
    assert.equal(others.items[0]?.state, CommandState.Queued, "another device's queue is untouched");
  });

  it("refuses to take commands for a session that is not the device's live one, changing nothing", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 2);
    await f.store.devices.create({ id: "dev2" });
    const take = (deviceId: string, sid: string) =>
      f.store.commands.takeBatch({ deviceId, sessionId: sid, max: 5, packageNo: 2 });
    await rejectsWith(take("dev", "no-such-session"), ServerErrorCode.SESSION_NOT_FOUND);
    await rejectsWith(take("dev2", sessionId), ServerErrorCode.SESSION_NOT_OPEN);
    f.clock.advance(IDLE);
    await rejectsWith(take("dev", sessionId), ServerErrorCode.SESSION_NOT_OPEN);
    const { session: s2 } = await f.store.sessions.open({ deviceId: "dev", stateName: "p1", idleTimeoutMs: IDLE });
    await rejectsWith(take("dev", sessionId), ServerErrorCode.SESSION_NOT_OPEN);
    for (const id of ids) assert.equal((await f.store.commands.get(id))?.state, CommandState.Queued);
    await rejectsWith(
      f.store.commands.takeBatch({ deviceId: "dev", sessionId: s2.id, max: 0, packageNo: 2 }),
      ServerErrorCode.INVALID_INPUT,
    );
    assert.equal((await take("dev", s2.id)).length, 2);
  });

  it("expires queued commands past their expiry instead of sending them", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const now = f.clock.now();
    const late = await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: ["a"], expiresAt: now + 10 });
    const fine = await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: ["b"], expiresAt: now + 1000 });
    const { session } = await f.store.sessions.open({ deviceId: "dev", stateName: "p1", idleTimeoutMs: IDLE });
    f.clock.advance(10);
    const batch = await f.store.commands.takeBatch({ deviceId: "dev", sessionId: session.id, max: 5, packageNo: 2 });
    assert.deepEqual(
      batch.map((c) => c.id),
      [fine.command.id],
    );
    const expired = await f.store.commands.get(late.command.id);
    assert.equal(expired?.state, CommandState.Expired);
    assert.equal(expired.completedAt, f.clock.now());
  });

  it("records results: done, failed and accepted, with URIs, GET data and async correlation", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 3);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 3, packageNo: 2 });
    const t = f.clock.advance(50);
    const data = [{ ClientURI: "urn:x/0", MOData: { CBT: "2" } }];
    const out = await f.store.commands.recordResults(sessionId, [
      { commandId: ids[0]!, outcome: "done", statusCode: 200, uris: ["urn:x/0"], data },
      { commandId: ids[1]!, outcome: "failed", statusCode: 404 },
      {
        commandId: ids[2]!,
        outcome: "accepted",
        statusCode: 202,
        correlation: { sourceUri: "urn:x/2", serverUri: "https://s/a" },
      },
    ]);
    assert.deepEqual(
      out.map((c) => c.state),
      [CommandState.Done, CommandState.Failed, CommandState.Accepted],
    );
    assert.deepEqual(out[0]?.result, { uris: ["urn:x/0"], data });
    assert.deepEqual(out[1]?.result, { uris: [], data: null });
    assert.deepEqual(
      out.map((c) => c.completedAt),
      [t, t, null],
    );
    assert.deepEqual(out[2]?.correlation, { sourceUri: "urn:x/2", serverUri: "https://s/a" });
    for (const c of out) assert.deepEqual(await f.store.commands.get(c.id), c);
  });

  it("applies a Package#3 all or nothing: one bad target refuses every result", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 3);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    const ok = { commandId: ids[0]!, outcome: "done", statusCode: 200 } as const;
    await rejectsWith(
      f.store.commands.recordResults(sessionId, [ok, { commandId: ids[2]!, outcome: "done", statusCode: 200 }]),
      ServerErrorCode.COMMAND_ILLEGAL_TRANSITION,
    );
    await rejectsWith(
      f.store.commands.recordResults(sessionId, [ok, { commandId: "nope", outcome: "done", statusCode: 200 }]),
      ServerErrorCode.COMMAND_NOT_FOUND,
    );
    await rejectsWith(f.store.commands.recordResults(sessionId, [ok, ok]), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(
      f.store.commands.recordResults("other-session", [ok]),
      ServerErrorCode.COMMAND_ILLEGAL_TRANSITION,
    );
    assert.equal((await f.store.commands.get(ids[0]!))?.state, CommandState.Sent);
    assert.equal((await f.store.commands.get(ids[2]!))?.state, CommandState.Queued);
    await f.store.commands.recordResults(sessionId, [ok]);
    await rejectsWith(f.store.commands.recordResults(sessionId, [ok]), ServerErrorCode.COMMAND_ILLEGAL_TRANSITION);
  });

  it("completes an accepted command from its alert, by SourceURI (oldest first) or by id", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 3);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 3, packageNo: 2 });
    const acc = (id: string) =>
      ({ commandId: id, outcome: "accepted", statusCode: 202, correlation: { sourceUri: "urn:x/run" } }) as const;
    await f.store.commands.recordResults(sessionId, [
      acc(ids[0]!),
      acc(ids[1]!),
      { commandId: ids[2]!, outcome: "done", statusCode: 200 },
    ]);
    const [alert] = await f.store.alerts.record([
      { deviceId: "dev", alertType: "urn:oma:at:dm:2.0:ExecComplete", sourceUri: "urn:x/run", data: { sc: 200 } },
    ]);
    const t = f.clock.advance(99);
    const done = await f.store.commands.completeAccepted(
      { deviceId: "dev", sourceUri: "urn:x/run" },
      { outcome: "done", statusCode: 200, data: { sc: 200 }, alertId: alert!.id },
    );
    assert.ok(done);
    assert.equal(done.id, ids[0]);
    assert.equal(done.state, CommandState.Done);
    assert.equal(done.completedAt, t);
    assert.deepEqual(done.result, { uris: [], data: { sc: 200 } });
    assert.equal((await f.store.alerts.get(alert!.id))?.matchedCommandId, ids[0]);
    assert.equal(
      await f.store.commands.completeAccepted(
        { deviceId: "dev", sourceUri: "urn:other" },
        { outcome: "done", statusCode: 200 },
      ),
      null,
    );
    await rejectsWith(
      f.store.commands.completeAccepted({ commandId: ids[2]! }, { outcome: "failed", statusCode: 500 }),
      ServerErrorCode.COMMAND_ILLEGAL_TRANSITION,
    );
    await rejectsWith(
      f.store.commands.completeAccepted({ commandId: "nope" }, { outcome: "failed", statusCode: 500 }),
      ServerErrorCode.COMMAND_NOT_FOUND,
    );
    const byId = await f.store.commands.completeAccepted(
      { commandId: ids[1]! },
      { outcome: "failed", statusCode: 500 },
    );
    assert.equal(byId?.state, CommandState.Failed);
    assert.equal(byId.statusCode, 500);
  });

  it("requeues what a session had in flight, keeping queue order and counting attempts", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 3);
    const other = await queueFixture(f.store, "other", 1);
    await f.store.commands.takeBatch({ deviceId: "other", sessionId: other.sessionId, max: 1, packageNo: 2 });
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    await f.store.commands.recordResults(sessionId, [{ commandId: ids[0]!, outcome: "done", statusCode: 200 }]);
    const back = await f.store.commands.requeueSession(sessionId);
    assert.equal((await f.store.commands.get(other.ids[0]!))?.state, CommandState.Sent, "other sessions keep theirs");
    assert.deepEqual(
      back.map((c) => c.id),
      [ids[1]],
    );
    assert.equal(back[0]?.state, CommandState.Queued);
    assert.equal(back[0].sessionId, null);
    assert.equal(back[0].position, null);
    assert.equal((await f.store.commands.get(ids[0]!))?.state, CommandState.Done, "answered commands stay done");
    const again = await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 5, packageNo: 3 });
    assert.deepEqual(
      again.map((c) => c.id),
      [ids[1], ids[2]],
    );
    assert.deepEqual(
      again.map((c) => c.attempts),
      [2, 1],
    );
  });

  it("expires due commands in bounded batches: a limit changes at most that many, the next call the rest", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const t = f.clock.now();
    for (let i = 0; i < 5; i++) {
      await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: [`b${i}`], expiresAt: t + 1 });
    }
    await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: ["later"], expiresAt: t + 500 });
    f.clock.advance(1);
    assert.equal(await f.store.commands.expireDue({ limit: 2 }), 2);
    assert.equal(await f.store.commands.expireDue({ limit: 2 }), 2);
    assert.equal(await f.store.commands.expireDue({ limit: 2 }), 1);
    assert.equal(await f.store.commands.expireDue({ limit: 2 }), 0);
    const queued = await f.store.commands.list({ deviceId: "dev", state: CommandState.Queued });
    assert.deepEqual(
      queued.items.map((c) => c.params[0]),
      ["later"],
    );
    await rejectsWith(f.store.commands.expireDue({ limit: 0 }), ServerErrorCode.INVALID_INPUT);
  });

  it("lists by several states at once in enqueue order, page by page", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: [`s${i}`] })).command.id);
    }
    await f.store.commands.cancel(ids[1]!);
    await f.store.commands.cancel(ids[3]!);
    const states = [CommandState.Cancelled, CommandState.Queued];
    const first = await f.store.commands.list({ state: states, limit: 3 });
    assert.deepEqual(
      first.items.map((c) => c.id),
      ids.slice(0, 3),
    );
    const rest = await f.store.commands.list({ state: states, limit: 3, cursor: first.nextCursor ?? undefined });
    assert.deepEqual(
      rest.items.map((c) => c.id),
      ids.slice(3),
    );
    assert.equal(rest.nextCursor, null);
    const desc = await f.store.commands.list({ state: states, order: "desc", limit: 2 });
    assert.deepEqual(
      desc.items.map((c) => c.id),
      [ids[4], ids[3]],
    );
  });

  it("expires due queued commands and cancels queued, sent or accepted ones; other transitions are refused", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const t = f.clock.now();
    const mk = (p: string, expiresAt?: number) =>
      f.store.commands.enqueue({ deviceId: "dev", name: "GET", params: [p], expiresAt }).then((r) => r.command.id);
    const e1 = await mk("e1", t + 5);
    const keep = await mk("keep", t + 500);
    const c1 = await mk("c1");
    f.clock.advance(5);
    assert.equal(await f.store.commands.expireDue(), 1);
    assert.equal(await f.store.commands.expireDue(), 0);
    assert.equal((await f.store.commands.get(e1))?.state, CommandState.Expired);
    await rejectsWith(f.store.commands.cancel(e1), ServerErrorCode.COMMAND_ILLEGAL_TRANSITION);
    const cancelled = await f.store.commands.cancel(c1);
    assert.equal(cancelled.state, CommandState.Cancelled);
    await rejectsWith(f.store.commands.cancel(c1), ServerErrorCode.COMMAND_ILLEGAL_TRANSITION);
    await rejectsWith(f.store.commands.cancel("nope"), ServerErrorCode.COMMAND_NOT_FOUND);
    const { session } = await f.store.sessions.open({ deviceId: "dev", stateName: "p1", idleTimeoutMs: IDLE });
    const sent = await f.store.commands.takeBatch({ deviceId: "dev", sessionId: session.id, max: 5, packageNo: 2 });
    assert.deepEqual(
      sent.map((c) => c.id),
      [keep],
      "expired and cancelled commands are never sent",
    );
    await f.store.commands.recordResults(session.id, [{ commandId: keep, outcome: "accepted", statusCode: 202 }]);
    assert.equal((await f.store.commands.cancel(keep)).state, CommandState.Cancelled);
  });

  it("lists commands by device, state and session, in either order, page by page", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 5);
    await queueFixture(f.store, "dev2", 2);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    const all = await f.store.commands.list({ deviceId: "dev" });
    assert.deepEqual(
      all.items.map((c) => c.id),
      ids,
    );
    const sent = await f.store.commands.list({ state: CommandState.Sent });
    assert.deepEqual(
      sent.items.map((c) => c.id),
      ids.slice(0, 2),
    );
    const inSession = await f.store.commands.list({ sessionId });
    assert.deepEqual(
      inSession.items.map((c) => c.id),
      ids.slice(0, 2),
    );
    const several = await f.store.commands.list({ deviceId: "dev", state: [CommandState.Queued, CommandState.Sent] });
    assert.equal(several.items.length, 5);
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.store.commands.list({ deviceId: "dev", order: "desc", limit: 2, cursor });
      pages.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    assert.deepEqual(pages, [...ids].reverse());
    assert.equal((await f.store.commands.list()).items.length, 7);
    await rejectsWith(f.store.commands.list({ cursor: "eyJ4IjoxfQ" }), ServerErrorCode.BAD_CURSOR);
  });
}
