// Store contract: bulk import of devices (`DeviceStore.importBatch`).
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { DeviceState } from "../src/store/types.js";
import { MAX_IMPORT_BATCH, type DeviceImportRow } from "../src/store/types-import.js";
import { bytes, rejectsWith, type ContractTest } from "./store-contract-support.js";

const HA1 = "0123456789abcdef0123456789abcdef";

function row(n: number, extra: Partial<DeviceImportRow> = {}): DeviceImportRow {
  return {
    id: `IMEI:35900000${String(n).padStart(7, "0")}`,
    labels: { site: "lab", n: String(n) },
    notification: { type: 1, secret: bytes("secret"), authData: bytes(`auth-${n}`) },
    notifyAddress: { udp: { host: "127.0.0.1", port: 40000 + n } },
    ...extra,
  };
}

export function importContract(it: ContractTest): void {
  it("creates new devices, updates changed ones, and a re-import changes nothing", async (f) => {
    const rows = [row(1), row(2, { http: { type: "digest", username: "u2", realm: "omadm", ha1Md5: HA1 } }), row(3)];
    const first = await f.store.devices.importBatch(rows);
    assert.deepEqual(
      first,
      rows.map((r) => ({ id: r.id, outcome: "created" })),
    );
    const d2 = await f.store.devices.get(rows[1]!.id);
    assert.ok(d2);
    assert.equal(d2.state, DeviceState.Provisioned);
    assert.deepEqual(d2.labels, { site: "lab", n: "2" });
    assert.deepEqual(d2.http, rows[1]!.http);
    assert.deepEqual(d2.notifyAddress, rows[1]!.notifyAddress);
    assert.deepEqual([...(d2.notification?.authData ?? [])], [...bytes("auth-2")]);
    const createdAt = d2.createdAt;

    f.clock.advance(1000);
    const again = await f.store.devices.importBatch(rows);
    assert.deepEqual(
      again,
      rows.map((r) => ({ id: r.id, outcome: "unchanged" })),
    );
    assert.equal((await f.store.devices.get(rows[1]!.id))?.updatedAt, createdAt, "an unchanged row writes nothing");

    const changed = await f.store.devices.importBatch([{ id: rows[0]!.id, labels: { site: "field" } }, rows[2]!]);
    assert.deepEqual(
      changed.map((r) => ("outcome" in r ? r.outcome : r.error.code)),
      ["updated", "unchanged"],
    );
    const d1 = await f.store.devices.get(rows[0]!.id);
    assert.ok(d1);
    assert.deepEqual(d1.labels, { site: "field" }, "labels, when given, replace all labels");
    assert.deepEqual(d1.notifyAddress, rows[0]!.notifyAddress, "absent fields keep their values");
    assert.equal(d1.updatedAt, f.clock.now());
    const field = await f.store.devices.list({ labels: { site: "field" } });
    assert.deepEqual(
      field.items.map((d) => d.id),
      [rows[0]!.id],
    );
    const lab = await f.store.devices.list({ labels: { site: "lab" } });
    assert.deepEqual(
      lab.items.map((d) => d.id),
      [rows[1]!.id, rows[2]!.id],
    );
  });

  it("refuses a malformed row alone and applies the others", async (f) => {
    const bad = { id: "bad-psk", psk: { identity: "p", keyHex: "zz" } } as DeviceImportRow;
    const results = await f.store.devices.importBatch([row(1), bad, { id: "" }, row(2)]);
    assert.deepEqual(results[0], { id: row(1).id, outcome: "created" });
    assert.equal("error" in results[1]! && results[1].error.code, ServerErrorCode.INVALID_INPUT);
    assert.equal("error" in results[2]! && results[2].error.code, ServerErrorCode.INVALID_INPUT);
    assert.deepEqual(results[3], { id: row(2).id, outcome: "created" });
    assert.equal(await f.store.devices.get("bad-psk"), null);
  });

  it("refuses a credential another device uses, in the store or earlier in the batch", async (f) => {
    await f.store.devices.create({ id: "owner", psk: { identity: "shared", keyHex: "00" } });
    const results = await f.store.devices.importBatch([
      { id: "a", psk: { identity: "shared", keyHex: "01" } },
      { id: "b", certFingerprint: "ab".repeat(32) },
      { id: "c", certFingerprint: "ab".repeat(32) },
      { id: "owner", psk: { identity: "shared", keyHex: "02" } },
    ]);
    const codes = results.map((r) => ("outcome" in r ? r.outcome : r.error.code));
    assert.deepEqual(codes, [
      ServerErrorCode.CREDENTIAL_CONFLICT,
      "created",
      ServerErrorCode.CREDENTIAL_CONFLICT,
      "updated",
    ]);
    assert.equal(await f.store.devices.get("a"), null);
    assert.equal((await f.store.devices.get("owner"))?.psk?.keyHex, "02");
    // A credential one row frees can be taken by a later row of the same batch.
    const swap = await f.store.devices.importBatch([
      { id: "b", certFingerprint: null },
      { id: "c", certFingerprint: "ab".repeat(32) },
    ]);
    assert.deepEqual(
      swap.map((r) => ("outcome" in r ? r.outcome : r.error.code)),
      ["updated", "created"],
    );
    assert.equal((await f.store.devices.get("c"))?.certFingerprint, "ab".repeat(32));
  });

  it("applies a device named twice in one batch as two rows in order", async (f) => {
    const results = await f.store.devices.importBatch([
      { id: "twice", labels: { a: "1" } },
      { id: "other" },
      { id: "twice", labels: { a: "2" } },
    ]);
    assert.deepEqual(
      results.map((r) => ("outcome" in r ? r.outcome : "error")),
      ["created", "created", "updated"],
    );
    assert.deepEqual((await f.store.devices.get("twice"))?.labels, { a: "2" });
    const labelled = await f.store.devices.list({ labels: { a: "2" } });
    assert.deepEqual(
      labelled.items.map((d) => d.id),
      ["twice"],
    );
  });

  it("refuses a batch larger than MAX_IMPORT_BATCH as a whole", async (f) => {
    const rows = Array.from({ length: MAX_IMPORT_BATCH + 1 }, (_, i) => ({ id: `d${i}` }));
    await rejectsWith(f.store.devices.importBatch(rows), ServerErrorCode.INVALID_INPUT);
    assert.equal((await f.store.devices.list()).items.length, 0);
  });

  it("imports inside a store transaction, and a rollback undoes it", async (f) => {
    await assert.rejects(
      f.store.transaction(async (tx) => {
        await tx.devices.importBatch([row(1)]);
        assert.ok(await tx.devices.get(row(1).id));
        throw new Error("roll back");
      }),
      /roll back/,
    );
    assert.equal(await f.store.devices.get(row(1).id), null);
  });
}
