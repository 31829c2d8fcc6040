// The Notifier end to end over real UDP on 127.0.0.1 (docs/protocol.md §2, §12): what the device receives verifies
// with the device's own credentials (§2.5), carries the options the operator asked for (§2.4), and every
// attempt — sent or failed — is in the store. Refusals name what is missing and spend no NOTIFICATION-ID.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConType,
  ErrorCode,
  OptionProfile,
  decodeNotification,
  verifyNotification,
  type Notification,
} from "@omadm/protocol";
import { ServerErrorCode, hasServerErrorCode } from "../src/errors.js";
import { createNotifier, NotificationFailedError, type NotifierOptions } from "../src/notifier/notifier.js";
import { createUdpNotificationSender } from "../src/notifier/transports/udp-notification-sender.js";
import type { NotificationSender } from "../src/notifier/transports/notification-sender.js";
import type { Store } from "../src/store/store.js";
import { MemoryStoreData } from "../src/store/memory-context.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { NewDevice } from "../src/store/types.js";
import { openHandles, createRecordingLogger } from "../../../test-support/async-inbox.js";
import {
  AUTH_DATA,
  CREDENTIALS,
  NOW_MS,
  SECRET,
  SERVER_ID,
  fixedClock,
  memoryStore,
  udpListener,
} from "./notifier-support.js";

after(async () => {
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

const DEVICE = "IMEI:493005100592800";
const KNOWN_MOS = [{ MOID: "urn:oma:mo:oma-dm-devinfo:1.0", MIID: ["a1"] }];

interface Rig {
  readonly store: Store;
  readonly device: Awaited<ReturnType<typeof udpListener>>;
  readonly sender: NotificationSender;
  wake: ReturnType<typeof createNotifier>["wake"];
  close(): Promise<void>;
}

/** A store with one device listening on a real UDP socket, and a notifier sending through a real UDP sender. */
async function rig(device: Omit<NewDevice, "id"> = {}, options: Partial<NotifierOptions> = {}): Promise<Rig> {
  const { store } = memoryStore();
  const listener = await udpListener();
  await store.devices.create({
    id: DEVICE,
    notification: CREDENTIALS,
    notifyAddress: { udp: { host: "127.0.0.1", port: listener.port } },
    ...device,
  });
  const { logger } = createRecordingLogger();
  const sender = createUdpNotificationSender({ logger });
  const notifier = createNotifier(
    { store, senders: sender, clock: fixedClock(), logger },
    { serverId: SERVER_ID, ...options },
  );
  return {
    store,
    device: listener,
    sender,
    wake: (deviceId, options) => notifier.wake(deviceId, options),
    async close() {
      await sender.close();
      await listener.close();
      await store.close();
    },
  };
}

function verified(bytes: Uint8Array, profile?: OptionProfile): Notification {
  const result = verifyNotification(bytes, { secret: SECRET, authData: AUTH_DATA }, profile ? { profile } : {});
  assert.ok(result.ok, `the device verifies the digest: ${result.ok ? "" : result.error.message}`);
  return result.value;
}

test("the device receives a Package#0 that verifies with its Auth/Noti credentials and carries every option", async () => {
  const r = await rig();
  try {
    const record = await r.wake(DEVICE, { reason: "test" });
    const bytes = await r.device.inbox.next();
    const n = verified(bytes);
    assert.equal(n.serverId, SERVER_ID);
    assert.equal(n.notificationId, record.notificationId);
    assert.equal(n.timestamp, NOW_MS / 1000, "TIMESTAMP is the clock's time in POSIX seconds");
    assert.equal(n.reqMos, true, "REQ-MOS while the device's MOS inventory is unknown");
    assert.equal(n.preferredConTypes, undefined, "no PREFERRED-CON-TYPE unless configured");
    assert.equal(n.digest?.length, 32);
    assert.equal(record.deviceId, DEVICE);
    assert.equal(record.transport, "udp");
    assert.equal(record.outcome, "sent");
    assert.equal(record.error, null);
    assert.deepEqual((await r.store.notifications.list({ deviceId: DEVICE })).items, [record]);
    // Other credentials do not verify it: the digest really covers the secret and the auth data.
    const forged = verifyNotification(bytes, { secret: SECRET, authData: new TextEncoder().encode("other") });
    assert.equal(forged.ok ? "verified" : forged.error.code, ErrorCode.P0_DIGEST_MISMATCH);
  } finally {
    await r.close();
  }
});

/** Two ways to "restart the server": SQLite in a temp dir (the default store), and memory over kept data. */
const REOPENABLE: readonly { name: string; make(): Promise<{ open(): Promise<Store>; cleanup(): Promise<void> }> }[] = [
  {
    name: "SQLite",
    async make() {
      const dir = await mkdtemp(join(tmpdir(), "omadm-notifier-"));
      return {
        open: () => openSqliteStore({ clock: fixedClock() }, { dataDir: dir }),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "memory",
    make() {
      const data = new MemoryStoreData();
      return Promise.resolve({
        open: () => Promise.resolve(memoryStore(data).store),
        cleanup: () => Promise.resolve(),
      });
    },
  },
];

for (const kind of REOPENABLE) {
  test(`NOTIFICATION-ID increases with every wake and continues after a restart (${kind.name} store)`, async () => {
    const backing = await kind.make();
    const listener = await udpListener();
    const sender = createUdpNotificationSender();
    try {
      const store = await backing.open();
      await store.devices.create({
        id: DEVICE,
        notification: CREDENTIALS,
        notifyAddress: { udp: { host: "127.0.0.1", port: listener.port } },
      });
      const first = createNotifier({ store, senders: [sender], clock: fixedClock() }, { serverId: SERVER_ID });
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) ids.push((await first.wake(DEVICE)).notificationId);
      await store.close();

      // A restarted server: the store reopened from the same backing, a new notifier.
      const reopened = await backing.open();
      const second = createNotifier({ store: reopened, senders: sender, clock: fixedClock() }, { serverId: SERVER_ID });
      ids.push((await second.wake(DEVICE)).notificationId);
      for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `ids increase: ${ids.join(", ")}`);
      const received: number[] = [];
      for (let i = 0; i < ids.length; i++) received.push(verified(await listener.inbox.next()).notificationId ?? -1);
      assert.deepEqual(received, ids, "the ids on the wire are the recorded ones");
      const log = await reopened.notifications.list({ deviceId: DEVICE });
      assert.deepEqual(
        log.items.map((r) => [r.notificationId, r.outcome]),
        ids.map((id) => [id, "sent"]),
      );
      await reopened.close();
    } finally {
      await sender.close();
      await listener.close();
      await backing.cleanup();
    }
  });
}

test("REQ-MOS: sent when asked, not sent once the MOS inventory is known, reqMosDefault turns it on", async () => {
  const r = await rig({ mos: KNOWN_MOS });
  try {
    await r.wake(DEVICE);
    assert.equal(verified(await r.device.inbox.next()).reqMos, false, "MOS known, not asked");
    await r.wake(DEVICE, { reqMos: true });
    assert.equal(verified(await r.device.inbox.next()).reqMos, true, "asked");
  } finally {
    await r.close();
  }
  const unknown = await rig();
  try {
    await unknown.wake(DEVICE, { reqMos: false });
    assert.equal(verified(await unknown.device.inbox.next()).reqMos, false, "an explicit false wins");
  } finally {
    await unknown.close();
  }
  const byDefault = await rig({ mos: KNOWN_MOS }, { reqMosDefault: true });
  try {
    await byDefault.wake(DEVICE);
    assert.equal(verified(await byDefault.device.inbox.next()).reqMos, true, "reqMosDefault");
  } finally {
    await byDefault.close();
  }
});

test("PREFERRED-CON-TYPE: the configured list, a per-wake override, and bad lists refused by name", async () => {
  const r = await rig({}, { preferredConTypes: [ConType.WLAN, ConType.ANY_AVAILABLE] });
  try {
    await r.wake(DEVICE);
    assert.deepEqual(verified(await r.device.inbox.next()).preferredConTypes, [ConType.WLAN, ConType.ANY_AVAILABLE]);
    await r.wake(DEVICE, { preferredConTypes: [ConType.CELLULAR, ConType.WIRELINE] });
    assert.deepEqual(verified(await r.device.inbox.next()).preferredConTypes, [ConType.CELLULAR, ConType.WIRELINE]);
    const before = (await r.store.notifications.list()).items.length;
    await assert.rejects(
      r.wake(DEVICE, { preferredConTypes: [ConType.ANY_AVAILABLE, ConType.WLAN] }),
      (e: unknown) => hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT) && /ANY_AVAILABLE/.test(e.message),
    );
    await assert.rejects(
      r.wake(DEVICE, { preferredConTypes: [] }),
      (e: unknown) => hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT) && /empty/.test(e.message),
    );
    assert.equal((await r.store.notifications.list()).items.length, before, "refusals record nothing");
  } finally {
    await r.close();
  }
  assert.throws(
    () =>
      createNotifier(
        { store: memoryStore().store, senders: [], clock: fixedClock() },
        { serverId: SERVER_ID, preferredConTypes: [ConType.WLAN, ConType.WLAN] },
      ),
    (e: unknown) => hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT) && /repeats/.test(e.message),
  );
});

test("profile B: the device decodes and verifies with the same profile", async () => {
  const r = await rig({}, { profile: OptionProfile.B });
  try {
    const record = await r.wake(DEVICE);
    const bytes = await r.device.inbox.next();
    assert.equal(verified(bytes, OptionProfile.B).notificationId, record.notificationId);
    assert.equal(decodeNotification(bytes).ok, false, "profile-A decoding does not accept these bytes");
  } finally {
    await r.close();
  }
});

test("no notification credentials: a typed error naming Auth/Noti, nothing sent or recorded, no id spent", async () => {
  for (const notification of [null, { type: 0, secret: new Uint8Array(), authData: new Uint8Array() }]) {
    const r = await rig({ notification });
    try {
      await assert.rejects(
        r.wake(DEVICE),
        (e: unknown) =>
          hasServerErrorCode(e, ServerErrorCode.NOTIFY_CREDENTIALS_MISSING) &&
          e.message.includes(DEVICE) &&
          /Auth\/Noti/.test(e.message),
      );
      assert.equal((await r.store.notifications.list()).items.length, 0);
      assert.equal(r.device.inbox.buffered.length, 0);
      assert.equal(await r.store.notifications.nextId(), 1, "the refused wake did not take an id");
    } finally {
      await r.close();
    }
  }
});

test("an unsupported Auth/Noti/Type is refused by name", async () => {
  const r = await rig({ notification: { ...CREDENTIALS, type: 7 } });
  try {
    await assert.rejects(
      r.wake(DEVICE),
      (e: unknown) => hasServerErrorCode(e, ServerErrorCode.NOTIFY_CREDENTIALS_MISSING) && /Type 7/.test(e.message),
    );
  } finally {
    await r.close();
  }
});

test("allowUnsigned: a device without credentials gets an unsigned notification", async () => {
  const r = await rig({ notification: null }, { allowUnsigned: true });
  try {
    const record = await r.wake(DEVICE);
    const decoded = decodeNotification(await r.device.inbox.next());
    assert.ok(decoded.ok);
    assert.equal(decoded.value.digest, undefined, "no SHA256-DIGEST option");
    assert.equal(decoded.value.notificationId, record.notificationId);
  } finally {
    await r.close();
  }
});

test("a failed send is recorded with its reason and rejects with a typed NotificationFailedError", async () => {
  const { store } = memoryStore();
  const listener = await udpListener();
  await store.devices.create({
    id: DEVICE,
    notification: CREDENTIALS,
    notifyAddress: { udp: { host: "127.0.0.1", port: listener.port } },
  });
  // A real sender whose datagram limit is below any signed Package#0: the send itself fails.
  const sender = createUdpNotificationSender({ maxDatagramBytes: 16, logger: createRecordingLogger().logger });
  const { logger, entries } = createRecordingLogger();
  const notifier = createNotifier({ store, senders: sender, clock: fixedClock(), logger }, { serverId: SERVER_ID });
  try {
    const error = await notifier.wake(DEVICE).then(
      () => assert.fail("the wake should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof NotificationFailedError);
    assert.equal(error.code, ServerErrorCode.NOTIFY_PAYLOAD_TOO_LARGE);
    assert.equal(error.httpStatus, 413);
    assert.match(error.message, /could not be sent/);
    assert.equal(error.record.outcome, "failed");
    assert.equal(error.record.transport, "udp");
    assert.match(error.record.error ?? "", /16-byte datagram limit/);
    assert.deepEqual((await store.notifications.list()).items, [error.record]);
    assert.equal((await entries.next()).message, "Package#0 send failed");
    assert.equal(listener.inbox.buffered.length, 0);
  } finally {
    await sender.close();
    await listener.close();
  }
});

test("a closed sender: failure recorded with NOTIFY_SENDER_CLOSED", async () => {
  const r = await rig();
  await r.sender.close();
  try {
    await assert.rejects(r.wake(DEVICE), (e: unknown) => {
      assert.ok(e instanceof NotificationFailedError);
      assert.equal(e.code, ServerErrorCode.NOTIFY_SENDER_CLOSED);
      return true;
    });
    const rec = (await r.store.notifications.list()).items[0];
    assert.ok(rec, "the failed attempt is recorded");
    assert.equal(rec.outcome, "failed");
    assert.match(rec.error ?? "", /closed/);
  } finally {
    await r.close();
  }
});

test("refusals before sending: unknown device, no address, no sender for the device's transport", async () => {
  const r = await rig();
  try {
    await assert.rejects(r.wake("IMEI:unknown"), (e: unknown) =>
      hasServerErrorCode(e, ServerErrorCode.DEVICE_NOT_FOUND),
    );
    await r.store.devices.create({ id: "no-address", notification: CREDENTIALS });
    await assert.rejects(
      r.wake("no-address"),
      (e: unknown) => hasServerErrorCode(e, ServerErrorCode.NOTIFY_NO_ADDRESS) && e.message.includes("no-address"),
    );
    await r.store.devices.create({
      id: "mqtt-only",
      notification: CREDENTIALS,
      notifyAddress: { mqtt: { topic: "t/1" } },
    });
    await assert.rejects(
      r.wake("mqtt-only"),
      (e: unknown) => hasServerErrorCode(e, ServerErrorCode.NOTIFY_TRANSPORT_UNSUPPORTED) && /mqtt/.test(e.message),
    );
    assert.equal((await r.store.notifications.list()).items.length, 0, "nothing recorded");
  } finally {
    await r.close();
  }
});

test("a bad serverId is refused when the notifier is created", () => {
  const deps = { store: memoryStore().store, senders: [], clock: fixedClock() };
  assert.throws(
    () => createNotifier(deps, { serverId: "" }),
    (e: unknown) => hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT),
  );
  assert.throws(
    () => createNotifier(deps, { serverId: "x".repeat(300) }),
    (e: unknown) => hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT) && /serverId/.test(e.message),
  );
});
