// Record ids (record-ids.ts): RFC 9562 UUIDv7 — the time in their first 48 bits, version 7, variant 0b10, the rest
// random — so ids made later sort later (across milliseconds), and no two are alike.
import assert from "node:assert/strict";
import { test } from "node:test";
import { uuidV7Source } from "../src/store/record-ids.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("record ids: UUIDv7 with the time first, ordered across milliseconds, all different", () => {
  let now = Date.UTC(2026, 11, 7, 3, 0, 0, 123);
  const next = uuidV7Source(() => now);
  const id = next();
  assert.match(id, UUID_V7);
  assert.equal(parseInt(id.replace(/-/g, "").slice(0, 12), 16), now);
  const ids = new Set<string>([id]);
  const ordered: string[] = [];
  for (let i = 0; i < 5000; i++) {
    if (i % 50 === 0) now += 1;
    const v = next();
    assert.match(v, UUID_V7);
    ids.add(v);
    if (i % 50 === 0) ordered.push(v);
  }
  assert.equal(ids.size, 5001);
  assert.deepEqual([...ordered].sort(), ordered);
  // The random digits vary: every hex digit shows up in the last group over a few ids.
  const digits = new Set([...ids].slice(0, 64).flatMap((v) => v.slice(24).split("")));
  assert.equal(digits.size, 16);
});
