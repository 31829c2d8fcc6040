// Store contract: leases (types-lease.ts). A lease has one holder until it expires or is released; renewing
// extends it; two holders asking at once (two server nodes where the store allows it) get exactly one true.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

const TTL = 30_000;

export function leaseContract(it: ContractTest): void {
  it("one holder at a time; renewing extends the lease; other names are independent", async ({ store, clock }) => {
    assert.equal(await store.leases.acquire("sweep", "node-a", TTL), true);
    assert.equal(await store.leases.acquire("sweep", "node-b", TTL), false);
    assert.equal(await store.leases.acquire("retention", "node-b", TTL), true, "another name is free");
    clock.advance(TTL - 1);
    assert.equal(await store.leases.acquire("sweep", "node-a", TTL), true, "the holder renews");
    clock.advance(TTL - 1);
    assert.equal(await store.leases.acquire("sweep", "node-b", TTL), false, "renewed: not expired yet");
    assert.equal(await store.leases.acquire("retention", "node-a", TTL), true, "retention's lease expired");
  });

  it("an expired lease goes to whoever asks; the old holder then loses it", async ({ store, clock }) => {
    assert.equal(await store.leases.acquire("sweep", "node-a", TTL), true);
    clock.advance(TTL);
    assert.equal(await store.leases.acquire("sweep", "node-b", TTL), true, "expired at now + ttl");
    assert.equal(await store.leases.acquire("sweep", "node-a", TTL), false);
  });

  it("release frees the lease only for its holder", async ({ store }) => {
    assert.equal(await store.leases.acquire("sweep", "node-a", TTL), true);
    await store.leases.release("sweep", "node-b");
    await store.leases.release("nothing", "node-a");
    assert.equal(await store.leases.acquire("sweep", "node-b", TTL), false, "a stranger's release did nothing");
    await store.leases.release("sweep", "node-a");
    assert.equal(await store.leases.acquire("sweep", "node-b", TTL), true);
  });

  it("a lease outlives a restart", async (f) => {
    assert.equal(await f.store.leases.acquire("sweep", "node-a", TTL), true);
    const reopened = await f.reopen();
    assert.equal(await reopened.leases.acquire("sweep", "node-b", TTL), false);
    assert.equal(await reopened.leases.acquire("sweep", "node-a", TTL), true);
  });

  it("two holders racing for free and for expired leases: exactly one wins each", async (f) => {
    // SQLite: two handles on one file in one process wait for each other's lock synchronously (sqlite.ts).
    const other = f.harness.concurrentNodes ? await f.openSecondNode() : f.store;
    const names = Array.from({ length: 20 }, (_, i) => `job-${i}`);
    for (const round of [0, 1]) {
      const results = await Promise.all(
        names.flatMap((name) => [
          f.store.leases.acquire(name, `a${round}`, TTL).then((won) => ({ name, won })),
          other.leases.acquire(name, `b${round}`, TTL).then((won) => ({ name, won })),
        ]),
      );
      for (const name of names) {
        const winners = results.filter((r) => r.name === name && r.won).length;
        assert.equal(winners, 1, `round ${round}: ${name} has exactly one holder`);
      }
      f.clock.advance(TTL); // every lease expires: the next round races for expired rows
    }
  });

  it("bad input is INVALID_INPUT and changes nothing", async ({ store }) => {
    await rejectsWith(store.leases.acquire("", "node-a", TTL), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.leases.acquire("sweep", "", TTL), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.leases.acquire("sweep", "node-a", 0), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.leases.acquire("sweep", "node-a", 1.5), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(store.leases.release("sweep", "a\u0000b"), ServerErrorCode.INVALID_INPUT);
    assert.equal(await store.leases.acquire("sweep", "node-b", TTL), true, "nothing was taken");
  });

  it("leases are refused inside a transaction and after close", async ({ store }) => {
    await rejectsWith(
      store.transaction(() => store.leases.acquire("sweep", "node-a", TTL)),
      ServerErrorCode.TRANSACTION_MISUSE,
    );
    await store.close();
    await rejectsWith(store.leases.acquire("sweep", "node-a", TTL), ServerErrorCode.STORE_CLOSED);
  });
}
