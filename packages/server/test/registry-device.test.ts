// The device registry as the DM endpoint uses it: admission (auto-registration or pre-provisioned only,
// disabled devices refused), the MOS inventory of Package#1, last contact, and DevInfo captured from GET data.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createDeviceRegistry } from "../src/registry/device-registry.js";
import { devInfoFromItems } from "../src/registry/devinfo-capture.js";
import { mergeDevInfo } from "../src/store/device-rules.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Command } from "../src/store/types.js";
import { manualClock } from "./dm-support.js";

test("auto-registration registers an unknown device on its first Package#1, with its MOS inventory", async () => {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const registry = createDeviceRegistry({ store }, { autoRegister: true });
  const mos = [{ MOID: "urn:oma:mo:oma-dm-devinfo:1.2", MIID: [""], DDF: "http://127.0.0.1/devinfo.ddf" }];
  const r = await registry.admit("IMEI:500000000000001", mos);
  assert.ok(r.ok);
  assert.equal(r.value.state, "registered");
  assert.deepEqual(r.value.mos, mos);
  assert.equal(r.value.mosAt, clock.now());
  clock.advance(1000);
  // A later Package#1 without MOS keeps the inventory; contact times move on.
  const again = await registry.admit("IMEI:500000000000001", undefined);
  assert.ok(again.ok);
  assert.deepEqual(again.value.mos, mos);
  assert.equal(again.value.lastContactAt, clock.now());
  // A Package#3 only checks the device is still enabled; it writes nothing.
  clock.advance(1000);
  const before = await store.devices.get("IMEI:500000000000001");
  assert.ok(registry.activeState("IMEI:500000000000001", await store.devices.stateOf("IMEI:500000000000001")).ok);
  assert.deepEqual(await store.devices.get("IMEI:500000000000001"), before);
});

test("without auto-registration only pre-provisioned devices are admitted (provisioned → registered)", async () => {
  const store = createMemoryStore({ clock: manualClock() });
  const registry = createDeviceRegistry({ store }, { autoRegister: false });
  const refused = await registry.admit("IMEI:500000000000002", undefined);
  assert.ok(!refused.ok);
  assert.equal(refused.error.code, "OMADM_SRV_DM_DEVICE_NOT_ADMITTED");
  assert.equal(refused.error.httpStatus, 403);
  assert.equal(await store.devices.get("IMEI:500000000000002"), null);
  await store.devices.create({ id: "IMEI:500000000000002" });
  const admitted = await registry.admit("IMEI:500000000000002", undefined);
  assert.ok(admitted.ok);
  assert.equal(admitted.value.state, "registered");
});

test("a disabled device is refused at Package#1 and at Package#3", async () => {
  const store = createMemoryStore({ clock: manualClock() });
  const registry = createDeviceRegistry({ store }, { autoRegister: true });
  await store.devices.create({ id: "IMEI:500000000000003" });
  await store.devices.update("IMEI:500000000000003", { disabled: true });
  const r1 = await registry.admit("IMEI:500000000000003", undefined);
  const r3 = registry.activeState("IMEI:500000000000003", await store.devices.stateOf("IMEI:500000000000003"));
  assert.ok(!r1.ok && !r3.ok);
  assert.match(r1.error.message, /disabled/);
  assert.match(r3.error.message, /disabled/);
});

test("DevInfo values from GET results are merged into the device record", async () => {
  const store = createMemoryStore({ clock: manualClock() });
  const registry = createDeviceRegistry({ store }, { autoRegister: true });
  await registry.admit("IMEI:500000000000004", undefined);
  const get = (data: unknown): Command => ({ name: "GET", result: { uris: [], data } }) as unknown as Command;
  await registry.captureDevInfo("IMEI:500000000000004", [
    get([{ ClientURI: "urn:oma:mo:oma-dm-devinfo:1.2//", MOData: { DevInfo: { Man: "ACME", Mod: "X1", FwV: "1" } } }]),
  ]);
  await registry.captureDevInfo("IMEI:500000000000004", [
    get([{ ClientURI: "urn:oma:mo:oma-dm-devinfo:1.0//FwV", MOData: { FwV: "2" } }]),
    {
      name: "HGET",
      result: { uris: [], data: [{ ClientURI: "urn:oma:mo:oma-dm-devinfo:1.2//", MOData: { Man: "no" } }] },
    } as unknown as Command,
  ]);
  assert.deepEqual((await store.devices.get("IMEI:500000000000004"))?.devInfo, { Man: "ACME", Mod: "X1", FwV: "2" });
});

test("devInfoFromItems ignores other MOs and malformed items; mergeDevInfo keeps earlier leaves", () => {
  assert.equal(devInfoFromItems([{ ClientURI: "urn:oma:mo:oma-fumo:1.0/x", MOData: { State: 10 } }]), undefined);
  assert.equal(
    devInfoFromItems([null, 3, { ClientURI: 7 }, { ClientURI: "urn:oma:mo:oma-dm-devinfo:1.2//" }]),
    undefined,
  );
  assert.deepEqual(
    devInfoFromItems([
      {
        ClientURI: "urn:oma:mo:oma-dm-devinfo:1.2//",
        MOData: { DevInfo: { DevID: "IMEI:1", Ext: { Vendor: { a: "b" } }, Weird: { deep: 1 } } },
      },
    ]),
    { DevID: "IMEI:1", Ext: { Vendor: { a: "b" } } },
  );
  assert.deepEqual(mergeDevInfo({ Man: "A", Mod: "B" }, { Mod: "C" }), { Man: "A", Mod: "C" });
  assert.deepEqual(mergeDevInfo(null, { Mod: "C" }), { Mod: "C" });
});
