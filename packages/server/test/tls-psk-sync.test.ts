// withPskKeySync: the store wrapper that keeps the PSK key cache current (docs/protocol.md §11.2 PSK-TLS). Device
// creations, changes and deletions reach the real cache once committed; inside a transaction only after the
// commit, and a rolled-back change never. Over a real SQLite store in a temp dir.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createPskKeyCache } from "../src/tls/psk-keys.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import { withPskKeySync } from "../src/tls/psk-key-sync.js";
import { manualClock, tempDir } from "./dm-support.js";

const dir = tempDir("omadm-psk-sync-");
const raw = await openSqliteStore({ clock: manualClock() }, { dataDir: dir.path });
const cache = createPskKeyCache({ store: raw });
const store = withPskKeySync(raw, cache);
after(async () => {
  await store.close();
  dir.remove();
});

const psk = (identity: string, keyHex: string) => ({ identity, keyHex });

test("create, update and delete through the wrapper update the cache; other parts pass through", async () => {
  assert.equal(store.kind, raw.kind);
  assert.equal(store.commands, raw.commands);
  await store.devices.create({ id: "d1", psk: psk("id-1", "11".repeat(16)) });
  assert.equal(cache.lookup("id-1")?.deviceId, "d1");
  await store.devices.update("d1", { psk: psk("id-1b", "22".repeat(16)) });
  assert.equal(cache.lookup("id-1"), undefined, "the old identity is gone");
  assert.equal(cache.lookup("id-1b")?.key.toString("hex"), "22".repeat(16));
  await store.devices.update("d1", { labels: { site: "lab" } });
  assert.equal(cache.lookup("id-1b")?.deviceId, "d1", "a change of something else keeps the key");
  assert.equal(await store.devices.delete("d1"), true);
  assert.equal(cache.lookup("id-1b"), undefined);
  assert.equal(await store.devices.delete("d1"), false);
  assert.equal(cache.size, 0);
});

test("inside a transaction: applied after the commit, never after a rollback", async () => {
  let seenInside: string | undefined = "not checked";
  await store.transaction(async (tx) => {
    await tx.devices.create({ id: "d2", psk: psk("id-2", "33".repeat(16)) });
    seenInside = cache.lookup("id-2")?.deviceId;
  });
  assert.equal(seenInside, undefined, "not before the commit");
  assert.equal(cache.lookup("id-2")?.deviceId, "d2");

  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.devices.create({ id: "d3", psk: psk("id-3", "44".repeat(16)) });
      await tx.devices.delete("d2");
      throw new Error("roll back");
    }),
    /roll back/,
  );
  assert.equal(cache.lookup("id-3"), undefined);
  assert.equal(cache.lookup("id-2")?.deviceId, "d2");
  assert.equal(await raw.devices.get("d3"), null);
});
