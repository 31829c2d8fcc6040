// Store contract: retention (docs/operations.md "Retention"): each kind of record is pruned once it finished
// before the cut-off, oldest first, at most `limit` per call; what has not finished is never pruned.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { CommandState } from "../src/store/types.js";
import { SessionStatus } from "../src/store/types-session.js";
import { UiSessionState } from "../src/store/types-content.js";
import { RetainedKind } from "../src/store/types-retention.js";
import { IDLE } from "./store-contract-commands.js";
import { bytes, rejectsWith, type ContractTest, type StoreFixture } from "./store-contract-support.js";

const DAY = 86_400_000;

/** One record of every kind, finished now (plus what must survive: an open session, a queued command …). */
async function oneOfEach(f: StoreFixture, deviceId: string) {
  const { store } = f;
  await store.devices.create({ id: deviceId });
  const done = (await store.commands.enqueue({ deviceId, name: "GET", params: ["urn:x"] })).command;
  const exec = (await store.commands.enqueue({ deviceId, name: "EXEC", params: ["urn:x/Run"] })).command;
  const queued = (await store.commands.enqueue({ deviceId, name: "GET", params: ["urn:later"] })).command;
  const { session } = await store.sessions.open({ deviceId, stateName: "p1", idleTimeoutMs: IDLE });
  await store.commands.takeBatch({ deviceId, sessionId: session.id, max: 2, packageNo: 2 });
  await store.commands.recordResults(session.id, [
    { commandId: done.id, outcome: "done", statusCode: 200 },
    { commandId: exec.id, outcome: "accepted", statusCode: 202 },
  ]);
  await store.sessions.close(session.id, SessionStatus.Ended);
  const open = (await store.sessions.open({ deviceId, stateName: "p1", idleTimeoutMs: 100 * DAY })).session;
  await store.alerts.record([{ deviceId, alertType: "urn:a" }]);
  await store.notifications.record({ deviceId, notificationId: 1, transport: "udp", outcome: "sent" });
  await store.repository.recordUpload({ deviceId, path: "p", method: "PUT", mediaType: "a/b", body: bytes("x") });
  const ui = await store.uiSessions.create({ deviceId, template: {} });
  await store.uiSessions.complete(ui.id, {});
  const pendingUi = await store.uiSessions.create({ deviceId, template: {} });
  await store.audit.record({ tokenId: null, tokenName: null, action: "POST /x", target: { deviceId }, status: 201 });
  const now = f.clock.now();
  const signIn = { tokenId: null, tokenHash: null, expiresAt: now + 2000, endsAt: now + 1000 };
  await store.consoleSignIns.create({ ...signIn, secretHash: `ended-${deviceId}` });
  return { done, exec, queued, open, pendingUi };
}

async function counts(f: StoreFixture) {
  const { store } = f;
  return {
    sessions: (await store.sessions.list()).items.length,
    commands: (await store.commands.list()).items.length,
    alerts: (await store.alerts.list()).items.length,
    notifications: (await store.notifications.list()).items.length,
    uploads: (await store.repository.listUploads()).items.length,
    uiSessions: (await store.uiSessions.list()).items.length,
    audit: (await store.audit.list()).items.length,
  };
}

export function retentionContract(it: ContractTest): void {
  it("prunes what finished before the cut-off, oldest first and in batches; keeps what is live", async (f) => {
    const old = await oneOfEach(f, "old");
    f.clock.advance(DAY);
    const cutoff = f.clock.now();
    f.clock.advance(1);
    await oneOfEach(f, "new");
    const before = await counts(f);
    assert.deepEqual(before, {
      sessions: 4,
      commands: 6,
      alerts: 2,
      notifications: 2,
      uploads: 2,
      uiSessions: 4,
      audit: 2,
    });
    for (const kind of Object.values(RetainedKind)) {
      assert.equal(await f.store.retention.prune(kind, cutoff, 1), 1, `${kind}: one old record, in a batch of 1`);
      assert.equal(await f.store.retention.prune(kind, cutoff, 1000), 0, `${kind}: nothing more is due`);
    }
    assert.deepEqual(await counts(f), {
      sessions: 3,
      commands: 5,
      alerts: 1,
      notifications: 1,
      uploads: 1,
      uiSessions: 3,
      audit: 1,
    });
    assert.equal(await f.store.commands.get(old.done.id), null, "the done command is gone");
    assert.equal((await f.store.commands.get(old.exec.id))?.state, CommandState.Accepted, "accepted is kept");
    assert.equal((await f.store.commands.get(old.queued.id))?.state, CommandState.Queued, "queued is kept");
    assert.equal((await f.store.sessions.get(old.open.id))?.status, SessionStatus.Open, "open is kept");
    assert.equal((await f.store.uiSessions.get(old.pendingUi.id))?.state, UiSessionState.Pending, "pending is kept");
    assert.ok((await f.store.retention.reclaimSpace(1000)) >= 0);
  });

  it("prunes many records over several batches and refuses bad arguments", async (f) => {
    await f.store.devices.create({ id: "dev" });
    for (let i = 0; i < 25; i++) await f.store.alerts.record([{ deviceId: "dev", alertType: `urn:a${i}` }]);
    f.clock.advance(1);
    const t = f.clock.now();
    const batches: number[] = [];
    for (;;) {
      const n = await f.store.retention.prune(RetainedKind.Alerts, t, 10);
      batches.push(n);
      if (n < 10) break;
    }
    assert.deepEqual(batches, [10, 10, 5]);
    await rejectsWith(f.store.retention.prune("devices" as never, t, 10), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(f.store.retention.prune(RetainedKind.Alerts, t, 0), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(f.store.retention.prune(RetainedKind.Alerts, -1, 10), ServerErrorCode.INVALID_INPUT);
  });
}
