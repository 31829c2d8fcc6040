// Store contract: per-command capabilities (hash only), the audit log (keyset pages and filters) and a device's
// repository usage (what its quotas count).
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { bytes, rejectsWith, type ContractTest } from "./store-contract-support.js";

export function accessContract(it: ContractTest): void {
  it("issues capabilities by hash and finds them; they go with their device", async (f) => {
    await f.store.devices.create({ id: "d1" });
    const issued = await f.store.capabilities.issue({
      tokenHash: "hash-1",
      deviceId: "d1",
      commandId: "c1",
      sessionId: "s1",
      kind: "upload",
      target: "/repo/devices/d1/x",
    });
    assert.deepEqual(issued, {
      tokenHash: "hash-1",
      deviceId: "d1",
      commandId: "c1",
      sessionId: "s1",
      kind: "upload",
      target: "/repo/devices/d1/x",
      createdAt: f.clock.now(),
    });
    assert.deepEqual(await f.store.capabilities.find("hash-1"), issued);
    assert.equal(await f.store.capabilities.find("hash-2"), null);
    const again = { tokenHash: "hash-1", deviceId: "d1", commandId: "c2", kind: "read", target: "/t" } as const;
    await rejectsWith(f.store.capabilities.issue(again), ServerErrorCode.INVALID_INPUT);
    const orphan = { tokenHash: "hash-3", deviceId: "nope", commandId: "c", kind: "read", target: "/t" } as const;
    await rejectsWith(f.store.capabilities.issue(orphan), ServerErrorCode.DEVICE_NOT_FOUND);
    await rejectsWith(
      f.store.capabilities.issue({ ...again, tokenHash: "hash-4", kind: "other" as never }),
      ServerErrorCode.INVALID_INPUT,
    );
    await f.store.devices.delete("d1");
    assert.equal(await f.store.capabilities.find("hash-1"), null, "deleted with the device");
  });

  it("records audit entries and lists them newest first in keyset pages, filtered", async (f) => {
    const at: number[] = [];
    for (let i = 0; i < 5; i++) {
      at.push(f.clock.advance(1000));
      await f.store.audit.record({
        tokenId: i % 2 === 0 ? "t-even" : "t-odd",
        tokenName: i % 2 === 0 ? "even" : "odd",
        action: i < 3 ? "POST /api/v1/devices" : "DELETE /api/v1/devices/:id",
        target: { id: `dev-${i}` },
        status: i === 4 ? 404 : 201,
      });
    }
    const first = await f.store.audit.list({ limit: 2 });
    assert.deepEqual(
      first.items.map((r) => r.target.id),
      ["dev-4", "dev-3"],
    );
    const newest = first.items[0];
    assert.ok(newest !== undefined);
    assert.equal(newest.status, 404);
    assert.equal(newest.at, at[4]);
    assert.ok(first.nextCursor !== null);
    const second = await f.store.audit.list({ limit: 2, cursor: first.nextCursor });
    assert.deepEqual(
      second.items.map((r) => r.target.id),
      ["dev-2", "dev-1"],
    );
    const even = await f.store.audit.list({ tokenId: "t-even", order: "asc" });
    assert.deepEqual(
      even.items.map((r) => r.target.id),
      ["dev-0", "dev-2", "dev-4"],
    );
    const deletes = await f.store.audit.list({ action: "DELETE /api/v1/devices/:id" });
    assert.equal(deletes.items.length, 2);
    const window = await f.store.audit.list({ since: at[1], until: at[3] });
    assert.deepEqual(
      window.items.map((r) => r.target.id),
      ["dev-2", "dev-1"],
    );
    await rejectsWith(
      f.store.audit.record({ tokenId: null, tokenName: null, action: "POST /x", target: {}, status: 42 }),
      ServerErrorCode.INVALID_INPUT,
    );
  });

  it("counts a device's repository usage: its items and uploads, not shared items or other devices'", async (f) => {
    await f.store.devices.create({ id: "d1" });
    await f.store.devices.create({ id: "d2" });
    assert.deepEqual(await f.store.repository.usage("d1"), { bytes: 0, items: 0 });
    await f.store.repository.put({ path: "a", deviceId: "d1", mediaType: "a/b", body: bytes("12345") });
    await f.store.repository.put({ path: "s", deviceId: null, mediaType: "a/b", body: bytes("shared!") });
    await f.store.repository.put({ path: "a", deviceId: "d2", mediaType: "a/b", body: bytes("other") });
    await f.store.repository.recordUpload({
      deviceId: "d1",
      path: "u",
      method: "POST",
      mediaType: "a/b",
      body: bytes("xyz"),
    });
    assert.deepEqual(await f.store.repository.usage("d1"), { bytes: 8, items: 2 });
    assert.deepEqual(await f.store.repository.usage("d2"), { bytes: 5, items: 1 });
  });
}
