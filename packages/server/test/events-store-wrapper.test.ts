// The event-publishing store wrapper (events/store-events.ts) passes every argument through: the sweeper's
// bounded batch (`expireIdle({ limit })`) stays bounded, and a close's final changes reach the store.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withEvents } from "../src/events/store-events.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { SessionStatus } from "../src/store/types-session.js";
import { TestClock } from "./store-contract-support.js";

test("events wrapper: expireIdle keeps its limit, close keeps its final changes; both publish", async () => {
  const clock = new TestClock();
  const published: string[] = [];
  const store = withEvents(createMemoryStore({ clock }), (e) => published.push(e.kind), clock);
  for (const id of ["a", "b", "c"]) {
    await store.devices.create({ id });
    await store.sessions.open({ deviceId: id, stateName: "p1", idleTimeoutMs: 10 });
  }
  clock.advance(10);
  assert.equal((await store.sessions.expireIdle({ limit: 2 })).length, 2);
  assert.equal((await store.sessions.expireIdle({ limit: 2 })).length, 1);

  await store.devices.create({ id: "d" });
  const { session } = await store.sessions.open({ deviceId: "d", stateName: "p1", idleTimeoutMs: 1000 });
  const final = { stateName: "Ended", packageNo: 4 };
  const closed = await store.sessions.close(session.id, SessionStatus.Ended, { final, expectedVersion: 1 });
  assert.equal(closed.session.stateName, "Ended");
  assert.equal(closed.session.status, SessionStatus.Ended);
  assert.ok(published.length >= 8, `published ${published.join()}`);
});
