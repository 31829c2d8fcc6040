// NOTIFICATION-IDs a block at a time (notifier/notification-ids.ts), against a hand-written `take` that stands for
// the store's counter: concurrent wakes share one block read, a used-up block takes the next, ids wrap after
// 65535 within a block, and a failed take fails its callers without losing the next attempt.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createNotificationIds } from "../src/notifier/notification-ids.js";

function counter(start = 0) {
  let value = start;
  const takes: number[] = [];
  return {
    takes,
    take: (count: number) => {
      takes.push(count);
      const first = (value + 1) % 0x10000;
      value = (value + count) % 0x10000;
      return Promise.resolve(first);
    },
  };
}

test("concurrent callers share one block; the next block is taken when this one is used up", async () => {
  const c = counter();
  const next = createNotificationIds(c.take, 4);
  const ids = await Promise.all(Array.from({ length: 6 }, () => next()));
  assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(c.takes, [4, 4], "two store writes for six ids");
  assert.equal(new Set(ids).size, ids.length, "no id twice");
});

test("ids wrap after 65535 inside a block", async () => {
  const c = counter(65533);
  const next = createNotificationIds(c.take, 4);
  assert.deepEqual([await next(), await next(), await next(), await next(), await next()], [65534, 65535, 0, 1, 2]);
});

test("a failed take rejects its callers; the next call takes again", async () => {
  const c = counter();
  let fail = true;
  const next = createNotificationIds((count) => (fail ? Promise.reject(new Error("store closed")) : c.take(count)), 8);
  await Promise.all([assert.rejects(next(), /store closed/), assert.rejects(next(), /store closed/)]);
  fail = false;
  assert.equal(await next(), 1);
  assert.deepEqual(c.takes, [8]);
});
