// Store contract: device selection (docs/filters.md). Every store selects exactly the devices the reference
// evaluator (`matchesFilter`) picks from the store's own records, page by page in id order, on a generated fleet
// and generated filters; and saved groups behave alike.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ServerErrorCode } from "../src/errors.js";
import { formatFilter } from "../src/selection/filter-ast.js";
import { matchesFilter } from "../src/selection/filter-eval.js";
import { filterOrThrow } from "../src/store/group-rules.js";
import type { Store } from "../src/store/store.js";
import { DeviceState, type Device } from "../src/store/types.js";
import type { DeviceListQuery } from "../src/store/types-selection.js";
import { DAY, filterArb, fleetArb, type FleetDevice } from "./selection-arbitraries.js";
import { rejectsWith, type ContractTest, type StoreFixture } from "./store-contract-support.js";

const C = ServerErrorCode;

/** Stores the fleet: contacts in day order on the test clock, then disables; the clock ends on day 31. */
async function seedFleet(f: StoreFixture, fleet: readonly FleetDevice[]): Promise<void> {
  const start = f.clock.now();
  for (const d of fleet) {
    await f.store.devices.create({
      id: d.id,
      labels: d.labels,
      ...(d.devInfo === undefined ? {} : { devInfo: d.devInfo }),
      ...(d.mos === undefined ? {} : { mos: d.mos }),
    });
  }
  for (let day = 0; day <= 30; day++) {
    f.clock.advance(start + day * DAY - f.clock.now());
    for (const d of fleet) {
      if (d.contactDays.includes(day)) await f.store.devices.recordContact(d.id, { autoRegister: false });
    }
  }
  for (const d of fleet) if (d.disabled) await f.store.devices.update(d.id, { disabled: true });
  f.clock.advance(start + 31 * DAY - f.clock.now());
}

/** Every device of a selection, read in pages of `limit` (the keyset walk a campaign does). */
export async function selectAll(store: Store, query: DeviceListQuery, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.devices.list({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.items.map((d) => d.id));
    if (page.nextCursor === null) return ids;
    cursor = page.nextCursor;
  }
  throw new Error("the selection did not end");
}

async function allDevices(store: Store): Promise<Device[]> {
  const out: Device[] = [];
  for (const id of await selectAll(store, {}, 1000)) out.push((await store.devices.get(id)) as Device);
  return out;
}

export function selectionContract(it: ContractTest): void {
  it("selects what the reference evaluator selects, for generated filters on a generated fleet", async (f) => {
    const [fleet] = fc.sample(fleetArb(24), { seed: 11, numRuns: 1 });
    await seedFleet(f, fleet as FleetDevice[]);
    const devices = await allDevices(f.store);
    const now = f.clock.now();
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(filterArb, fc.integer({ min: 1, max: 9 }), async (filter, limit) => {
        const expected = devices.filter((d) => matchesFilter(filter, d, now)).map((d) => d.id);
        if (expected.length > 0) nonEmpty++;
        const text = formatFilter(filter);
        assert.deepEqual(await selectAll(f.store, { filter }, limit), expected, text);
        assert.equal(await f.store.devices.count({ filter }), expected.length, text);
      }),
      { numRuns: 60, seed: 7 },
    );
    // The generators must hit: most filters select something (else the property proves little).
    assert.ok(nonEmpty > 20, `only ${nonEmpty} of 60 filters selected any device`);
  });

  it("selects by each kind of term as documented", async (f) => {
    await f.store.devices.create({
      id: "a",
      labels: { site: "berlin" },
      devInfo: { Man: "acme", Mod: "gw-1", FwV: "1.0", Ext: { x: "y" } },
      mos: [{ MOID: "urn:oma:mo:oma-fumo:1.0", MIID: ["f"] }],
    });
    await f.store.devices.create({ id: "b", labels: { site: "paris" }, devInfo: { Man: "acme", FwV: "2.0" } });
    await f.store.devices.create({ id: "c" });
    f.clock.advance(DAY);
    await f.store.devices.recordContact("a", { autoRegister: false });
    f.clock.advance(10 * DAY);
    await f.store.devices.recordContact("b", { autoRegister: false });
    f.clock.advance(DAY);
    const ids = async (text: string) => selectAll(f.store, { filter: filterOrThrow(text) }, 2);
    assert.deepEqual(await ids("label:site"), ["a", "b"]);
    assert.deepEqual(await ids("label:site=berlin"), ["a"]);
    assert.deepEqual(await ids("label:site!=berlin"), ["b", "c"]);
    assert.deepEqual(await ids("Man=acme and not FwV=2.0"), ["a"]);
    assert.deepEqual(await ids("FwV!=2.0"), ["a", "c"], "!= also selects devices without the value");
    assert.deepEqual(await ids("mo:urn:oma:mo:oma-fumo:1.0"), ["a"]);
    assert.deepEqual(await ids("state=provisioned"), ["c"]);
    assert.deepEqual(await ids("lastContact<7d"), ["b"]);
    assert.deepEqual(await ids("lastContact>7d"), ["a"], "never contacted: no comparison matches");
    assert.deepEqual(await ids("not lastContact<7d"), ["a", "c"]);
    assert.deepEqual(await ids("id=b or (label:site=berlin and mod=gw-1)"), ["a", "b"]);
    // DevInfo read later replaces what the filter sees (the side tables follow every update).
    await f.store.devices.update("a", { devInfo: { Man: "other" }, mos: null });
    assert.deepEqual(await ids("Man=acme"), ["b"]);
    assert.deepEqual(await ids("mo:urn:oma:mo:oma-fumo:1.0"), []);
    await f.store.devices.delete("b");
    assert.deepEqual(await ids("Man=acme"), []);
  });

  it("an update answers the device a read gives; the same DevInfo or MOS again keeps the filters exact", async (f) => {
    const fumo = { MOID: "urn:oma:mo:oma-fumo:1.0", MIID: ["f"] };
    await f.store.devices.create({ id: "a", devInfo: { Man: "acme", FwV: "1.0" }, mos: [fumo] });
    const ids = async (text: string) => selectAll(f.store, { filter: filterOrThrow(text) }, 2);
    const patches = [
      { devInfo: { Man: "acme", FwV: "1.0" }, mos: [fumo] }, // reported again, unchanged
      { labels: { site: "berlin" }, notification: { type: 1, secret: Buffer.from("s3"), authData: Buffer.from("d") } },
      { devInfo: { Man: "acme", FwV: "2.0" } },
      { mos: [fumo, { MOID: "urn:oma:mo:oma-scomo:1.0", MIID: ["s"] }] },
      { http: { type: "basic", username: "u-a", realm: "r", ha1Md5: "0".repeat(32) }, disabled: true },
    ] as const;
    for (const patch of patches) {
      f.clock.advance(1000);
      const answered = await f.store.devices.update("a", patch);
      assert.deepEqual(answered, await f.store.devices.get("a"), `update(${JSON.stringify(Object.keys(patch))})`);
      assert.equal(answered.updatedAt, f.clock.now());
      // Reported again unchanged, DevInfo and MOS are stamped again all the same.
      if ("devInfo" in patch) assert.equal(answered.devInfoAt, f.clock.now());
      if ("mos" in patch) assert.equal(answered.mosAt, f.clock.now());
    }
    assert.deepEqual(await ids("FwV=2.0"), ["a"]);
    assert.deepEqual(await ids("FwV=1.0"), []);
    assert.deepEqual(await ids("mo:urn:oma:mo:oma-fumo:1.0 and mo:urn:oma:mo:oma-scomo:1.0"), ["a"]);
  });

  it("a contact stores the Package#1's MOS and a DevInfo merge its values, each answering what a read gives", async (f) => {
    const fumo = { MOID: "urn:oma:mo:oma-fumo:1.0", MIID: ["f"] };
    const scomo = { MOID: "urn:oma:mo:oma-scomo:1.0", MIID: ["s"] };
    await f.store.devices.create({ id: "a", devInfo: { Man: "acme", FwV: "1.0" } });
    const ids = async (text: string) => selectAll(f.store, { filter: filterOrThrow(text) }, 2);
    // The first contact (provisioned → registered), then the same inventory again, then a new one.
    for (const [i, mos] of [[fumo], [fumo], [fumo, scomo]].entries()) {
      const now = f.clock.advance(1000);
      const answered = await f.store.devices.recordContact("a", { autoRegister: false, mos });
      assert.deepEqual(answered, await f.store.devices.get("a"), `contact ${i}`);
      assert.equal(answered?.state, DeviceState.Registered);
      assert.deepEqual([answered.lastContactAt, answered.mosAt, answered.updatedAt], [now, now, now]);
      assert.deepEqual(answered.mos, mos);
    }
    assert.deepEqual(await ids("mo:urn:oma:mo:oma-fumo:1.0 and mo:urn:oma:mo:oma-scomo:1.0"), ["a"]);
    // A contact without MOS keeps the stored inventory; an auto-registered device gets its inventory at once.
    assert.deepEqual((await f.store.devices.recordContact("a", { autoRegister: false }))?.mos, [fumo, scomo]);
    const fresh = await f.store.devices.recordContact("b", { autoRegister: true, mos: [scomo] });
    assert.deepEqual(fresh, await f.store.devices.get("b"));
    assert.deepEqual(await ids("mo:urn:oma:mo:oma-scomo:1.0"), ["a", "b"]);
    // A malformed inventory is refused before anything is written: no contact either.
    const before = await f.store.devices.get("a");
    f.clock.advance(1000);
    const bad = [{ MOID: 7, MIID: [] }] as unknown as (typeof fumo)[];
    await rejectsWith(f.store.devices.recordContact("a", { autoRegister: false, mos: bad }), C.INVALID_INPUT);
    assert.deepEqual(await f.store.devices.get("a"), before);

    // DevInfo merges: leaves read earlier are kept, the filters follow, an unknown device is left alone.
    const at = f.clock.advance(1000);
    assert.equal(await f.store.devices.mergeDevInfo("a", { FwV: "2.0", Mod: "x1" }), true);
    const merged = await f.store.devices.get("a");
    assert.deepEqual([merged?.devInfo, merged?.devInfoAt], [{ Man: "acme", FwV: "2.0", Mod: "x1" }, at]);
    assert.deepEqual(await ids("FwV=2.0 and Man=acme"), ["a"]);
    assert.deepEqual(await ids("FwV=1.0"), []);
    assert.equal(await f.store.devices.mergeDevInfo("nobody", { FwV: "2.0" }), false);
    assert.equal(await f.store.devices.get("nobody"), null);

    // The state alone.
    assert.equal(await f.store.devices.stateOf("a"), DeviceState.Registered);
    await f.store.devices.update("a", { disabled: true });
    assert.equal(await f.store.devices.stateOf("a"), DeviceState.Disabled);
    assert.equal(await f.store.devices.stateOf("nobody"), null);
    // A disabled device's contact is recorded, not the inventory it reports.
    const seen = f.clock.advance(1000);
    const disabled = await f.store.devices.recordContact("a", { autoRegister: false, mos: [scomo] });
    assert.deepEqual(disabled, await f.store.devices.get("a"));
    assert.deepEqual([disabled?.lastContactAt, disabled?.mos], [seen, [fumo, scomo]]);
  });

  it("static groups: members added and removed in bulk, all or nothing; devices listed in id order", async (f) => {
    for (const id of ["d1", "d2", "d3", "d4"]) await f.store.devices.create({ id, labels: { site: "berlin" } });
    const g = await f.store.groups.create({ id: "wave-1", kind: "static", description: "first wave" });
    assert.deepEqual(g, {
      id: "wave-1",
      kind: "static",
      description: "first wave",
      filter: null,
      createdAt: f.clock.now(),
      updatedAt: f.clock.now(),
    });
    assert.deepEqual(await f.store.groups.addMembers("wave-1", ["d3", "d1", "d3"]), { changed: 2 });
    assert.deepEqual(await f.store.groups.addMembers("wave-1", ["d1", "d2"]), { changed: 1 });
    await rejectsWith(f.store.groups.addMembers("wave-1", ["d4", "ghost"]), C.DEVICE_NOT_FOUND);
    assert.deepEqual(await selectAll(f.store, { group: "wave-1" }, 2), ["d1", "d2", "d3"], "d4 was not added");
    assert.equal(await f.store.devices.count({ group: "wave-1" }), 3);
    assert.deepEqual(await f.store.groups.removeMembers("wave-1", ["d2", "d4"]), { changed: 1 });
    assert.deepEqual(await selectAll(f.store, { group: "wave-1", filter: filterOrThrow("not id=d3") }, 5), ["d1"]);
    await f.store.devices.delete("d1");
    assert.deepEqual(await selectAll(f.store, { group: "wave-1" }, 5), ["d3"], "a deleted device leaves its groups");
    await rejectsWith(f.store.groups.update("wave-1", { filter: "label:site" }), C.GROUP_KIND_MISMATCH);
    await rejectsWith(f.store.groups.addMembers("nope", ["d3"]), C.GROUP_NOT_FOUND);
    assert.equal(await f.store.groups.delete("wave-1"), true);
    assert.equal(await f.store.groups.delete("wave-1"), false);
    assert.ok((await f.store.devices.get("d3")) !== null, "deleting a group keeps its devices");
    await rejectsWith(f.store.devices.list({ group: "wave-1" }), C.GROUP_NOT_FOUND);
  });

  it("dynamic groups: a filter in canonical form, evaluated whenever the group is listed", async (f) => {
    await f.store.devices.create({ id: "a", labels: { site: "berlin" } });
    const g = await f.store.groups.create({ id: "berlin", kind: "dynamic", filter: " label:site = berlin " });
    assert.equal(g.filter, "label:site=berlin");
    await f.store.devices.create({ id: "b", labels: { site: "berlin" } });
    assert.deepEqual(await selectAll(f.store, { group: "berlin" }, 1), ["a", "b"]);
    f.clock.advance(1000);
    const changed = await f.store.groups.update("berlin", { filter: "label:site=berlin and not id=a" });
    assert.equal(changed.updatedAt, f.clock.now());
    assert.deepEqual(await selectAll(f.store, { group: "berlin" }, 1), ["b"]);
    await rejectsWith(f.store.groups.addMembers("berlin", ["a"]), C.GROUP_KIND_MISMATCH);
    await rejectsWith(f.store.groups.update("berlin", { filter: "label:" }), C.FILTER_INVALID);
    assert.equal((await f.store.groups.get("berlin"))?.filter, "label:site=berlin and not id=a", "unchanged");
  });

  it("refuses malformed groups and changes nothing", async (f) => {
    await rejectsWith(f.store.groups.create({ id: "-x", kind: "static" }), C.INVALID_INPUT);
    await rejectsWith(f.store.groups.create({ id: "x", kind: "dynamic" }), C.INVALID_INPUT);
    await rejectsWith(f.store.groups.create({ id: "x", kind: "dynamic", filter: "Foo=1" }), C.FILTER_INVALID);
    await rejectsWith(f.store.groups.create({ id: "x", kind: "static", filter: "id=a" }), C.GROUP_KIND_MISMATCH);
    await rejectsWith(f.store.groups.create({ id: "x", kind: "other" as "static" }), C.INVALID_INPUT);
    assert.deepEqual((await f.store.groups.list()).items, []);
    await f.store.groups.create({ id: "x", kind: "static" });
    await rejectsWith(f.store.groups.create({ id: "x", kind: "dynamic", filter: "id=a" }), C.GROUP_EXISTS);
    await rejectsWith(f.store.groups.addMembers("x", [""]), C.INVALID_INPUT);
    for (const id of ["b", "a", "c"]) await f.store.groups.create({ id, kind: "static" });
    const first = await f.store.groups.list({ limit: 2 });
    assert.deepEqual(
      first.items.map((g) => g.id),
      ["a", "b"],
    );
    const rest = await f.store.groups.list({ limit: 2, cursor: first.nextCursor ?? "" });
    assert.deepEqual(
      rest.items.map((g) => g.id),
      ["c", "x"],
    );
  });

  it("a group created inside a failed transaction is not kept", async (f) => {
    await assert.rejects(
      f.store.transaction(async (tx) => {
        await tx.groups.create({ id: "g", kind: "static" });
        await tx.groups.addMembers("g", ["ghost"]);
      }),
    );
    assert.equal(await f.store.groups.get("g"), null);
  });
}
