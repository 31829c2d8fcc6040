// The file state store (ARCHITECTURE.md invariant 8): atomic replace (temp file, fsync, rename, fsync dir), restart =
// load in a new instance, and a crash at every step of a write leaves the old or the new state, never a mix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode } from "@omadm/protocol";
import {
  EMPTY_RECORDS,
  restoreClientState,
  snapshotClientState,
  type ClientStateDocument,
} from "../src/state/client-state.js";
import { createFileStateStore } from "../src/state/file-state-store.js";
import { createMemoryStateStore } from "../src/state/state-store.js";
import { encodeClientState } from "../src/state/state-codec.js";
import { nodeStateFs } from "../src/state/state-fs.js";
import { CrashPoint, RECORDS, crashingFs, emptyClient, populatedClient } from "./state-fixtures.js";
import { SENSOR, errorOf, must } from "./tree-fixtures.js";

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "omadm-state-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The saved Count of sensor instance s1 (each test document differs only there). */
function countIn(doc: ClientStateDocument | undefined): unknown {
  const data = doc?.tree.instances.find((i) => i.miid === "s1")?.data;
  return typeof data === "object" && data !== null && !Array.isArray(data) ? data.Count : undefined;
}

function docWith(count: number): ClientStateDocument {
  const c = populatedClient();
  must(c.tree.setValue(SENSOR, "s1", ["Count"], count));
  return snapshotClientState({ tree: c.tree, access: c.access, records: RECORDS });
}

test("save then load in a new store instance (a restart) gives the same document; no temp file remains", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "state.json");
  const doc = docWith(1);
  must(await createFileStateStore({ fs: nodeStateFs() }, { path }).save(doc));
  const loaded = must(await createFileStateStore({ fs: nodeStateFs() }, { path }).load());
  assert.deepEqual(loaded, JSON.parse(JSON.stringify(doc)));
  assert.deepEqual(await readdir(dir), ["state.json"]);
});

test("nothing saved yet: load gives undefined", async (t) => {
  const dir = await tempDir(t);
  assert.equal(
    must(await createFileStateStore({ fs: nodeStateFs() }, { path: join(dir, "none.json") }).load()),
    undefined,
  );
});

test("a full client restarts from the file: tree values, MIIDs, validators, creators, grants and records", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "state.json");
  const before = populatedClient();
  must(
    await createFileStateStore({ fs: nodeStateFs() }, { path }).save(
      snapshotClientState({ ...before, records: RECORDS }),
    ),
  );

  const after = emptyClient();
  const doc = must(await createFileStateStore({ fs: nodeStateFs() }, { path }).load());
  assert.ok(doc);
  const records = must(restoreClientState(doc, after));
  assert.deepEqual(records, RECORDS);
  for (const moid of before.tree.moids()) {
    assert.deepEqual(after.tree.instances(moid), before.tree.instances(moid));
    for (const miid of before.tree.instances(moid)) {
      assert.deepEqual(must(after.tree.read(moid, miid, [])), must(before.tree.read(moid, miid, [])));
      assert.equal(after.tree.validator(moid, miid), before.tree.validator(moid, miid));
      assert.deepEqual(after.tree.creator(moid, miid), before.tree.creator(moid, miid));
    }
  }
  assert.deepEqual(after.tree.getValue(SENSOR, "s1", ["Blob"]), new Uint8Array([0, 1]));
  assert.deepEqual([...after.access.rights("srvB", SENSOR, "s1")], []);
  assert.deepEqual(after.access.snapshot(), before.access.snapshot());
  assert.deepEqual([...after.access.rights("srvA", SENSOR, "s1")].sort(), ["Delegate", "Exec", "Read", "Write"]);
});

for (const at of Object.values(CrashPoint)) {
  test(`a crash at "${at}" while writing a new state: the restarted client loads a whole state`, async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, "state.json");
    const old = docWith(1);
    const next = docWith(2);
    must(await createFileStateStore({ fs: nodeStateFs() }, { path }).save(old));

    const fs = crashingFs(at);
    const r = await createFileStateStore({ fs }, { path }).save(next);
    assert.ok(fs.crashed());
    assert.equal(errorOf(r).code, ErrorCode.STATE_IO);

    const loaded = must(await createFileStateStore({ fs: nodeStateFs() }, { path }).load());
    // Before the rename the old file is untouched; once renamed (only the directory fsync failed) it is the new one.
    const expected = at === "before-dir-sync" ? next : old;
    assert.deepEqual(loaded, JSON.parse(JSON.stringify(expected)));
    const c = emptyClient();
    assert.ok(loaded);
    must(restoreClientState(loaded, c));
    assert.equal(c.tree.getValue(SENSOR, "s1", ["Count"]), at === "before-dir-sync" ? 2 : 1);

    // The restarted client saves again over any leftover temp file.
    must(await createFileStateStore({ fs: nodeStateFs() }, { path }).save(docWith(3)));
    const third = must(await createFileStateStore({ fs: nodeStateFs() }, { path }).load());
    assert.equal(countIn(third), 3);
    assert.deepEqual(await readdir(dir), ["state.json"]);
  });
}

test("a mid-write crash leaves a partial temp file that load ignores", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "state.json");
  must(await createFileStateStore({ fs: nodeStateFs() }, { path }).save(docWith(1)));
  await createFileStateStore({ fs: crashingFs("mid-write") }, { path }).save(docWith(2));
  const temp = await readFile(`${path}.tmp`);
  assert.ok(
    temp.byteLength > 0 && temp.byteLength < encodeClientState(docWith(2)).byteLength,
    "half of the new bytes are on disk",
  );
  const loaded = must(await createFileStateStore({ fs: nodeStateFs() }, { path }).load());
  assert.equal(countIn(loaded), 1);
});

test("saves issued together are written in call order; the last one wins", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "state.json");
  const store = createFileStateStore({ fs: nodeStateFs() }, { path });
  const results = await Promise.all([store.save(docWith(1)), store.save(docWith(2)), store.save(docWith(3))]);
  for (const r of results) must(r);
  const loaded = must(await store.load());
  assert.equal(countIn(loaded), 3);
});

test("a corrupt, foreign or newer file gives a typed error, never an exception", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "state.json");
  const store = createFileStateStore({ fs: nodeStateFs() }, { path });
  const full = new TextDecoder().decode(encodeClientState(docWith(1)));
  const cases: [string | Uint8Array, string][] = [
    [full.slice(0, Math.floor(full.length / 2)), ErrorCode.STATE_CORRUPT],
    [new Uint8Array([0xff, 0xfe, 0x00, 0x7b]), ErrorCode.STATE_CORRUPT],
    ["", ErrorCode.STATE_CORRUPT],
    ['{"format":"something-else","version":2}', ErrorCode.STATE_CORRUPT],
    ["[1,2,3]", ErrorCode.STATE_CORRUPT],
    [full.replace('"version":2', '"version":3'), ErrorCode.STATE_VERSION],
    [full.replace('"version":2', '"version":0'), ErrorCode.STATE_VERSION],
    [full.replace('"subscriptions":[{"srvId":"srvA"', '"subscriptions":[{"srvId":7'), ErrorCode.STATE_CORRUPT],
  ];
  for (const [content, code] of cases) {
    await writeFile(path, content);
    const e = errorOf(await store.load());
    assert.equal(e.code, code, e.message);
  }
  await writeFile(path, full.replace('"subscriptions":[{"srvId":"srvA"', '"subscriptions":[{"srvId":7'));
  assert.match(errorOf(await store.load()).message, /\$\.subscriptions\[0\]\.srvId/);
});

test("an unreadable state path is STATE_IO; a failing save keeps the previous file", async (t) => {
  const dir = await tempDir(t);
  const asDir = join(dir, "is-a-directory");
  await mkdir(asDir);
  assert.equal(
    errorOf(await createFileStateStore({ fs: nodeStateFs() }, { path: asDir }).load()).code,
    ErrorCode.STATE_IO,
  );
  const missingDir = createFileStateStore({ fs: nodeStateFs() }, { path: join(dir, "no", "such", "state.json") });
  assert.equal(errorOf(await missingDir.save(docWith(1))).code, ErrorCode.STATE_IO);
});

test("the memory store keeps encoded bytes and validates them on load like a file", async () => {
  const store = createMemoryStateStore();
  assert.equal(must(await store.load()), undefined);
  const doc = snapshotClientState({ tree: emptyClient().tree, records: EMPTY_RECORDS });
  must(await store.save(doc));
  assert.ok((store.bytes()?.byteLength ?? 0) > 0);
  assert.deepEqual(must(await store.load()), doc);
});
