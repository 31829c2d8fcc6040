// Store contract: firmware image metadata (docs/firmware.md): created once per id, checked before anything is
// written, listed by id in keyset pages, deleted, kept across a restart, and rolled back with a transaction.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import type { NewFirmwareImage } from "../src/store/types-firmware.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

const C = ServerErrorCode;
const SHA = "ab".repeat(32);

const image = (id: string, extra: Partial<NewFirmwareImage> = {}): NewFirmwareImage => ({
  id,
  name: "hgw-firmware",
  version: "2.0.1",
  sha256: SHA,
  size: 5_000_000_000,
  ...extra,
});

export function firmwareContract(it: ContractTest): void {
  it("firmware: create, get, list in id order by pages, delete", async (f) => {
    const created = await f.store.firmware.create(image("fw-b", { model: "HGW-1", manufacturer: "acme" }));
    assert.deepEqual(created, {
      id: "fw-b",
      name: "hgw-firmware",
      version: "2.0.1",
      manufacturer: "acme",
      model: "HGW-1",
      sha256: SHA,
      size: 5_000_000_000,
      createdAt: f.clock.now(),
    });
    assert.deepEqual(await f.store.firmware.get("fw-b"), created);
    await f.store.firmware.create(image("fw-a"));
    await f.store.firmware.create(image("fw-c"));
    const first = await f.store.firmware.list({ limit: 2 });
    assert.deepEqual(
      first.items.map((i) => i.id),
      ["fw-a", "fw-b"],
    );
    assert.equal(first.items[0]?.model, null);
    assert.ok(first.nextCursor !== null);
    const second = await f.store.firmware.list({ limit: 2, cursor: first.nextCursor });
    assert.deepEqual(
      second.items.map((i) => i.id),
      ["fw-c"],
    );
    assert.equal(second.nextCursor, null);
    assert.equal(await f.store.firmware.delete("fw-b"), true);
    assert.equal(await f.store.firmware.delete("fw-b"), false);
    assert.equal(await f.store.firmware.get("fw-b"), null);
  });

  it("firmware: a taken id and bad metadata are refused and change nothing", async (f) => {
    await f.store.firmware.create(image("fw-1"));
    await rejectsWith(f.store.firmware.create(image("fw-1", { version: "3" })), C.FIRMWARE_EXISTS);
    assert.equal((await f.store.firmware.get("fw-1"))?.version, "2.0.1");
    await rejectsWith(f.store.firmware.create(image("fw-2", { sha256: "AB".repeat(32) })), C.INVALID_INPUT);
    await rejectsWith(f.store.firmware.create(image("fw-2", { size: -1 })), C.INVALID_INPUT);
    await rejectsWith(f.store.firmware.create(image("fw-2", { name: "" })), C.INVALID_INPUT);
    await rejectsWith(f.store.firmware.create(image("fw-2", { version: "x".repeat(257) })), C.INVALID_INPUT);
    await rejectsWith(f.store.firmware.create(image("Bad Id")), C.INVALID_INPUT);
    assert.deepEqual(
      (await f.store.firmware.list()).items.map((i) => i.id),
      ["fw-1"],
    );
  });

  it("firmware: kept across a restart; undone with a failed transaction", async (f) => {
    await f.store.firmware.create(image("fw-1"));
    await assert.rejects(
      f.store.transaction(async (tx) => {
        await tx.firmware.create(image("fw-2"));
        throw new Error("roll back");
      }),
      /roll back/,
    );
    const store = await f.reopen();
    assert.deepEqual(
      (await store.firmware.list()).items.map((i) => i.id),
      ["fw-1"],
    );
  });
}
