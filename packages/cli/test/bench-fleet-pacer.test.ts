// The wake pacer of `bench:fleet` (bench/fleet-pacer.ts) on a hand-written clock that moves 10 ms each time the
// pacer reads it: a device whose session is refused with 503 (admission control) is woken again after the back-off,
// without spending one of its wakes, and completes; nothing is woken during the back-off; a device refused over
// and over fails the run with its name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPacer, type Pacer } from "../bench/fleet-pacer.js";

const BACKOFF_MS = 1000;

function handClock() {
  let t = 0;
  return {
    now: () => (t += 10),
    peek: () => t,
  };
}

function pacerFor(ids: string[], answer: (id: string, nth: number) => "completed" | "refused", maxRefusals = 5) {
  const clock = handClock();
  const log: { id: string; at: number }[] = [];
  const counts = new Map<string, number>();
  const refusedAt: number[] = [];
  const pacer: Pacer = createPacer({
    deviceIds: ids,
    wake: (id) => {
      const nth = (counts.get(id) ?? 0) + 1;
      counts.set(id, nth);
      log.push({ id, at: clock.peek() });
      // The device's answer comes after the wake, as the simulator's progress message does.
      queueMicrotask(() => {
        if (answer(id, nth) === "completed") pacer.completed(id);
        else {
          refusedAt.push(clock.peek());
          pacer.refused(id);
        }
      });
      return Promise.resolve();
    },
    budgetSeconds: 2,
    minWindow: 2,
    maxWindow: 2,
    retryAfterMs: 30_000,
    // One wake each: a refusal counted as a spent wake would fail the run.
    maxWakes: 1,
    backoffMs: BACKOFF_MS,
    maxRefusals,
    deadlineMs: 1e9,
    now: clock.now,
    tickMs: 1,
    random: () => 0,
  });
  return { pacer, log, refusedAt };
}

test("bench pacer: a device refused with 503 is woken again after the back-off, not as a spent wake, and completes", async () => {
  const { pacer, log, refusedAt } = pacerFor(["A", "B", "C", "D"], (id, nth) =>
    id === "B" && nth === 1 ? "refused" : "completed",
  );
  const result = await pacer.run();
  assert.deepEqual(result, { wakes: 5, failedWakes: 0, refused: 1, maxWindow: 2 });
  assert.deepEqual(
    log.map((w) => w.id),
    ["A", "B", "B", "C", "D"],
    "the refused device goes first once its back-off is over",
  );
  const [refused] = refusedAt;
  assert.ok(refused !== undefined);
  // Nothing at all is woken during the back-off after a 503 (the window halved, the server given time).
  for (const w of log.slice(2))
    assert.ok(w.at >= refused + BACKOFF_MS, `${w.id} woken at ${w.at}, refused at ${refused}`);
});

test("bench pacer: a device refused with 503 more than maxRefusals times fails the run, named", async () => {
  const { pacer, log } = pacerFor(["A", "B"], (id) => (id === "B" ? "refused" : "completed"), 3);
  await assert.rejects(pacer.run(), /device B was refused with 503 4 times/);
  assert.equal(log.filter((w) => w.id === "B").length, 4);
});
