// Time-boxed fuzz of the Package#0 decoder and verifier (docs/protocol.md §2): random and mutated bytes must
// always give a Result — a value or a typed P0 error naming a byte offset — and never throw.
// The run is bounded by a deadline (about 2 s) and an iteration cap; OMADM_FUZZ_SEED replays a run.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ProtocolError } from "../src/errors.js";
import type { OptionProfile } from "../src/notification/constants.js";
import { decodeNotification } from "../src/notification/decode.js";
import { encodeNotification } from "../src/notification/encode.js";
import { signNotification, verifyNotification } from "../src/notification/digest.js";
import { notificationArb } from "./notification-arbitraries.js";
import { fuzzSeed, prng, runTimeBoxed } from "../../../test-support/fuzz.js";

const BUDGET_MS = 2000;
const MAX_ITERATIONS = 1_000_000;
const PROFILES: readonly OptionProfile[] = ["A", "B"];
const credentials = { secret: Buffer.from("fuzz-secret"), authData: Buffer.from("fuzz-data") };

function mutate(corpus: readonly Uint8Array[], rand: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = (): Uint8Array => corpus[int(corpus.length)] ?? new Uint8Array(0);
  const src = pick();
  const at = int(src.length + 1);
  switch (int(9)) {
    case 0: {
      // Random bytes, usually with a valid VER so the option parser is reached.
      const out = Uint8Array.from({ length: int(48) }, () => int(256));
      if (out.length > 0 && rand() < 0.8) out[0] = 0x20 | int(16);
      return out;
    }
    case 1: {
      const out = Uint8Array.from(src);
      if (at < out.length) out[at] = (out[at] ?? 0) ^ (1 << int(8));
      return out;
    }
    case 2: {
      const out = Uint8Array.from(src);
      if (at < out.length) out[at] = int(256);
      return out;
    }
    case 3:
      return Uint8Array.from([...src.subarray(0, at), int(256), ...src.subarray(at)]);
    case 4:
      return Uint8Array.from([...src.subarray(0, at), ...src.subarray(at + 1 + int(4))]);
    case 5:
      return src.slice(0, at);
    case 6: {
      // Rewrite OC (5 bits over both header bytes).
      const out = Uint8Array.from(src);
      const oc = int(32);
      if (out.length >= 2) {
        out[0] = ((out[0] ?? 0) & 0xf0) | (oc >> 1);
        out[1] = ((out[1] ?? 0) & 0x7f) | ((oc & 1) << 7);
      }
      return out;
    }
    case 7:
      return Uint8Array.from([...src, ...pick().subarray(int(4))]);
    default: {
      // Several byte changes at once.
      const out = Uint8Array.from(src);
      for (let k = int(4) + 1; k > 0 && out.length > 0; k--) out[int(out.length)] = int(256);
      return out;
    }
  }
}

function checkOne(bytes: Uint8Array, counts: { ok: number; error: number }): void {
  for (const profile of PROFILES) {
    for (const r of [decodeNotification(bytes, { profile }), verifyNotification(bytes, credentials, { profile })]) {
      if (r.ok) {
        counts.ok++;
        continue;
      }
      counts.error++;
      assert.ok(r.error instanceof ProtocolError);
      assert.match(r.error.code, /^OMADM_P0_/);
      const offset = Number(/^@(\d+)$/.exec(r.error.path ?? "")?.[1] ?? Number.NaN);
      assert.ok(offset >= 0 && offset <= bytes.length, `path ${String(r.error.path)} for ${bytes.length} bytes`);
    }
    // Whatever decodes must re-encode to something that decodes to the same value.
    const decoded = decodeNotification(bytes, { profile });
    if (decoded.ok)
      assert.deepEqual(decodeNotification(encodeNotification(decoded.value, { profile }), { profile }), decoded);
  }
}

test(`fuzz: decodeNotification / verifyNotification never throw (about ${BUDGET_MS} ms)`, (t) => {
  const seed = fuzzSeed();
  t.diagnostic(`seed ${seed} (replay with OMADM_FUZZ_SEED=${seed})`);
  const corpus: Uint8Array[] = [];
  for (const profile of PROFILES) {
    for (const n of fc.sample(notificationArb(profile), { numRuns: 40, seed })) {
      corpus.push(encodeNotification(n, { profile }), signNotification(n, credentials, { profile }));
    }
  }
  const rand = prng(seed);
  const counts = { ok: 0, error: 0 };
  for (const bytes of corpus) checkOne(bytes, counts);
  const iterations = runTimeBoxed({
    budgetMs: BUDGET_MS,
    maxIterations: MAX_ITERATIONS,
    next: () => mutate(corpus, rand),
    check: (bytes) => {
      checkOne(bytes, counts);
    },
    fail: (bytes, _iteration, e) =>
      assert.fail(`seed ${seed}, input ${Buffer.from(bytes).toString("hex")}: ${String(e)}`),
  });
  t.diagnostic(`${iterations} mutated inputs, ${counts.ok} values, ${counts.error} typed errors`);
  // The unmutated corpus decodes and verifies; the mutations produce errors.
  assert.ok(counts.ok > 0 && counts.error > 0);
});
