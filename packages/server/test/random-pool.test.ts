// The pooled CSPRNG (random-pool.ts): each call gets bytes of its own — of the size asked, never handed out
// twice across pool refills, not changed by later calls — and a request larger than the pool is served too.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pooledRandomBytes } from "../src/random-pool.js";

test("pooled random bytes: sizes as asked, no bytes handed out twice across refills, copies not views", () => {
  const random = pooledRandomBytes(64);
  const seen = new Set<string>();
  const first = random(18);
  const kept = Buffer.from(first).toString("hex");
  for (let i = 0; i < 100; i++) {
    const bytes = random(18);
    assert.equal(bytes.length, 18);
    const hex = Buffer.from(bytes).toString("hex");
    assert.ok(!seen.has(hex), "a token repeated");
    seen.add(hex);
  }
  assert.equal(Buffer.from(first).toString("hex"), kept, "later calls changed bytes already handed out");
  assert.equal(random(200).length, 200);
});
