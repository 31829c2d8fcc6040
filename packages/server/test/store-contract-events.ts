// The event log's part of the store contract (events/event-types.ts `EventLog`): ids increase and are never
// reused, filters by kind and device, paging by id, bounded retention that never goes back on `lastId`,
// persistence across a reopen, and concurrent appends from two nodes that never leave a reader a gap.
import assert from "node:assert/strict";
import type { NewServerEvent } from "../src/events/event-types.js";
import { ServerErrorCode } from "../src/errors.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

function ev(kind: string, deviceId: string | null, n: number): NewServerEvent {
  return { kind, deviceId, sessionId: null, commandId: null, data: { n }, at: 1_000 + n };
}

export function eventContract(it: ContractTest): void {
  it("append gives increasing ids in order; after() reads them back filtered and paged", async ({ store }) => {
    assert.equal(await store.events.lastId(), 0);
    const first = await store.events.append([ev("command.state", "d1", 1), ev("alert.received", "d2", 2)]);
    const second = await store.events.append([ev("command.state", "d2", 3)]);
    const ids = [...first, ...second].map((e) => e.id);
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      ids,
    );
    assert.equal(new Set(ids).size, 3);
    assert.equal(await store.events.lastId(), ids[2]);
    const all = await store.events.after({ afterId: 0, limit: 10 });
    assert.deepEqual(
      all.map((e) => e.data),
      [{ n: 1 }, { n: 2 }, { n: 3 }],
    );
    assert.deepEqual(all[0], { ...ev("command.state", "d1", 1), id: ids[0] });
    const page = await store.events.after({ afterId: ids[0] ?? 0, limit: 1 });
    assert.deepEqual(
      page.map((e) => e.id),
      [ids[1]],
    );
    const kinds = await store.events.after({ afterId: 0, kinds: ["command.state"], limit: 10 });
    assert.deepEqual(
      kinds.map((e) => e.data),
      [{ n: 1 }, { n: 3 }],
    );
    const device = await store.events.after({ afterId: 0, deviceId: "d2", limit: 10 });
    assert.deepEqual(
      device.map((e) => e.data),
      [{ n: 2 }, { n: 3 }],
    );
  });

  it("refuses a malformed kind or query and changes nothing", async ({ store }) => {
    await rejectsWith(store.events.append([ev("NoDot", null, 1)]), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.events.after({ afterId: -1, limit: 10 }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.events.after({ afterId: 0, limit: 0 }), ServerErrorCode.INVALID_INPUT);
    assert.equal(await store.events.lastId(), 0);
  });

  it("prune keeps the newest events and never moves lastId back", async ({ store }) => {
    for (let n = 1; n <= 5; n++) await store.events.append([ev("command.state", null, n)]);
    const last = await store.events.lastId();
    assert.equal(await store.events.prune(2, 2), 2, "at most `limit` per call");
    assert.equal(await store.events.prune(2, 2), 1, "fewer than `limit`: nothing more to prune");
    assert.deepEqual(
      (await store.events.after({ afterId: 0, limit: 10 })).map((e) => e.data),
      [{ n: 4 }, { n: 5 }],
    );
    assert.equal(await store.events.prune(0, 10), 1, "the newest event stays");
    assert.equal(await store.events.lastId(), last);
    const next = await store.events.append([ev("command.state", null, 6)]);
    assert.ok((next[0]?.id ?? 0) > last, "ids are not reused after pruning");
  });

  it("events survive a reopen and numbering goes on after them", async (f) => {
    const [a] = await f.store.events.append([ev("session.started", "d1", 1)]);
    const reopened = await f.reopen();
    assert.equal(await reopened.events.lastId(), a?.id);
    const [b] = await reopened.events.append([ev("session.ended", "d1", 2)]);
    assert.ok((b?.id ?? 0) > (a?.id ?? 0));
  });

  it("two nodes appending at once: every event once, in id order", async (f) => {
    // SQLite: two handles on one file in one process wait for each other's lock synchronously (sqlite.ts).
    const other = f.harness.concurrentNodes ? await f.openSecondNode() : f.store;
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => f.store.events.append([ev("command.state", "a", i)])),
      ...Array.from({ length: 10 }, (_, i) => other.events.append([ev("command.state", "b", i)])),
    ]);
    const all = await f.store.events.after({ afterId: 0, limit: 100 });
    assert.equal(all.length, 20);
    assert.equal(new Set(all.map((e) => e.id)).size, 20);
  });

  it("a closed log refuses with STORE_CLOSED", async ({ store }) => {
    await store.close();
    await rejectsWith(store.events.lastId(), ServerErrorCode.STORE_CLOSED);
  });
}
