// The pure parts of campaigns (docs/campaigns.md): wave sizes, time windows in a time zone (midnight spans, DST
// zones), the rate bucket and the wake pacer's room, back-off and recovery.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRateBucket } from "../src/campaigns/campaign-driver.js";
import { createFleetGauge } from "../src/campaigns/fleet-gauge.js";
import { createWakePacer } from "../src/campaigns/pacer.js";
import { insideWindows, inWindow, localTime } from "../src/campaigns/time-window.js";
import { waveOf, waveSizes } from "../src/campaigns/waves.js";

test("waves: counts and percentages of the target, cut to what is left, the rest in a last wave", () => {
  assert.deepEqual(waveSizes([4, "33%"], 24), [4, 8, 12]);
  assert.deepEqual(waveSizes(["1%", "10%"], 2000), [20, 200, 1780]);
  assert.deepEqual(waveSizes([10, 10], 15), [10, 5]);
  assert.deepEqual(waveSizes(["100%"], 7), [7]);
  assert.deepEqual(waveSizes([], 3), [3]);
  assert.deepEqual(waveSizes([5], 0), []);
  assert.deepEqual(waveSizes(["0.1%"], 10), [1, 9], "a percentage never makes an empty wave");
  assert.deepEqual(
    [0, 3, 4, 11, 12, 23].map((i) => waveOf([4, 8, 12], i)),
    [0, 0, 1, 1, 2, 2],
  );
});

test("time windows: days and hours in the zone, a span over midnight belongs to the day it starts", () => {
  // 2026-12-07 is a Monday. 22:30 UTC is 23:30 in Berlin (CET).
  const mondayLate = Date.UTC(2026, 11, 7, 22, 30);
  assert.deepEqual(localTime(mondayLate, "Europe/Berlin"), { day: 1, minute: 23 * 60 + 30 });
  const nights = { days: [1], start: "22:00", end: "04:00", timeZone: "Europe/Berlin" };
  assert.equal(inWindow(nights, mondayLate), true);
  assert.equal(inWindow(nights, Date.UTC(2026, 11, 8, 2, 0)), true, "03:00 Tuesday: Monday's night");
  assert.equal(inWindow(nights, Date.UTC(2026, 11, 8, 3, 30)), false, "04:30 Tuesday: over");
  assert.equal(inWindow(nights, Date.UTC(2026, 11, 8, 22, 30)), false, "Tuesday night is not listed");
  const office = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", timeZone: "America/New_York" };
  assert.equal(inWindow(office, Date.UTC(2026, 11, 7, 14, 0)), true, "09:00 EST");
  assert.equal(inWindow(office, Date.UTC(2026, 11, 7, 22, 0)), false, "17:00 EST: the end is outside");
  assert.equal(inWindow(office, Date.UTC(2026, 6, 6, 13, 0)), true, "09:00 EDT in July");
  assert.equal(insideWindows([], 0), true, "no windows: always");
  assert.equal(insideWindows([nights, office], Date.UTC(2026, 11, 7, 14, 0)), true);
  assert.equal(inWindow({ days: [0], start: "00:00", end: "00:00", timeZone: "UTC" }, Date.UTC(2026, 11, 6, 12)), true);
});

test("rate bucket: devices per minute accrue with time, capped; no rate means no limit", () => {
  const bucket = createRateBucket();
  assert.equal(bucket.available(null, 0), Number.POSITIVE_INFINITY);
  assert.equal(bucket.available(60, 0), 1);
  bucket.spend(1);
  assert.equal(bucket.available(60, 500), 0);
  assert.equal(bucket.available(60, 1000), 1, "one a second");
  assert.equal(bucket.available(60, 600_000), 2, "capped at two seconds' worth");
});

test("pacer: grants the room under the limit, halves its aim on a 503 and wins it back", () => {
  let now = 0;
  let open = 0;
  const pacer = createWakePacer({ now: () => now, openSessions: () => open }, { limit: 100, backoffMs: 5000 });
  assert.equal(pacer.grant(1000, 0), 80, "80 % of the limit");
  open = 50;
  assert.equal(pacer.grant(1000, 20), 10, "open sessions and devices still waking count");
  assert.equal(pacer.grant(5, 0), 5);
  pacer.shed();
  pacer.shed(); // a burst of refusals is one signal
  assert.equal(pacer.grant(1000, 0), 0, "quiet during the back-off");
  now = 5000;
  open = 0;
  const after = pacer.grant(1000, 0);
  assert.ok(after >= 40 && after < 50, `about half the aim after a 503 (${after})`);
  for (let i = 0; i < 50; i++) pacer.grant(0, 0);
  assert.equal(pacer.grant(1000, 0), 80, "back to the full aim");
});

test("fleet gauge: the store is counted at most once per interval, in the background; a failed count keeps the last", async () => {
  let now = 0;
  let queries = 0;
  let answer: Promise<number> = Promise.resolve(7);
  const gauge = createFleetGauge(
    {
      count: () => {
        queries++;
        return answer;
      },
      now: () => now,
    },
    { refreshMs: 1000 },
  );
  assert.equal(gauge.value(), 0, "nothing read yet");
  for (let i = 0; i < 100; i++) gauge.value();
  assert.equal(queries, 1, "one query, however many grants");
  await new Promise((r) => setImmediate(r));
  assert.equal(gauge.value(), 7);
  now = 999;
  gauge.value();
  assert.equal(queries, 1);
  now = 1000;
  answer = Promise.reject(new Error("store down"));
  answer.catch(() => undefined);
  gauge.value();
  assert.equal(queries, 2);
  await answer.catch(() => undefined);
  await new Promise((r) => setImmediate(r));
  assert.equal(gauge.value(), 7, "the last count stands");
});
