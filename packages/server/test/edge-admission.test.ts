// Session admission across nodes (edge/admission.ts): a session this node admitted but that went on and ended on
// another node stops counting once the store has it closed, so finished sessions never fill `dm.maxOpenSessions`.
// The store is the real in-memory store (its `sessions.liveAmong`), the clock a manual one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createSessionAdmission, type SessionReconcile } from "../src/edge/admission.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { manualClock } from "./dm-support.js";

const IDLE = 600_000;
const AFTER = 2000;

async function fixture() {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  for (const d of ["a", "b", "c"]) await store.devices.create({ id: d });
  const checks: Promise<readonly string[]>[] = [];
  const errors: unknown[] = [];
  const reconcile: SessionReconcile = {
    stillOpen: (ids) => {
      const p = store.sessions.liveAmong(ids);
      checks.push(p);
      return p;
    },
    onError: (error) => errors.push(error),
    afterMs: AFTER,
  };
  const admission = createSessionAdmission(
    { now: () => clock.now(), random: () => 0 },
    { maxOpenSessions: 1, idleMs: IDLE, retryAfterSeconds: 1, reconcile },
  );
  // Lets the check's answer be applied (its `then` runs after the store's promise settles).
  const settled = async () => {
    await Promise.allSettled(checks);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { clock, store, admission, checks, errors, settled };
}

test("a session ended on another node stops counting here once checked, and only after afterMs", async () => {
  const f = await fixture();
  const { session } = await f.store.sessions.open({ deviceId: "a", stateName: "p1", idleTimeoutMs: IDLE });
  assert.equal(f.admission.admit("a"), true);
  f.admission.opened("a");
  // Its Package#3 went to another node, which ended it: this node never hears of it.
  await f.store.sessions.close(session.id, "ended");
  assert.equal(f.admission.admit("b"), false, "full: a is still counted here");
  assert.equal(f.checks.length, 0, "a session heard of just now is not checked");

  f.clock.advance(AFTER);
  assert.equal(f.admission.admit("b"), false, "the check runs in the background; this Package#1 is refused");
  assert.equal(f.checks.length, 1);
  await f.settled();
  assert.equal(f.admission.size(), 0);
  assert.equal(f.admission.admit("b"), true);
  assert.deepEqual(f.errors, []);
});

test("a session still open in the store stays counted; one heard of again during the check is kept", async () => {
  const f = await fixture();
  await f.store.sessions.open({ deviceId: "a", stateName: "p1", idleTimeoutMs: IDLE });
  f.admission.opened("a");
  f.clock.advance(AFTER);
  assert.equal(f.admission.admit("b"), false);
  await f.settled();
  assert.equal(f.admission.size(), 1, "a's session is open in the store (going on slowly, or on another node)");
  assert.equal(f.admission.admit("b"), false);

  // No second check within afterMs of the first.
  assert.equal(f.checks.length, 1);
  f.clock.advance(AFTER);
  const { session } = await f.store.sessions.open({ deviceId: "c", stateName: "p1", idleTimeoutMs: IDLE });
  await f.store.sessions.close(session.id, "ended");
  assert.equal(f.admission.admit("b"), false);
  assert.equal(f.checks.length, 2);
  // a's next package reaches this node while the check is out: it is counted from now on whatever the store said.
  f.admission.opened("a");
  await f.settled();
  assert.equal(f.admission.size(), 1);
});

test("a failed check is reported and changes nothing", async () => {
  const clock = manualClock();
  const errors: unknown[] = [];
  let failed: Promise<unknown> = Promise.resolve();
  const admission = createSessionAdmission(
    { now: () => clock.now(), random: () => 0 },
    {
      maxOpenSessions: 1,
      idleMs: IDLE,
      retryAfterSeconds: 1,
      reconcile: {
        stillOpen: () => {
          failed = Promise.reject(new Error("store down"));
          return failed as Promise<readonly string[]>;
        },
        onError: (error) => errors.push(error),
        afterMs: AFTER,
      },
    },
  );
  admission.opened("a");
  clock.advance(AFTER);
  assert.equal(admission.admit("b"), false);
  await failed.catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /store down/);
  assert.equal(admission.size(), 1);
});
