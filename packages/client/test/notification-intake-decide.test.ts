// The pure Package#0 intake (docs/protocol.md §2.4, §2.5 policy table, §2.7): every accept/defer/reject path, the
// duplicate cache's 24 h / 256-entry rules, and the bearer choice of PREFERRED-CON-TYPE.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConType, encodeNotification, signNotification, type Notification } from "@omadm/protocol";
import { chooseBearer } from "../src/notification/bearer.js";
import {
  type IntakeContext,
  type IntakeDecision,
  IntakeKind,
  RejectReason,
  evaluateNotification,
} from "../src/notification/intake.js";
import { RECENT_ID_TTL_MS, createRecentNotificationIds } from "../src/notification/recent-ids.js";
import type { DmAccount } from "../src/tree/dmacc.js";

const enc = new TextEncoder();
const secret = enc.encode("server secret");
const data = enc.encode("auth data");
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const SOURCE = { transport: "udp", address: "127.0.0.1:5000" };

const withNoti: DmAccount = {
  miid: "a1",
  srvId: "dm1",
  srvUri: "https://dm1.example/dm",
  name: "dm1",
  permittedMoids: [],
  noti: { type: 1, secret, data },
};
const seedNoti: DmAccount = { ...withNoti, miid: "a2", srvId: "legacy", noti: { type: undefined, secret, data } };
const noNoti: DmAccount = { miid: "a3", srvId: "plain", srvUri: "https://p.example/dm", name: "p", permittedMoids: [] };
const typeNone: DmAccount = { ...withNoti, miid: "a4", srvId: "typezero", noti: { type: 0, secret, data } };
const typeOther: DmAccount = { ...withNoti, miid: "a5", srvId: "type7", noti: { type: 7, secret, data } };
const ACCOUNTS = [withNoti, seedNoti, noNoti, typeNone, typeOther];

function ctx(over: Partial<IntakeContext> = {}): IntakeContext {
  return {
    accounts: ACCOUNTS,
    isDuplicate: () => false,
    availableBearers: [ConType.WIRELINE],
    now: NOW,
    ...over,
  };
}

function n(over: Partial<Notification>): Notification {
  return { reqMos: false, unknownOptions: [], ...over };
}

const signed = (over: Partial<Notification>, key = secret): Uint8Array =>
  signNotification(n(over), { secret: key, authData: data });

function rejected(d: IntakeDecision): RejectReason {
  if (d.kind !== IntakeKind.Reject) assert.fail(`expected a rejection, got ${d.kind}`);
  return d.reason;
}

test("a signed notification for an account with Auth/Noti is accepted with its id, REQ-MOS and bearer", () => {
  const d = evaluateNotification(signed({ serverId: "dm1", notificationId: 4660, reqMos: true }), SOURCE, ctx());
  assert.equal(d.kind, IntakeKind.Accept);
  assert.equal(d.account.srvId, "dm1");
  assert.equal(d.notificationId, 4660);
  assert.equal(d.reqMos, true);
  assert.equal(d.bearer, ConType.WIRELINE);
  assert.deepEqual(d.source, SOURCE);
});

test("bytes that are not a DM 2.0 Package#0 are rejected as decode errors", () => {
  for (const bytes of [new Uint8Array([]), new Uint8Array([0x12, 0x00]), new Uint8Array([0x20, 0x80])]) {
    const d = evaluateNotification(bytes, SOURCE, ctx());
    assert.equal(rejected(d), RejectReason.DECODE);
  }
});

test("SERVER-ID naming no account is rejected as unknown-server", () => {
  assert.equal(
    rejected(evaluateNotification(signed({ serverId: "nobody" }), SOURCE, ctx())),
    RejectReason.UNKNOWN_SERVER,
  );
});

test("§2.7 step 1: without SERVER-ID the transport-bound account, else the only account, else rejected", () => {
  const bytes = signed({ notificationId: 1 });
  const bound = evaluateNotification(bytes, SOURCE, ctx({ boundServerId: "dm1" }));
  assert.equal(bound.kind, IntakeKind.Accept);
  const only = evaluateNotification(bytes, SOURCE, ctx({ accounts: [withNoti] }));
  assert.equal(only.kind === IntakeKind.Accept ? only.account.srvId : only.kind, "dm1");
  assert.equal(rejected(evaluateNotification(bytes, SOURCE, ctx())), RejectReason.UNKNOWN_SERVER);
  assert.equal(rejected(evaluateNotification(bytes, SOURCE, ctx({ accounts: [] }))), RejectReason.UNKNOWN_SERVER);
  const gone = evaluateNotification(bytes, SOURCE, ctx({ boundServerId: "deleted" }));
  assert.equal(rejected(gone), RejectReason.UNKNOWN_SERVER);
});

test("§2.5 table row 1: credentials + digest → verified; a wrong digest is rejected", () => {
  const bad = evaluateNotification(signed({ serverId: "dm1" }, enc.encode("other")), SOURCE, ctx());
  assert.equal(rejected(bad), RejectReason.DIGEST_MISMATCH);
  // A flipped byte anywhere after signing breaks the digest too.
  const bytes = signed({ serverId: "dm1", notificationId: 9 });
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
  assert.notEqual(evaluateNotification(bytes, SOURCE, ctx()).kind, IntakeKind.Accept);
});

test("§2.5 table row 2: credentials, no digest → rejected as digest-missing", () => {
  const d = evaluateNotification(encodeNotification(n({ serverId: "dm1" })), SOURCE, ctx());
  assert.equal(rejected(d), RejectReason.DIGEST_MISSING);
});

test("§2.5 table row 3: a digest but no credentials → rejected as no-credentials", () => {
  assert.equal(
    rejected(evaluateNotification(signed({ serverId: "plain" }), SOURCE, ctx())),
    RejectReason.NO_CREDENTIALS,
  );
});

test("§2.5 table row 4: neither → rejected unless unauthenticated notifications are allowed", () => {
  const bytes = encodeNotification(n({ serverId: "plain" }));
  assert.equal(rejected(evaluateNotification(bytes, SOURCE, ctx())), RejectReason.UNAUTHENTICATED);
  const allowed = evaluateNotification(bytes, SOURCE, ctx(), { allowUnauthenticated: true });
  assert.equal(allowed.kind, IntakeKind.Accept);
});

test("§15: the seed's Credentials/Noti credentials (no Type) verify like Auth/Noti", () => {
  assert.equal(evaluateNotification(signed({ serverId: "legacy" }), SOURCE, ctx()).kind, IntakeKind.Accept);
  const unsigned = encodeNotification(n({ serverId: "legacy" }));
  assert.equal(rejected(evaluateNotification(unsigned, SOURCE, ctx())), RejectReason.DIGEST_MISSING);
});

test("Auth/Noti/Type 0 means no authentication; an unknown Type is refused", () => {
  const unsigned = encodeNotification(n({ serverId: "typezero" }));
  assert.equal(rejected(evaluateNotification(unsigned, SOURCE, ctx())), RejectReason.UNAUTHENTICATED);
  assert.equal(evaluateNotification(unsigned, SOURCE, ctx(), { allowUnauthenticated: true }).kind, IntakeKind.Accept);
  assert.equal(
    rejected(evaluateNotification(signed({ serverId: "typezero" }), SOURCE, ctx())),
    RejectReason.NO_CREDENTIALS,
  );
  const other = evaluateNotification(signed({ serverId: "type7" }), SOURCE, ctx());
  assert.equal(rejected(other), RejectReason.AUTH_TYPE_UNSUPPORTED);
});

test("TIMESTAMP: the window edges (3600 s old, 300 s ahead) are accepted, one second beyond is rejected", () => {
  const t = Math.floor(NOW / 1000);
  const at = (timestamp: number): IntakeDecision =>
    evaluateNotification(signed({ serverId: "dm1", timestamp }), SOURCE, ctx());
  assert.equal(at(t - 3600).kind, IntakeKind.Accept);
  assert.equal(rejected(at(t - 3601)), RejectReason.STALE);
  assert.equal(at(t + 300).kind, IntakeKind.Accept);
  assert.equal(rejected(at(t + 301)), RejectReason.FUTURE);
  const narrow = evaluateNotification(signed({ serverId: "dm1", timestamp: t - 11 }), SOURCE, ctx(), {
    maxAgeSeconds: 10,
  });
  assert.equal(rejected(narrow), RejectReason.STALE);
});

test("a (SERVER-ID, NOTIFICATION-ID) already seen is a duplicate; another server's same id is not", () => {
  const seen = new Set(["dm1/7"]);
  const c = ctx({ isDuplicate: (s, id) => seen.has(`${s}/${id}`) });
  assert.equal(
    rejected(evaluateNotification(signed({ serverId: "dm1", notificationId: 7 }), SOURCE, c)),
    RejectReason.DUPLICATE,
  );
  assert.equal(evaluateNotification(signed({ serverId: "dm1", notificationId: 8 }), SOURCE, c).kind, IntakeKind.Accept);
  assert.equal(
    evaluateNotification(signed({ serverId: "legacy", notificationId: 7 }), SOURCE, c).kind,
    IntakeKind.Accept,
  );
});

test("an unauthenticated copy of a seen id is rejected for its digest, not as a duplicate (no cache probing)", () => {
  const c = ctx({ isDuplicate: () => true });
  const d = evaluateNotification(signed({ serverId: "dm1", notificationId: 7 }, enc.encode("x")), SOURCE, c);
  assert.equal(rejected(d), RejectReason.DIGEST_MISMATCH);
});

test("PREFERRED-CON-TYPE: the first available preferred bearer; none → defer; ANY_AVAILABLE → any", () => {
  const pref = (preferredConTypes: ConType[], availableBearers: ConType[]): IntakeDecision =>
    evaluateNotification(signed({ serverId: "dm1", preferredConTypes }), SOURCE, ctx({ availableBearers }));
  const both = pref([ConType.WLAN, ConType.WIRELINE], [ConType.WIRELINE, ConType.WLAN]);
  assert.equal(both.kind === IntakeKind.Accept ? both.bearer : undefined, ConType.WLAN);
  const second = pref([ConType.CELLULAR, ConType.WIRELINE], [ConType.WIRELINE]);
  assert.equal(second.kind === IntakeKind.Accept ? second.bearer : undefined, ConType.WIRELINE);
  const wait = pref([ConType.CELLULAR], [ConType.WIRELINE]);
  assert.equal(wait.kind, IntakeKind.Defer);
  assert.deepEqual(wait.preferred, [ConType.CELLULAR]);
  const any = pref([ConType.CELLULAR, ConType.ANY_AVAILABLE], [ConType.WIRELINE]);
  assert.equal(any.kind === IntakeKind.Accept ? any.bearer : undefined, ConType.WIRELINE);
  assert.equal(pref([ConType.ANY_AVAILABLE], []).kind, IntakeKind.Defer);
});

test("chooseBearer: never picks an unavailable bearer; defers only when no listed bearer (or any, for 0) is up", () => {
  const bearer = fc.constantFrom<ConType>(ConType.CELLULAR, ConType.WLAN, ConType.WIRELINE);
  fc.assert(
    fc.property(fc.uniqueArray(bearer, { maxLength: 3 }), fc.uniqueArray(bearer), fc.boolean(), (pref, up, any) => {
      const preferred: ConType[] = any ? [...pref, ConType.ANY_AVAILABLE] : pref;
      const c = chooseBearer(preferred, up);
      const anyOk = any || preferred.length === 0;
      if (c.kind === "use") {
        assert.ok(up.includes(c.bearer));
        const firstListed = pref.find((b) => up.includes(b));
        if (firstListed !== undefined) assert.equal(c.bearer, firstListed);
      } else {
        assert.ok(!pref.some((b) => up.includes(b)));
        assert.ok(!anyOk || up.length === 0);
      }
    }),
  );
});

test("the duplicate cache remembers an id for the whole acceptance window, never evicting it for a count", () => {
  assert.equal(RECENT_ID_TTL_MS, (3600 + 300) * 1000, "maxAgeSeconds + maxFutureSeconds by default");
  const cache = createRecentNotificationIds([], { capacityPerAccount: 300 });
  cache.record("dm1", 1, NOW);
  assert.equal(cache.has("dm1", 1, NOW + RECENT_ID_TTL_MS - 1), true);
  assert.equal(cache.has("dm1", 1, NOW + RECENT_ID_TTL_MS), false);
  assert.equal(cache.has("dm2", 1, NOW), false);
  // 299 newer ids fill the account's cap: the first is still remembered, and the account is now full.
  for (let i = 2; i <= 300; i++) cache.record("dm1", i, NOW + i);
  assert.equal(cache.has("dm1", 1, NOW + 1000), true, "the oldest id is still inside its window");
  assert.equal(cache.isFull("dm1", NOW + 1000), true);
  assert.equal(cache.isFull("dm2", NOW + 1000), false, "the cap is per account");
  // Once the oldest ids age out, room comes back.
  assert.equal(cache.isFull("dm1", NOW + RECENT_ID_TTL_MS + 2), false);
  assert.equal(cache.records(NOW + RECENT_ID_TTL_MS + 2).length, 298);
});

test("a notification from an account whose window is full is refused (too-many), not remembered over an old id", () => {
  const bytes = encodeNotification(n({ serverId: "plain", notificationId: 9 }));
  const d = evaluateNotification(bytes, SOURCE, ctx({ accounts: [noNoti], isFull: () => true }), {
    allowUnauthenticated: true,
  });
  assert.deepEqual([d.kind, "reason" in d ? d.reason : undefined], [IntakeKind.Reject, RejectReason.TOO_MANY]);
});

test("the duplicate cache round-trips through its records (what the persistent state saves)", () => {
  const a = createRecentNotificationIds();
  a.record("dm1", 5, NOW);
  a.record("legacy", 5, NOW + 10);
  const b = createRecentNotificationIds(a.records(NOW + 20));
  assert.equal(b.has("dm1", 5, NOW + 20), true);
  assert.equal(b.has("legacy", 5, NOW + 20), true);
  assert.equal(b.has("dm1", 6, NOW + 20), false);
  assert.equal(createRecentNotificationIds(a.records(NOW), { ttlMs: 5 }).size, 1, "aged-out records are dropped");
});

test("evaluateNotification is total: arbitrary bytes give a decision, never an exception", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const d = evaluateNotification(bytes, SOURCE, ctx({ accounts: [noNoti] }), { allowUnauthenticated: true });
      assert.ok([IntakeKind.Accept, IntakeKind.Defer, IntakeKind.Reject].includes(d.kind));
    }),
  );
});
