// The webhook part of the store contract (store/types-webhooks.ts): create, patch and delete refuse bad input
// and change nothing; the cursor moves only by a conditional `advance`, which records a dead letter with it;
// dead letters page by event id, count redelivery attempts and are deleted with their webhook; all of it
// survives a reopen; two nodes advancing from the same cursor: only one wins.
import assert from "node:assert/strict";
import type { ServerEvent } from "../src/events/event-types.js";
import { ServerErrorCode } from "../src/errors.js";
import type { NewWebhook } from "../src/store/types-webhooks.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

const SECRET = "whsec_0123456789abcdef";
const hook = (over: Partial<NewWebhook> = {}): NewWebhook => ({
  url: "https://hooks.example.com/omadm",
  kinds: [],
  enabled: true,
  secret: SECRET,
  cursor: 0,
  ...over,
});
const event = (id: number): ServerEvent => ({
  id,
  kind: "command.state",
  deviceId: "d1",
  sessionId: null,
  commandId: `c${id}`,
  data: { state: "done" },
  at: 1000 + id,
});

export function webhookContract(it: ContractTest): void {
  it("create, get, list, update and delete; the cursor is not patched", async ({ store, clock }) => {
    const a = await store.webhooks.create(hook({ kinds: ["command.state", "command.state"], cursor: 7 }));
    assert.deepEqual(a.kinds, ["command.state"]);
    assert.equal(a.cursor, 7);
    assert.equal(a.secret, SECRET);
    assert.deepEqual(await store.webhooks.get(a.id), a);
    clock.advance(1000);
    const b = await store.webhooks.create(hook({ url: "http://127.0.0.1:9/x", enabled: false }));
    assert.deepEqual(
      (await store.webhooks.list()).map((h) => h.id),
      [a.id, b.id],
    );
    clock.advance(1000);
    const patched = await store.webhooks.update(a.id, {
      enabled: false,
      kinds: ["alert.received"],
      secret: "x".repeat(20),
    });
    assert.equal(patched.enabled, false);
    assert.deepEqual(patched.kinds, ["alert.received"]);
    assert.equal(patched.secret, "x".repeat(20));
    assert.equal(patched.cursor, 7);
    assert.ok(patched.updatedAt > a.updatedAt);
    assert.deepEqual(await store.webhooks.get(a.id), patched);
    assert.equal(await store.webhooks.delete(a.id), true);
    assert.equal(await store.webhooks.delete(a.id), false);
    assert.equal(await store.webhooks.get(a.id), null);
    await rejectsWith(store.webhooks.update(a.id, { enabled: true }), ServerErrorCode.WEBHOOK_NOT_FOUND);
  });

  it("refuses a bad url, kind, secret or advance and changes nothing", async ({ store }) => {
    for (const url of ["ftp://x/y", "not a url", "https://user:pw@example.com/", "mailto:a@b"])
      await rejectsWith(store.webhooks.create(hook({ url })), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.webhooks.create(hook({ kinds: ["NoDot"] })), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.webhooks.create(hook({ secret: "short" })), ServerErrorCode.INVALID_INPUT);
    assert.deepEqual(await store.webhooks.list(), []);
    const h = await store.webhooks.create(hook());
    await rejectsWith(store.webhooks.update(h.id, { url: "file:///etc/passwd" }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.webhooks.advance(h.id, 3, 3), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(
      store.webhooks.advance(h.id, 0, 2, { event: event(5), attempts: 1, lastError: "x" }),
      ServerErrorCode.INVALID_INPUT,
    );
    assert.deepEqual(await store.webhooks.get(h.id), h);
  });

  it("advance moves the cursor only from where it is, with its dead letter", async ({ store }) => {
    const h = await store.webhooks.create(hook());
    assert.equal(await store.webhooks.advance(h.id, 0, 3), true);
    assert.equal(await store.webhooks.advance(h.id, 0, 4), false, "a stale cursor does not move it");
    assert.equal(
      await store.webhooks.advance(h.id, 0, 5, { event: event(5), attempts: 3, lastError: "HTTP 500" }),
      false,
    );
    assert.equal((await store.webhooks.listDeadLetters(h.id)).items.length, 0, "no dead letter without the move");
    assert.equal(
      await store.webhooks.advance(h.id, 3, 5, { event: event(5), attempts: 3, lastError: "HTTP 500" }),
      true,
    );
    assert.equal((await store.webhooks.get(h.id))?.cursor, 5);
    const letter = await store.webhooks.getDeadLetter(h.id, 5);
    assert.ok(letter !== null);
    assert.equal(letter.attempts, 3);
    assert.equal(letter.lastError, "HTTP 500");
    assert.deepEqual(letter.event, event(5));
    assert.equal(await store.webhooks.advance("no-such-hook", 0, 1), false);
  });

  it("dead letters page by event id, count attempts and go with their webhook", async ({ store }) => {
    const h = await store.webhooks.create(hook());
    let cursor = 0;
    for (const id of [2, 4, 6]) {
      assert.ok(await store.webhooks.advance(h.id, cursor, id, { event: event(id), attempts: 2, lastError: "e" }));
      cursor = id;
    }
    const first = await store.webhooks.listDeadLetters(h.id, { limit: 2 });
    assert.deepEqual(
      first.items.map((l) => l.eventId),
      [2, 4],
    );
    assert.notEqual(first.nextCursor, null);
    const second = await store.webhooks.listDeadLetters(h.id, { limit: 2, cursor: first.nextCursor ?? "" });
    assert.deepEqual(
      second.items.map((l) => l.eventId),
      [6],
    );
    assert.equal(second.nextCursor, null);
    await rejectsWith(store.webhooks.listDeadLetters(h.id, { cursor: "nonsense" }), ServerErrorCode.BAD_CURSOR);
    await rejectsWith(store.webhooks.listDeadLetters("nope"), ServerErrorCode.WEBHOOK_NOT_FOUND);
    const again = await store.webhooks.recordDeadLetterAttempt(h.id, 4, "HTTP 503");
    assert.equal(again.attempts, 3);
    assert.equal(again.lastError, "HTTP 503");
    await rejectsWith(
      store.webhooks.recordDeadLetterAttempt(h.id, 5, "x"),
      ServerErrorCode.WEBHOOK_DEAD_LETTER_NOT_FOUND,
    );
    assert.equal(await store.webhooks.deleteDeadLetter(h.id, 4), true);
    assert.equal(await store.webhooks.deleteDeadLetter(h.id, 4), false);
    assert.equal(await store.webhooks.getDeadLetter(h.id, 4), null);
    await store.webhooks.delete(h.id);
    assert.equal(await store.webhooks.getDeadLetter(h.id, 2), null);
  });

  it("webhooks, cursors and dead letters survive a reopen", async (f) => {
    const h = await f.store.webhooks.create(hook());
    await f.store.webhooks.advance(h.id, 0, 9, { event: event(9), attempts: 1, lastError: "timeout" });
    const reopened = await f.reopen();
    assert.deepEqual(await reopened.webhooks.get(h.id), { ...h, cursor: 9 });
    assert.equal((await reopened.webhooks.getDeadLetter(h.id, 9))?.lastError, "timeout");
  });

  it("two nodes advancing from one cursor: exactly one wins", async (f) => {
    const other = f.harness.concurrentNodes ? await f.openSecondNode() : f.store;
    const h = await f.store.webhooks.create(hook());
    const results = await Promise.all([
      f.store.webhooks.advance(h.id, 0, 1),
      other.webhooks.advance(h.id, 0, 2, { event: event(2), attempts: 1, lastError: "x" }),
    ]);
    assert.equal(results.filter(Boolean).length, 1);
    const cursor = (await f.store.webhooks.get(h.id))?.cursor;
    assert.equal(cursor, results[0] ? 1 : 2);
    assert.equal((await f.store.webhooks.getDeadLetter(h.id, 2)) !== null, results[1]);
  });
}
