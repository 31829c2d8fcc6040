// Store contract: DM sessions — one open session per device, supersede with requeue, lookups, idle expiry,
// optimistic concurrency between server nodes.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { CommandState } from "../src/store/types.js";
import { SessionStatus } from "../src/store/types-session.js";
import { IDLE, queueFixture } from "./store-contract-commands.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

export function sessionContract(it: ContractTest): void {
  it("opens a session and finds it by id, cookie, CONT token and device", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const t = f.clock.now();
    const { session, superseded, requeued } = await f.store.sessions.open({
      deviceId: "dev",
      stateName: "awaitingP3",
      stateData: { pending: [1, 2], note: "x" },
      cookie: "cookie-1",
      contToken: "tok-1",
      idleTimeoutMs: IDLE,
    });
    assert.equal(superseded, null);
    assert.deepEqual(requeued, []);
    assert.deepEqual(session, {
      id: session.id,
      deviceId: "dev",
      status: SessionStatus.Open,
      stateName: "awaitingP3",
      stateData: { pending: [1, 2], note: "x" },
      packageNo: 1,
      contToken: "tok-1",
      cookie: "cookie-1",
      createdAt: t,
      lastActivityAt: t,
      idleTimeoutMs: IDLE,
      idleExpiresAt: t + IDLE,
      endedAt: null,
      version: 1,
    });
    assert.deepEqual(await f.store.sessions.get(session.id), session);
    assert.deepEqual(await f.store.sessions.findByCookie("cookie-1"), session);
    assert.deepEqual(await f.store.sessions.findByContToken("tok-1"), session);
    assert.deepEqual(await f.store.sessions.findOpen("dev"), session);
    assert.equal(await f.store.sessions.findByCookie("cookie-2"), null);
    assert.equal(await f.store.sessions.findOpen("other"), null);
    assert.equal(await f.store.sessions.get("nope"), null);
  });

  it("finds a session with its device's state by CONT token, cookie or device, as the single lookups do", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const { session: first } = await f.store.sessions.open({
      deviceId: "dev",
      stateName: "p1",
      cookie: "c-1",
      contToken: "t-1",
      idleTimeoutMs: IDLE,
    });
    f.clock.advance(1000);
    const { session } = await f.store.sessions.open({
      deviceId: "dev",
      stateName: "p1",
      cookie: "c-2",
      contToken: "t-2",
      idleTimeoutMs: IDLE,
    });
    const dev = await f.store.devices.get("dev");
    const withDevice = { session, deviceState: dev?.state };
    assert.deepEqual(await f.store.sessions.findWithDevice({ contToken: "t-2" }), withDevice);
    assert.deepEqual(await f.store.sessions.findWithDevice({ cookie: "c-2" }), withDevice);
    assert.deepEqual(await f.store.sessions.findWithDevice({ openOf: "dev" }), withDevice);
    // A closed (here superseded) session is found as findByContToken finds it, with its device's state.
    const superseded = await f.store.sessions.findByContToken("t-1");
    assert.equal(superseded?.id, first.id);
    assert.deepEqual(await f.store.sessions.findWithDevice({ contToken: "t-1" }), {
      session: superseded,
      deviceState: dev?.state,
    });
    await f.store.devices.update("dev", { disabled: true });
    assert.equal((await f.store.sessions.findWithDevice({ cookie: "c-2" }))?.deviceState, "disabled");
    assert.equal(await f.store.sessions.findWithDevice({ contToken: "t-3" }), null);
    assert.equal(await f.store.sessions.findWithDevice({ cookie: "c-3" }), null);
    assert.equal(await f.store.sessions.findWithDevice({ openOf: "other" }), null);
    // A NUL in a key names nothing (as in every lookup): no session, no error.
    assert.equal(await f.store.sessions.findWithDevice({ contToken: "t-2\u0000" }), null);
  });

  it("a new session supersedes the device's open one and puts its in-flight commands back in the queue", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 3);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    await f.store.commands.recordResults(sessionId, [{ commandId: ids[0]!, outcome: "done", statusCode: 200 }]);
    const t = f.clock.advance(1000);
    const { session, superseded, requeued } = await f.store.sessions.open({
      deviceId: "dev",
      stateName: "p1",
      idleTimeoutMs: IDLE,
    });
    assert.equal(superseded?.id, sessionId);
    assert.equal(superseded.status, SessionStatus.Superseded);
    assert.equal(superseded.endedAt, t);
    assert.deepEqual(
      requeued.map((c) => c.id),
      [ids[1]],
    );
    assert.equal((await f.store.commands.get(ids[1]!))?.state, CommandState.Queued);
    assert.equal((await f.store.commands.get(ids[0]!))?.state, CommandState.Done);
    assert.deepEqual(await f.store.sessions.get(sessionId), superseded);
    assert.equal((await f.store.sessions.findOpen("dev"))?.id, session.id);
    const batch = await f.store.commands.takeBatch({ deviceId: "dev", sessionId: session.id, max: 5, packageNo: 2 });
    assert.deepEqual(
      batch.map((c) => c.id),
      [ids[1], ids[2]],
      "nothing in flight was lost",
    );
  });

  it("refuses a session for an unknown device or a cookie in use, without superseding anything", async (f) => {
    await rejectsWith(
      f.store.sessions.open({ deviceId: "x", stateName: "p1", idleTimeoutMs: IDLE }),
      ServerErrorCode.DEVICE_NOT_FOUND,
    );
    const { sessionId } = await queueFixture(f.store, "dev", 1);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 1, packageNo: 2 });
    await f.store.sessions.update(sessionId, { cookie: "c1" });
    await rejectsWith(
      f.store.sessions.open({ deviceId: "dev", stateName: "p1", cookie: "c1", idleTimeoutMs: IDLE }),
      ServerErrorCode.INVALID_INPUT,
    );
    await rejectsWith(
      f.store.sessions.open({ deviceId: "dev", stateName: "p1", idleTimeoutMs: 0 }),
      ServerErrorCode.INVALID_INPUT,
    );
    const still = await f.store.sessions.findOpen("dev");
    assert.equal(still?.id, sessionId, "the open session was not superseded");
    assert.equal((await f.store.commands.list({ state: CommandState.Sent })).items.length, 1);
  });

  it("updates a live session, refreshing its idle expiry and version; stale versions conflict", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const { session } = await f.store.sessions.open({ deviceId: "dev", stateName: "p1", idleTimeoutMs: IDLE });
    const t = f.clock.advance(IDLE - 1);
    const s2 = await f.store.sessions.update(
      session.id,
      { stateName: "awaitingP3", stateData: { n: 2 }, packageNo: 3, cookie: "c", contToken: "ct" },
      { expectedVersion: 1 },
    );
    assert.equal(s2.version, 2);
    assert.equal(s2.lastActivityAt, t);
    assert.equal(s2.idleExpiresAt, t + IDLE);
    assert.equal(s2.packageNo, 3);
    assert.deepEqual(s2.stateData, { n: 2 });
    assert.deepEqual(await f.store.sessions.get(session.id), s2);
    assert.deepEqual(await f.store.sessions.findByContToken("ct"), s2);
    await rejectsWith(
      f.store.sessions.update(session.id, { stateName: "x" }, { expectedVersion: 1 }),
      ServerErrorCode.SESSION_CONFLICT,
    );
    const s3 = await f.store.sessions.update(session.id, { cookie: null, idleTimeoutMs: 10 });
    assert.equal(s3.cookie, null);
    assert.equal(s3.idleExpiresAt, f.clock.now() + 10);
    assert.equal(s3.stateName, "awaitingP3", "absent fields stay");
    await rejectsWith(f.store.sessions.update("nope", {}), ServerErrorCode.SESSION_NOT_FOUND);
    f.clock.advance(10);
    await rejectsWith(f.store.sessions.update(session.id, { stateName: "late" }), ServerErrorCode.SESSION_NOT_OPEN);
    assert.equal((await f.store.sessions.get(session.id))?.stateName, "awaitingP3");
  });

  it("closes a session (ended, aborted) requeueing in-flight commands; a closed session stays closed", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 2);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    const t = f.clock.advance(3);
    const { session, requeued } = await f.store.sessions.close(sessionId, "aborted");
    assert.equal(session.status, SessionStatus.Aborted);
    assert.equal(session.endedAt, t);
    assert.deepEqual(
      requeued.map((c) => c.id),
      ids,
    );
    assert.equal(await f.store.sessions.findOpen("dev"), null);
    await rejectsWith(f.store.sessions.close(sessionId, "ended"), ServerErrorCode.SESSION_NOT_OPEN);
    await rejectsWith(f.store.sessions.update(sessionId, { stateName: "x" }), ServerErrorCode.SESSION_NOT_OPEN);
    await rejectsWith(f.store.sessions.close("nope", "ended"), ServerErrorCode.SESSION_NOT_FOUND);
    const { session: s2 } = await f.store.sessions.open({ deviceId: "dev", stateName: "p1", idleTimeoutMs: IDLE });
    await rejectsWith(f.store.sessions.close(s2.id, "superseded" as never), ServerErrorCode.INVALID_INPUT);
    const ended = await f.store.sessions.close(s2.id, "ended");
    assert.equal(ended.session.status, SessionStatus.Ended);
    assert.deepEqual(ended.requeued, []);
  });

  it("closes with final changes in one step: saved and closed, or neither (stale version, idle-expired)", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 1);
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 1, packageNo: 2 });
    const t = f.clock.advance(5);
    const final = { stateName: "Ended", stateData: { kind: "Ended", packageNo: 4 }, packageNo: 4 };
    await rejectsWith(
      f.store.sessions.close(sessionId, "ended", { final, expectedVersion: 7 }),
      ServerErrorCode.SESSION_CONFLICT,
    );
    const before = await f.store.sessions.get(sessionId);
    assert.equal(before?.status, SessionStatus.Open, "a refused close changes nothing");
    assert.equal(before.stateName, "p1");
    const { session, requeued } = await f.store.sessions.close(sessionId, "ended", { final, expectedVersion: 1 });
    assert.equal(session.status, SessionStatus.Ended);
    assert.equal(session.endedAt, t);
    assert.equal(session.stateName, "Ended");
    assert.deepEqual(session.stateData, { kind: "Ended", packageNo: 4 });
    assert.equal(session.packageNo, 4);
    assert.equal(session.lastActivityAt, t);
    assert.equal(session.version, 3, "a save and a close: two changes");
    assert.deepEqual(await f.store.sessions.get(sessionId), session);
    assert.deepEqual(
      requeued.map((c) => c.id),
      ids,
      "what it had in flight goes back to the queue, as with any close",
    );
    await rejectsWith(f.store.sessions.close(sessionId, "ended", { final }), ServerErrorCode.SESSION_NOT_OPEN);

    const { session: idle } = await f.store.sessions.open({ deviceId: "dev", stateName: "p1", idleTimeoutMs: IDLE });
    f.clock.advance(IDLE);
    await rejectsWith(f.store.sessions.close(idle.id, "ended", { final }), ServerErrorCode.SESSION_NOT_OPEN);
    assert.equal((await f.store.sessions.get(idle.id))?.status, SessionStatus.Open);
    // Without final changes, an idle-expired session may still be closed (the sweep's and an abort's way).
    assert.equal((await f.store.sessions.close(idle.id, "aborted")).session.version, 2);
  });

  it("expires idle sessions (and only those), requeueing what they had in flight", async (f) => {
    const a = await queueFixture(f.store, "a", 1);
    await f.store.devices.create({ id: "b" });
    await f.store.commands.takeBatch({ deviceId: "a", sessionId: a.sessionId, max: 1, packageNo: 2 });
    f.clock.advance(IDLE / 2);
    const { session: b } = await f.store.sessions.open({ deviceId: "b", stateName: "p1", idleTimeoutMs: IDLE });
    assert.deepEqual(await f.store.sessions.expireIdle(), []);
    f.clock.advance(IDLE / 2);
    const expired = await f.store.sessions.expireIdle();
    assert.deepEqual(
      expired.map((r) => r.session.id),
      [a.sessionId],
    );
    assert.equal(expired[0]?.session.status, SessionStatus.Expired);
    assert.deepEqual(
      expired[0].requeued.map((c) => c.id),
      a.ids,
    );
    assert.equal((await f.store.sessions.get(b.id))?.status, SessionStatus.Open);
    assert.deepEqual(await f.store.sessions.expireIdle(), []);
  });

  it("counts the live open sessions: superseded, closed and idle-expired ones stop counting", async (f) => {
    for (const d of ["a", "b", "c"]) await f.store.devices.create({ id: d });
    assert.equal(await f.store.sessions.countLive(), 0);
    const { session: a } = await f.store.sessions.open({ deviceId: "a", stateName: "p1", idleTimeoutMs: IDLE });
    await f.store.sessions.open({ deviceId: "b", stateName: "p1", idleTimeoutMs: IDLE });
    assert.equal(await f.store.sessions.countLive(), 2);
    // A new session of "a" supersedes its cut one: still one for "a".
    await f.store.sessions.open({ deviceId: "a", stateName: "p1", idleTimeoutMs: IDLE });
    assert.equal(await f.store.sessions.countLive(), 2);
    assert.equal((await f.store.sessions.get(a.id))?.status, SessionStatus.Superseded);
    f.clock.advance(IDLE / 2);
    const { session: c } = await f.store.sessions.open({ deviceId: "c", stateName: "p1", idleTimeoutMs: IDLE });
    await f.store.sessions.close(c.id, "ended");
    assert.equal(await f.store.sessions.countLive(), 2);
    // Past their idle expiry, not yet swept: no longer counted.
    f.clock.advance(IDLE / 2);
    assert.equal(await f.store.sessions.countLive(), 0);
  });

  it("names, among given devices, those with a live open session", async (f) => {
    for (const d of ["a", "b", "c", "d"]) await f.store.devices.create({ id: d });
    assert.deepEqual(await f.store.sessions.liveAmong(["a", "b"]), []);
    await f.store.sessions.open({ deviceId: "a", stateName: "p1", idleTimeoutMs: IDLE });
    const { session: b } = await f.store.sessions.open({ deviceId: "b", stateName: "p1", idleTimeoutMs: IDLE });
    await f.store.sessions.open({ deviceId: "c", stateName: "p1", idleTimeoutMs: IDLE });
    await f.store.sessions.close(b.id, "ended");
    // "c" is live but not asked about; "zz" is no device at all.
    assert.deepEqual([...(await f.store.sessions.liveAmong(["a", "b", "d", "zz"]))].sort(), ["a"]);
    // More ids than one query takes: every chunk is read.
    const many = [...Array.from({ length: 1200 }, (_, i) => `x${i}`), "c", "a"];
    assert.deepEqual([...(await f.store.sessions.liveAmong(many))].sort(), ["a", "c"]);
    f.clock.advance(IDLE);
    assert.deepEqual(await f.store.sessions.liveAmong(["a", "c"]), []);
  });

  it("lists sessions by device and status in creation order, page by page", async (f) => {
    await f.store.devices.create({ id: "a" });
    await f.store.devices.create({ id: "b" });
    const ids: string[] = [];
    for (const d of ["a", "b", "a", "b"]) {
      f.clock.advance(1);
      ids.push((await f.store.sessions.open({ deviceId: d, stateName: "p1", idleTimeoutMs: IDLE })).session.id);
    }
    const p1 = await f.store.sessions.list({ limit: 3 });
    const p2 = await f.store.sessions.list({ limit: 3, cursor: p1.nextCursor! });
    assert.deepEqual(
      [...p1.items, ...p2.items].map((s) => s.id),
      ids,
    );
    assert.equal(p2.nextCursor, null);
    const aOpen = await f.store.sessions.list({ deviceId: "a", status: "open" });
    assert.deepEqual(
      aOpen.items.map((s) => s.id),
      [ids[2]],
    );
    const superseded = await f.store.sessions.list({ status: "superseded" });
    assert.deepEqual(
      superseded.items.map((s) => s.id),
      [ids[0], ids[1]],
    );
  });

  it("lists sessions newest first in keyset pages, alone and by device or status", async (f) => {
    await f.store.devices.create({ id: "a" });
    await f.store.devices.create({ id: "b" });
    const ids: string[] = [];
    for (const d of ["a", "b", "a", "b", "a"]) {
      ids.push((await f.store.sessions.open({ deviceId: d, stateName: "p1", idleTimeoutMs: IDLE })).session.id);
      // Two sessions in the same millisecond are ordered by id: the cursor must keep both.
      if (ids.length % 2 === 0) f.clock.advance(1);
    }
    // The reference: creation order (createdAt, then id), reversed.
    const all = async (query: { deviceId?: string; status?: "superseded" }) => {
      const asc = (await f.store.sessions.list({ ...query, limit: 100 })).items.map((s) => s.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await f.store.sessions.list({ ...query, order: "desc", limit: 2, ...(cursor && { cursor }) });
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((s) => s.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      assert.deepEqual(seen, [...asc].reverse(), JSON.stringify(query));
      return seen;
    };
    assert.equal((await all({})).length, 5);
    assert.equal((await all({ deviceId: "a" })).length, 3);
    assert.deepEqual((await all({ status: "superseded" }))[0], ids[2], "the newest superseded first");
  });

  it("a second server node continues a session another began; stale writers lose", async (f) => {
    const { sessionId, ids } = await queueFixture(f.store, "dev", 2);
    await f.store.sessions.update(sessionId, { cookie: "shared-cookie", stateName: "awaitingP3" });
    await f.store.commands.takeBatch({ deviceId: "dev", sessionId, max: 2, packageNo: 2 });
    const node2 = await f.openSecondNode();
    const seen = await node2.sessions.findByCookie("shared-cookie");
    assert.equal(seen?.id, sessionId);
    assert.equal(seen.stateName, "awaitingP3");
    await node2.commands.recordResults(sessionId, [
      { commandId: ids[0]!, outcome: "done", statusCode: 200 },
      { commandId: ids[1]!, outcome: "failed", statusCode: 500 },
    ]);
    await node2.sessions.update(sessionId, { stateName: "ending" }, { expectedVersion: seen.version });
    await rejectsWith(
      f.store.sessions.update(sessionId, { stateName: "stale" }, { expectedVersion: seen.version }),
      ServerErrorCode.SESSION_CONFLICT,
    );
    assert.equal((await f.store.sessions.get(sessionId))?.stateName, "ending");
    assert.equal((await f.store.commands.get(ids[1]!))?.state, CommandState.Failed);
  });
}
