// Store contract: web console sign-ins (docs/console.md "Signing in"; src/store/types-console.ts): kept by the hash
// of the cookie's secret, found until their idle or absolute end, touched forward only and never past the
// absolute end, ended by sign-out or by their token, known to a second node and after a restart.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { RetainedKind } from "../src/store/types-retention.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

const MINUTE = 60_000;

export function consoleSignInContract(it: ContractTest): void {
  it("creates a sign-in, finds it until its idle end, touches it forward but never past its absolute end", async (f) => {
    const t0 = f.clock.now();
    const created = await f.store.consoleSignIns.create({
      secretHash: "h1",
      tokenId: "tok-1",
      tokenHash: "th-1",
      expiresAt: t0 + 10 * MINUTE,
      endsAt: t0 + 2 * MINUTE,
    });
    assert.deepEqual(created, {
      secretHash: "h1",
      tokenId: "tok-1",
      tokenHash: "th-1",
      createdAt: t0,
      lastSeenAt: t0,
      expiresAt: t0 + 10 * MINUTE,
      endsAt: t0 + 2 * MINUTE,
    });
    assert.deepEqual(await f.store.consoleSignIns.find("h1"), created);
    assert.equal(await f.store.consoleSignIns.find("h2"), null);

    const t1 = f.clock.advance(MINUTE);
    const touched = await f.store.consoleSignIns.touch("h1", t1 + 2 * MINUTE);
    assert.deepEqual(touched, { ...created, lastSeenAt: t1, endsAt: t1 + 2 * MINUTE });
    const back = await f.store.consoleSignIns.touch("h1", t1);
    assert.equal(back?.endsAt, t1 + 2 * MINUTE, "an end never moves back");
    const far = await f.store.consoleSignIns.touch("h1", t1 + 60 * MINUTE);
    assert.equal(far?.endsAt, t0 + 10 * MINUTE, "never past the absolute end");

    f.clock.advance(9 * MINUTE);
    assert.equal(await f.store.consoleSignIns.find("h1"), null, "ended at its absolute end");
    assert.equal(await f.store.consoleSignIns.touch("h1", f.clock.now() + MINUTE), null, "an ended one stays ended");
  });

  it("an idle sign-in ends at its idle end; a second node and a restart know a live one", async (f) => {
    const t0 = f.clock.now();
    const base = { tokenId: null, tokenHash: null, expiresAt: t0 + 10 * MINUTE, endsAt: t0 + MINUTE };
    await f.store.consoleSignIns.create({ ...base, secretHash: "idle" });
    await f.store.consoleSignIns.create({ ...base, secretHash: "busy" });
    const other = await f.openSecondNode();
    assert.equal((await other.consoleSignIns.find("busy"))?.tokenId, null, "the second node finds it");
    f.clock.advance(MINUTE - 1);
    await other.consoleSignIns.touch("busy", f.clock.now() + MINUTE);
    f.clock.advance(1);
    assert.equal(await f.store.consoleSignIns.find("idle"), null, "idle for its whole idle time");
    const restarted = await f.reopen();
    assert.equal((await restarted.consoleSignIns.find("busy"))?.endsAt, t0 + 2 * MINUTE - 1, "kept over a restart");
  });

  it("ends by sign-out and by its token; refuses a duplicate hash and ends not in the future", async (f) => {
    const t0 = f.clock.now();
    const input = { tokenId: "tok-a", tokenHash: "th-a", expiresAt: t0 + MINUTE, endsAt: t0 + MINUTE };
    await f.store.consoleSignIns.create({ ...input, secretHash: "a1" });
    await f.store.consoleSignIns.create({ ...input, secretHash: "a2" });
    await f.store.consoleSignIns.create({ ...input, secretHash: "b1", tokenId: "tok-b", tokenHash: "th-b" });
    await rejectsWith(f.store.consoleSignIns.create({ ...input, secretHash: "a1" }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(
      f.store.consoleSignIns.create({ ...input, secretHash: "x", endsAt: t0 }),
      ServerErrorCode.INVALID_INPUT,
    );
    await rejectsWith(
      f.store.consoleSignIns.create({ ...input, secretHash: "x", endsAt: t0 + 2 * MINUTE }),
      ServerErrorCode.INVALID_INPUT,
    );
    await rejectsWith(
      f.store.consoleSignIns.create({ ...input, secretHash: "x", tokenHash: null }),
      ServerErrorCode.INVALID_INPUT,
    );

    assert.equal(await f.store.consoleSignIns.end("a1"), true);
    assert.equal(await f.store.consoleSignIns.end("a1"), false, "ending twice finds nothing");
    assert.equal(await f.store.consoleSignIns.find("a1"), null);
    assert.equal(
      await f.store.transaction((tx) => tx.consoleSignIns.endForToken("tok-a")),
      1,
      "the token's other sign-in, in a transaction",
    );
    assert.equal(await f.store.consoleSignIns.find("a2"), null);
    assert.equal((await f.store.consoleSignIns.find("b1"))?.tokenId, "tok-b", "another token's stays");
  });

  it("retention deletes ended sign-ins in bounded batches, the earliest ended first, and keeps live ones", async (f) => {
    const t0 = f.clock.now();
    for (let i = 0; i < 5; i++) {
      const endsAt = t0 + (i + 1) * 1000;
      await f.store.consoleSignIns.create({
        secretHash: `s${i}`,
        tokenId: null,
        tokenHash: null,
        expiresAt: endsAt,
        endsAt,
      });
    }
    f.clock.advance(3500);
    const now = f.clock.now();
    assert.equal(await f.store.retention.prune(RetainedKind.ConsoleSignIns, now, 2), 2, "a batch of at most 2");
    assert.equal(await f.store.retention.prune(RetainedKind.ConsoleSignIns, now, 2), 1, "the third ended one");
    assert.equal(await f.store.retention.prune(RetainedKind.ConsoleSignIns, now, 2), 0, "nothing more has ended");
    assert.equal((await f.store.consoleSignIns.find("s3"))?.secretHash, "s3", "a live one stays");
    f.clock.advance(10_000);
    // Still there to be pruned: find says ended, retention still sees two rows.
    assert.equal(await f.store.retention.prune(RetainedKind.ConsoleSignIns, f.clock.now(), 10), 2);
  });
}
