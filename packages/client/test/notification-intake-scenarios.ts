// The notification-intake scenarios every real transport runs (notification acceptance and each rejection
// reason, over UDP and over MQTT): a DmClient listening on the transport, a scripted DM server on
// 127.0.0.1 answering each Package#1 with END, and Package#0s sent by a real sender. Each accepted notification
// must open a session whose Package#1 carries ServerInitiatedMgmt with the NOTIFICATION-ID (and MOS when
// REQ-MOS); each rejected one must be reported with its reason, change nothing, and open no session.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { AT_SERVER_INIT, ConType, type Notification } from "@omadm/protocol";
import type { Inbox } from "../../../test-support/async-inbox.js";
import type { NotificationAcceptedEvent, NotificationDeferredEvent } from "../src/dm-client/events.js";
import { mutableBearerAvailability } from "../src/notification/bearer.js";
import { type RejectedNotification, RejectReason } from "../src/notification/intake.js";
import type { NotificationTransport } from "../src/notification/transports/notification-transport.js";
import type { DmClientDeps } from "../src/dm-client/dm-client-types.js";
import type { SessionOutcome } from "../src/session/session-types.js";
import { createMemoryStateStore } from "../src/state/state-store.js";
import {
  GATEWAY,
  SESSIONINFO,
  type TestClient,
  deviceJson,
  makeClient,
  notificationBytes,
  nowSeconds,
  p1Of,
  testConfig,
} from "./dm-client-fixtures.js";
import { type ScriptedServer, p2, startScriptedServer } from "./http-fixtures.js";

export interface TransportHarness {
  readonly name: string;
  /** Transports for the client; the one bound to "dm1" receives notifications without SERVER-ID. */
  makeTransports(): DmClientDeps["transports"];
  /** Called once the client listens: returns the sender. */
  connect(transports: readonly NotificationTransport[]): Promise<{
    readonly send: (bytes: Uint8Array) => Promise<void>;
    readonly close: () => Promise<void>;
  }>;
}

export function intakeScenarios(harness: TransportHarness, testOptions: { skip: string | false; timeout?: number }) {
  const opts = { timeout: 20_000, ...testOptions };
  let server: ScriptedServer | undefined;
  let t: TestClient | undefined;
  let send: (bytes: Uint8Array) => Promise<void> = () => Promise.reject(new Error("not connected"));
  let closeSender: () => Promise<void> = () => Promise.resolve();
  const bearer = mutableBearerAvailability([ConType.WIRELINE]);
  let accepted: Inbox<NotificationAcceptedEvent>;
  let deferred: Inbox<NotificationDeferredEvent>;
  let rejected: Inbox<RejectedNotification>;
  let sessions: Inbox<SessionOutcome>;
  const store = createMemoryStateStore();
  const warnings: { details: Record<string, unknown>; message: string }[] = [];
  const logger = {
    info(): void {},
    warn(details: Record<string, unknown>, message: string): void {
      warnings.push({ details, message });
    },
  };
  let nextId = 1000;

  before(async () => {
    if (opts.skip !== false) return;
    server = await startScriptedServer(() => p2(["END"]));
    const transports = harness.makeTransports();
    t = makeClient(testConfig(deviceJson(server.url("/dm"))), { store, transports, bearer, logger });
    accepted = t.events("notification-accepted");
    deferred = t.events("notification-deferred");
    rejected = t.events("notification-rejected");
    sessions = t.events("session");
    // The first session with each account is its BootstrapComplete (§14); the scenarios start after those.
    await t.client.start({ sendBootstrapComplete: true });
    await t.client.idle();
    for (let i = 0; i < 3; i++) {
      assert.equal((await sessions.next()).trigger.kind, "bootstrap-complete");
      await server.requests.next();
    }
    const list = (transports ?? []).map((x) => ("transport" in x ? x.transport : x));
    ({ send, close: closeSender } = await harness.connect(list));
  });

  after(async () => {
    await closeSender();
    await t?.close();
    await server?.close();
  });

  const ctx = (): { t: TestClient; server: ScriptedServer } => {
    assert.ok(t && server, "set up");
    return { t, server };
  };

  /** Sends a notification and checks the session it opens. */
  async function expectSession(n: Partial<Notification>, sign: Parameters<typeof notificationBytes>[1] = "dm1") {
    const { t: c, server: s } = ctx();
    await c.client.idle();
    const before = s.received.length;
    await send(notificationBytes(n, sign));
    const a = await accepted.next();
    const request = await s.requests.next();
    const outcome = await sessions.next();
    assert.equal(s.received.length, before + 1);
    return { accepted: a, request, p1: p1Of(request), outcome };
  }

  /** Sends a notification, expects its rejection, and shows that nothing changed and no session opened. */
  async function expectRejected(bytes: Uint8Array, reason: RejectReason): Promise<RejectedNotification> {
    const { t: c, server: s } = ctx();
    await c.client.idle();
    const savedBefore = store.bytes();
    const idsBefore = c.client.recentNotificationIds();
    const requestsBefore = s.received.length;
    await send(bytes);
    const r = await rejected.next();
    assert.equal(r.reason, reason, r.message);
    const logged = warnings.at(-1);
    assert.equal(logged?.details.reason, reason, "the drop is logged with its reason");
    assert.ok(logged.message.includes(r.message));
    assert.equal(r.source.transport, harness.name);
    assert.deepEqual(c.client.recentNotificationIds(), idsBefore, "a rejected NOTIFICATION-ID is not recorded");
    assert.deepEqual(store.bytes(), savedBefore, "a rejected notification changes nothing in the saved state");
    // A valid probe sent afterwards opens the next session: the rejected one opened none before it.
    const probe = nextId++;
    const next = await expectSession({ serverId: "dm1", notificationId: probe });
    assert.equal(s.received.length, requestsBefore + 1);
    assert.deepEqual(next.p1.Alert?.[0]?.Data, { "NOTIFICATION-ID": probe });
    return r;
  }

  test(
    `${harness.name}: an accepted notification opens a ServerInitiatedMgmt session carrying its id and MOS`,
    opts,
    async () => {
      const { t: c } = ctx();
      const id = nextId++;
      const s = await expectSession({
        serverId: "dm1",
        notificationId: id,
        reqMos: true,
        timestamp: nowSeconds(c.clock),
      });
      assert.equal(s.accepted.serverId, "dm1");
      assert.equal(s.accepted.notificationId, id);
      assert.equal(s.accepted.source.transport, harness.name);
      assert.equal(s.request.method, "POST");
      assert.equal(s.request.path, "/dm");
      assert.equal(s.request.headers["omadm-devid"], c.client.devId);
      assert.deepEqual(s.p1.Alert, [{ AlertType: AT_SERVER_INIT, DataType: "int", Data: { "NOTIFICATION-ID": id } }]);
      const mos = s.p1.MOS ?? [];
      assert.deepEqual(mos.find((m) => m.MOID === GATEWAY)?.MIID, ["main"], "REQ-MOS: the MOS array lists the MOs");
      assert.equal(s.outcome.kind, "completed");
      assert.equal(s.outcome.serverId, "dm1");
      assert.ok(c.client.recentNotificationIds().some((r) => r.srvId === "dm1" && r.notificationId === id));
    },
  );

  test(`${harness.name}: without REQ-MOS the Package#1 has no MOS array`, opts, async () => {
    const s = await expectSession({ serverId: "dm1", notificationId: nextId++ });
    assert.equal(s.p1.MOS, undefined);
  });

  test(`${harness.name}: an account with the seed's Credentials/Noti verifies the digest (§15)`, opts, async () => {
    const id = nextId++;
    const s = await expectSession({ serverId: "legacy", notificationId: id }, "legacy");
    assert.equal(s.accepted.serverId, "legacy");
    assert.deepEqual(s.p1.Alert?.[0]?.Data, { "NOTIFICATION-ID": id });
  });

  test(`${harness.name}: without SERVER-ID the account bound to the transport is used (§2.7)`, opts, async () => {
    const s = await expectSession({ notificationId: nextId++ });
    assert.equal(s.accepted.serverId, "dm1");
    assert.equal(s.outcome.serverId, "dm1");
  });

  test(`${harness.name}: bad bytes are rejected (decode)`, opts, async () => {
    const r = await expectRejected(new Uint8Array([0x12, 0x00, 0xff]), RejectReason.DECODE);
    assert.match(r.message, /VER/);
  });

  test(`${harness.name}: an unknown SERVER-ID is rejected`, opts, async () => {
    const r = await expectRejected(
      notificationBytes({ serverId: "nobody", notificationId: 1 }),
      RejectReason.UNKNOWN_SERVER,
    );
    assert.equal(r.serverId, "nobody");
  });

  test(`${harness.name}: a missing digest is rejected when the account has credentials`, opts, async () => {
    await expectRejected(
      notificationBytes({ serverId: "dm1", notificationId: 2 }, "none"),
      RejectReason.DIGEST_MISSING,
    );
  });

  test(`${harness.name}: a wrong digest is rejected`, opts, async () => {
    const r = await expectRejected(
      notificationBytes({ serverId: "dm1", notificationId: 3 }, "wrong"),
      RejectReason.DIGEST_MISMATCH,
    );
    assert.equal(r.notificationId, 3);
  });

  test(`${harness.name}: a digest for an account without credentials is rejected`, opts, async () => {
    await expectRejected(notificationBytes({ serverId: "plain", notificationId: 4 }), RejectReason.NO_CREDENTIALS);
  });

  test(`${harness.name}: neither credentials nor digest is rejected by default`, opts, async () => {
    await expectRejected(
      notificationBytes({ serverId: "plain", notificationId: 5 }, "none"),
      RejectReason.UNAUTHENTICATED,
    );
  });

  test(`${harness.name}: a duplicate (SERVER-ID, NOTIFICATION-ID) is dropped`, opts, async () => {
    const id = nextId++;
    await expectSession({ serverId: "dm1", notificationId: id });
    await expectRejected(notificationBytes({ serverId: "dm1", notificationId: id }), RejectReason.DUPLICATE);
  });

  test(`${harness.name}: a stale TIMESTAMP is dropped`, opts, async () => {
    const { t: c } = ctx();
    const stale = nowSeconds(c.clock) - 3601;
    await expectRejected(
      notificationBytes({ serverId: "dm1", notificationId: 6, timestamp: stale }),
      RejectReason.STALE,
    );
  });

  test(`${harness.name}: a TIMESTAMP too far in the future is dropped`, opts, async () => {
    const { t: c } = ctx();
    const future = nowSeconds(c.clock) + 301;
    await expectRejected(
      notificationBytes({ serverId: "dm1", notificationId: 7, timestamp: future }),
      RejectReason.FUTURE,
    );
  });

  test(`${harness.name}: a preferred bearer that is down defers the session until it comes up`, opts, async () => {
    const { t: c, server: s } = ctx();
    await c.client.idle();
    const before = s.received.length;
    const id = nextId++;
    await send(notificationBytes({ serverId: "dm1", notificationId: id, preferredConTypes: [ConType.WLAN] }));
    const d = await deferred.next();
    assert.deepEqual(d.preferred, [ConType.WLAN]);
    assert.equal(d.notificationId, id);
    assert.equal(s.received.length, before, "no session while the bearer is down");
    // The id is already recorded: a copy sent while waiting is a duplicate, not a second waiting session.
    await send(notificationBytes({ serverId: "dm1", notificationId: id, preferredConTypes: [ConType.WLAN] }));
    assert.equal((await rejected.next()).reason, RejectReason.DUPLICATE);
    bearer.set([ConType.WIRELINE, ConType.WLAN]);
    const a = await accepted.next();
    assert.equal(a.bearer, ConType.WLAN);
    const p1 = p1Of(await s.requests.next());
    assert.deepEqual(p1.Alert?.[0]?.Data, { "NOTIFICATION-ID": id });
    await sessions.next();
    const sessionInfo = c.client.tree.instances(SESSIONINFO)[0] ?? "";
    assert.equal(
      c.client.tree.getValue(SESSIONINFO, sessionInfo, ["CBT"]),
      ConType.WLAN,
      "SessionInfo/CBT is the bearer",
    );
    bearer.set([ConType.WIRELINE]);
  });
}
