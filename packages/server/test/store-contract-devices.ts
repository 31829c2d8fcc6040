// Store contract: the device registry.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { DeviceState, type NewDevice } from "../src/store/types.js";
import { assertBytes, bytes, rejectsWith, type ContractTest } from "./store-contract-support.js";

const HA1 = "0123456789abcdef0123456789abcdef";

export const fullDevice: NewDevice = {
  id: "IMEI:493005100592800",
  labels: { site: "lab", model: "gw-1" },
  devInfo: { DevId: "IMEI:493005100592800", Man: "ACME", Mod: "gw-1" },
  mos: [
    { MOID: "urn:oma:mo:oma-dm-devinfo:1.2", MIID: ["d0"], DDF: "https://dm.example/ddf/devinfo.ddf" },
    { MIID: ["x", "y"] },
  ],
  notification: { type: 1, secret: bytes("s3cret\u0000\u00ff"), authData: new Uint8Array([0, 1, 2, 255]) },
  notifyAddress: { udp: { host: "127.0.0.1", port: 40000 }, mqtt: { topic: "omadm/dev/IMEI:493005100592800" } },
  http: { type: "digest", username: "dev-1", realm: "omadm", ha1Md5: HA1 },
  certFingerprint: "ab".repeat(32),
  psk: { identity: "psk-dev-1", keyHex: "00ff10" },
};

export function deviceContract(it: ContractTest): void {
  it("creates a provisioned device with defaults, and get returns it; a missing id gives null", async (f) => {
    const d = await f.store.devices.create({ id: "dev-a" });
    assert.deepEqual(d, {
      id: "dev-a",
      state: DeviceState.Provisioned,
      labels: {},
      createdAt: f.clock.now(),
      updatedAt: f.clock.now(),
      firstContactAt: null,
      lastContactAt: null,
      devInfo: null,
      devInfoAt: null,
      mos: null,
      mosAt: null,
      notification: null,
      notifyAddress: null,
      http: null,
      certFingerprint: null,
      psk: null,
    });
    assert.deepEqual(await f.store.devices.get("dev-a"), d);
    assert.equal(await f.store.devices.get("nope"), null);
  });

  it("keeps every field of a fully described device, bytes included", async (f) => {
    const d = await f.store.devices.create(fullDevice);
    assert.deepEqual(d.labels, fullDevice.labels);
    assert.deepEqual(d.devInfo, fullDevice.devInfo);
    assert.equal(d.devInfoAt, f.clock.now());
    assert.deepEqual(d.mos, fullDevice.mos);
    assert.deepEqual(d.notifyAddress, fullDevice.notifyAddress);
    assert.deepEqual(d.http, fullDevice.http);
    assert.deepEqual(d.psk, fullDevice.psk);
    assert.equal(d.certFingerprint, fullDevice.certFingerprint);
    assert.ok(d.notification);
    assert.equal(d.notification.type, 1);
    assertBytes(d.notification.secret, fullDevice.notification!.secret);
    assertBytes(d.notification.authData, fullDevice.notification!.authData);
    assert.deepEqual(await f.store.devices.get(fullDevice.id), d);
  });

  it("refuses a second device with the same id and changes nothing", async (f) => {
    await f.store.devices.create({ id: "dev-a", labels: { a: "1" } });
    await rejectsWith(f.store.devices.create({ id: "dev-a", labels: { a: "2" } }), ServerErrorCode.DEVICE_EXISTS);
    assert.deepEqual((await f.store.devices.get("dev-a"))?.labels, { a: "1" });
  });

  it("finds a device by certificate fingerprint, PSK identity or HTTP username", async (f) => {
    await f.store.devices.create({ id: "other" });
    await f.store.devices.create(fullDevice);
    const byCert = await f.store.devices.findByCredential({ certFingerprint: "ab".repeat(32) });
    const byPsk = await f.store.devices.findByCredential({ pskIdentity: "psk-dev-1" });
    const byUser = await f.store.devices.findByCredential({ httpUsername: "dev-1" });
    for (const d of [byCert, byPsk, byUser]) assert.equal(d?.id, fullDevice.id);
    assert.equal(await f.store.devices.findByCredential({ pskIdentity: "unknown" }), null);
    assert.equal(await f.store.devices.findByCredential({ httpUsername: "unknown" }), null);
  });

  it("refuses a credential another device already uses (create and update), changing nothing", async (f) => {
    await f.store.devices.create(fullDevice);
    await rejectsWith(
      f.store.devices.create({ id: "dev-b", certFingerprint: fullDevice.certFingerprint }),
      ServerErrorCode.CREDENTIAL_CONFLICT,
    );
    assert.equal(await f.store.devices.get("dev-b"), null);
    await f.store.devices.create({ id: "dev-b" });
    await rejectsWith(
      f.store.devices.update("dev-b", { labels: { x: "y" }, psk: { identity: "psk-dev-1", keyHex: "aa" } }),
      ServerErrorCode.CREDENTIAL_CONFLICT,
    );
    await rejectsWith(
      f.store.devices.update("dev-b", { http: { type: "basic", username: "dev-1", realm: "r", ha1Md5: HA1 } }),
      ServerErrorCode.CREDENTIAL_CONFLICT,
    );
    const b = await f.store.devices.get("dev-b");
    assert.deepEqual(b?.labels, {});
    assert.equal(b.psk, null);
    // The owner itself may rewrite its own credential.
    await f.store.devices.update(fullDevice.id, { psk: { identity: "psk-dev-1", keyHex: "beef" } });
  });

  it("records contact: unknown devices only with autoRegister; provisioned becomes registered", async (f) => {
    assert.equal(await f.store.devices.recordContact("new-1", { autoRegister: false }), null);
    assert.equal(await f.store.devices.get("new-1"), null);
    const t0 = f.clock.now();
    const auto = await f.store.devices.recordContact("new-1", { autoRegister: true });
    assert.equal(auto?.state, DeviceState.Registered);
    assert.equal(auto.firstContactAt, t0);
    assert.equal(auto.lastContactAt, t0);

    await f.store.devices.create({ id: "prov" });
    const t1 = f.clock.advance(1000);
    const reg = await f.store.devices.recordContact("prov", { autoRegister: false });
    assert.equal(reg?.state, DeviceState.Registered);
    assert.equal(reg.firstContactAt, t1);
    const t2 = f.clock.advance(1000);
    const again = await f.store.devices.recordContact("prov", { autoRegister: false });
    assert.equal(again?.firstContactAt, t1);
    assert.equal(again.lastContactAt, t2);
    assert.equal(again.state, DeviceState.Registered);
    assert.deepEqual(await f.store.devices.get("prov"), again);
  });

  it("disables and enables: a disabled device stays disabled on contact; enabling restores its state", async (f) => {
    await f.store.devices.create({ id: "never" });
    await f.store.devices.create({ id: "seen" });
    await f.store.devices.recordContact("seen", { autoRegister: false });
    for (const id of ["never", "seen"]) {
      assert.equal((await f.store.devices.update(id, { disabled: true })).state, DeviceState.Disabled);
    }
    const contact = await f.store.devices.recordContact("seen", { autoRegister: true });
    assert.equal(contact?.state, DeviceState.Disabled);
    assert.equal((await f.store.devices.update("never", { disabled: false })).state, DeviceState.Provisioned);
    assert.equal((await f.store.devices.update("seen", { disabled: false })).state, DeviceState.Registered);
  });

  it("updates DevInfo and MOS with their times, replaces labels, and null clears a field", async (f) => {
    await f.store.devices.create(fullDevice);
    const t = f.clock.advance(5000);
    const d = await f.store.devices.update(fullDevice.id, {
      devInfo: { Man: "Other" },
      mos: [{ MOID: "urn:x", MIID: [] }],
      labels: { only: "this" },
      notification: null,
      certFingerprint: null,
    });
    assert.deepEqual(d.devInfo, { Man: "Other" });
    assert.equal(d.devInfoAt, t);
    assert.deepEqual(d.mos, [{ MOID: "urn:x", MIID: [] }]);
    assert.equal(d.mosAt, t);
    assert.deepEqual(d.labels, { only: "this" });
    assert.equal(d.notification, null);
    assert.equal(d.certFingerprint, null);
    assert.deepEqual(d.psk, fullDevice.psk, "untouched fields stay");
    assert.equal(d.updatedAt, t);
    assert.deepEqual(await f.store.devices.get(fullDevice.id), d);
    assert.equal(await f.store.devices.findByCredential({ certFingerprint: fullDevice.certFingerprint! }), null);
  });

  it("refuses malformed device input with INVALID_INPUT and a missing device with DEVICE_NOT_FOUND", async (f) => {
    await f.store.devices.create({ id: "dev-a" });
    const bad: unknown[] = [
      { psk: { identity: "p", keyHex: "zz" } },
      { notifyAddress: { udp: { host: "127.0.0.1", port: 0 } } },
      { labels: { a: 1 } },
      { http: { type: "ntlm", username: "u", realm: "r", ha1Md5: HA1 } },
      { http: { type: "basic", username: "u", realm: "r" } },
      { mos: [{ MOID: "urn:x" }] },
      { devInfo: () => 1 },
    ];
    for (const patch of bad) {
      await rejectsWith(f.store.devices.update("dev-a", patch as never), ServerErrorCode.INVALID_INPUT);
    }
    await rejectsWith(f.store.devices.create({ id: "" }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(f.store.devices.update("nope", { labels: {} }), ServerErrorCode.DEVICE_NOT_FOUND);
    assert.deepEqual((await f.store.devices.get("dev-a"))?.labels, {});
  });

  it("refuses NUL characters in stored text, and lookups by such keys find nothing", async (f) => {
    const nul = "dev\u0000x";
    await rejectsWith(f.store.devices.create({ id: nul }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(f.store.devices.recordContact(nul, { autoRegister: true }), ServerErrorCode.INVALID_INPUT);
    assert.equal(await f.store.devices.get(nul), null);
    assert.equal(await f.store.devices.findByCredential({ pskIdentity: nul }), null);
    assert.equal(await f.store.devices.delete(nul), false);
    assert.equal(await f.store.commands.get(nul), null);
    assert.equal(await f.store.sessions.findByCookie(nul), null);
    assert.equal(await f.store.repository.get(nul, null), null);
    assert.equal(await f.store.uiSessions.get(nul), null);
    assert.equal(await f.store.apiTokens.use(nul), null);
  });

  it("lists devices by id with state and label filters, page by page", async (f) => {
    for (const id of ["d3", "d1", "d5", "d2", "d4"]) {
      await f.store.devices.create({ id, labels: { ring: Number(id[1]) % 2 === 0 ? "even" : "odd", all: "x" } });
    }
    await f.store.devices.recordContact("d2", { autoRegister: false });
    const p1 = await f.store.devices.list({ limit: 2 });
    assert.deepEqual(
      p1.items.map((d) => d.id),
      ["d1", "d2"],
    );
    assert.ok(p1.nextCursor);
    const p2 = await f.store.devices.list({ limit: 2, cursor: p1.nextCursor });
    const p3 = await f.store.devices.list({ limit: 2, cursor: p2.nextCursor! });
    assert.deepEqual(
      [...p2.items, ...p3.items].map((d) => d.id),
      ["d3", "d4", "d5"],
    );
    assert.equal(p3.nextCursor, null);
    const odd = await f.store.devices.list({ labels: { ring: "odd", all: "x" } });
    assert.deepEqual(
      odd.items.map((d) => d.id),
      ["d1", "d3", "d5"],
    );
    const reg = await f.store.devices.list({ state: DeviceState.Registered });
    assert.deepEqual(
      reg.items.map((d) => d.id),
      ["d2"],
    );
    assert.deepEqual((await f.store.devices.list({ labels: { ring: "none" } })).items, []);
    await rejectsWith(f.store.devices.list({ cursor: "garbage" }), ServerErrorCode.BAD_CURSOR);
    await rejectsWith(f.store.devices.list({ limit: 0 }), ServerErrorCode.INVALID_INPUT);
  });

  it("deletes a device with everything that belongs to it, but not shared repository items", async (f) => {
    const { store } = f;
    await store.devices.create({ id: "gone" });
    await store.devices.create({ id: "stays" });
    for (const id of ["gone", "stays"]) {
      await store.commands.enqueue({ deviceId: id, name: "GET", params: ["urn:x/a"] });
      await store.sessions.open({ deviceId: id, stateName: "s", idleTimeoutMs: 60_000, cookie: `c-${id}` });
      await store.alerts.record([{ deviceId: id, alertType: "urn:a" }]);
      await store.repository.put({ path: "p", deviceId: id, mediaType: "text/plain", body: bytes(id) });
      await store.repository.recordUpload({
        deviceId: id,
        path: "u",
        method: "PUT",
        mediaType: "a/b",
        body: bytes(""),
      });
      await store.uiSessions.create({ deviceId: id, template: { text: "hi" } });
      await store.notifications.record({ deviceId: id, notificationId: 1, transport: "udp", outcome: "sent" });
    }
    await store.repository.put({ path: "p", deviceId: null, mediaType: "text/plain", body: bytes("shared") });
    assert.equal(await store.devices.delete("gone"), true);
    assert.equal(await store.devices.delete("gone"), false);
    assert.equal(await store.devices.get("gone"), null);
    assert.deepEqual((await store.commands.list({ deviceId: "gone" })).items, []);
    assert.deepEqual((await store.sessions.list({ deviceId: "gone" })).items, []);
    assert.equal(await store.sessions.findByCookie("c-gone"), null);
    assert.deepEqual((await store.alerts.list({ deviceId: "gone" })).items, []);
    assert.equal(await store.repository.get("p", "gone"), null);
    assert.deepEqual((await store.repository.listUploads({ deviceId: "gone" })).items, []);
    assert.deepEqual((await store.uiSessions.list({ deviceId: "gone" })).items, []);
    assert.deepEqual((await store.notifications.list({ deviceId: "gone" })).items, []);
    assert.ok(await store.repository.get("p", null));
    assert.equal((await store.commands.list({ deviceId: "stays" })).items.length, 1);
    assert.ok(await store.sessions.findByCookie("c-stays"));
  });
}
