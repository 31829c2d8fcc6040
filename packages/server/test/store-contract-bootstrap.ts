// Store contract: the bootstrap role (credentials, rules, assignments, provisions, single-use capabilities).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ServerErrorCode } from "../src/errors.js";
import { BootstrapSecMode, ProvisionState, type NewBootstrapRule } from "../src/store/types-bootstrap.js";
import { rejectsWith, type ContractTest } from "./store-contract-support.js";

const sha = (text: string): string => createHash("sha256").update(text).digest("hex");
const KEY = "00112233445566778899aabbccddeeff";
const FP = "ab".repeat(32);

const rule = (id: string, priority: number, extra: Partial<NewBootstrapRule> = {}): NewBootstrapRule => ({
  id,
  priority,
  targets: [
    {
      srvId: "omadm",
      srvUri: "https://dm.example/dm",
      name: "DM",
      permittedMoids: ["urn:oma:mo:oma-dm-devinfo:1.2"],
      auth: "digest",
      notification: true,
    },
  ],
  ...extra,
});

export function bootstrapContract(it: ContractTest): void {
  it("imports credentials all or nothing and finds them by PSK identity or certificate fingerprint", async (f) => {
    const b = f.store.bootstrap;
    const made = await b.importCredentials([
      { secMode: BootstrapSecMode.Psk, pskIdentity: "bs-1", pskKeyHex: KEY, deviceId: "IMEI:1", labels: { site: "a" } },
      { id: "batch", secMode: BootstrapSecMode.X509, certFingerprint: FP.toUpperCase(), devIdPattern: "IMEI:9*" },
    ]);
    assert.equal(made.length, 2);
    assert.deepEqual(made[1], {
      id: "batch",
      secMode: 2,
      pskIdentity: null,
      pskKeyHex: null,
      certFingerprint: FP,
      deviceId: null,
      devIdPattern: "IMEI:9*",
      labels: {},
      notiSecretHex: null,
      createdAt: f.clock.now(),
    });
    assert.equal((await b.findCredential({ pskIdentity: "bs-1" }))?.pskKeyHex, KEY);
    assert.equal((await b.findCredential({ certFingerprint: FP }))?.id, "batch");
    assert.equal(await b.findCredential({ pskIdentity: "nobody" }), null);
    assert.equal((await b.getCredential("batch"))?.devIdPattern, "IMEI:9*");
    assert.equal(await b.getCredential("nobody"), null);
    // A conflict anywhere in the batch stores nothing of it.
    await rejectsWith(
      b.importCredentials([
        { secMode: BootstrapSecMode.Psk, pskIdentity: "bs-2", pskKeyHex: KEY, deviceId: "IMEI:2" },
        { secMode: BootstrapSecMode.Psk, pskIdentity: "bs-1", pskKeyHex: KEY, deviceId: "IMEI:3" },
      ]),
      ServerErrorCode.BOOTSTRAP_CREDENTIAL_CONFLICT,
    );
    assert.equal(await b.findCredential({ pskIdentity: "bs-2" }), null);
    await rejectsWith(
      b.importCredentials([{ secMode: BootstrapSecMode.Psk, pskIdentity: "x", pskKeyHex: "zz", deviceId: "d" }]),
      ServerErrorCode.INVALID_INPUT,
    );
    await rejectsWith(
      b.importCredentials([{ secMode: BootstrapSecMode.Psk, pskIdentity: "x", pskKeyHex: KEY }]),
      ServerErrorCode.INVALID_INPUT,
    );
    const page = await b.listCredentials({ limit: 1 });
    assert.equal(page.items.length, 1);
    assert.ok(page.nextCursor !== null);
    const rest = await b.listCredentials({ cursor: page.nextCursor });
    assert.equal(rest.items.length, 1);
    assert.equal(await b.deleteCredential("batch"), true);
    assert.equal(await b.deleteCredential("batch"), false);
  });

  it("keeps rules by priority, replaces by id, and pins devices to rules", async (f) => {
    const b = f.store.bootstrap;
    await b.putRule(rule("z", 5, { devIdPattern: "IMEI:*", labels: { site: "a" }, devInfo: { Mod: "HG-1" } }));
    await b.putRule(rule("a", 10));
    const first = await b.putRule(rule("b", 5));
    assert.deepEqual(
      (await b.listRules()).map((r) => r.id),
      ["b", "z", "a"],
    );
    f.clock.advance(1000);
    const replaced = await b.putRule(rule("b", 1));
    assert.equal(replaced.createdAt, first.createdAt);
    assert.equal(replaced.updatedAt, f.clock.now());
    assert.deepEqual((await b.getRule("z"))?.devInfo, { Mod: "HG-1" });
    assert.equal((await b.getRule("z"))?.targets[0]?.auth, "digest");
    await rejectsWith(b.putRule({ ...rule("bad", 1), targets: [] }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(
      b.putRule({ ...rule("bad", 1), targets: [{ ...rule("x", 1).targets[0]!, permittedMoids: [] }] }),
      ServerErrorCode.INVALID_INPUT,
    );
    await b.assign("IMEI:1", "a");
    assert.equal(await b.assignment("IMEI:1"), "a");
    await rejectsWith(b.assign("IMEI:1", "missing"), ServerErrorCode.BOOTSTRAP_RULE_NOT_FOUND);
    assert.equal(await b.deleteRule("a"), true);
    assert.equal(await b.assignment("IMEI:1"), null);
    await b.assign("IMEI:1", "b");
    await b.assign("IMEI:1", null);
    assert.equal(await b.assignment("IMEI:1"), null);
  });

  it("serves a capability once, to its device, before it expires; a new provision supersedes a pending one", async (f) => {
    const b = f.store.bootstrap;
    const open = (device: string, n: string) =>
      b.openProvision({
        deviceId: device,
        credentialId: "c",
        ruleId: "r",
        sessionHash: sha(`s${n}`),
        targets: [{ srvId: "omadm", miid: `m${n}` }],
        capabilities: [{ tokenHash: sha(`t${n}`), payload: [{ ClientURI: "x", MOData: { secret: n } }] }],
        expiresAt: f.clock.now() + 60_000,
      });
    const p1 = await open("IMEI:1", "1");
    assert.equal(p1.state, ProvisionState.Pending);
    assert.equal(await b.takeCapability(sha("t1"), "IMEI:2"), null);
    assert.deepEqual(await b.takeCapability(sha("t1"), "IMEI:1"), [{ ClientURI: "x", MOData: { secret: "1" } }]);
    assert.equal(await b.takeCapability(sha("t1"), "IMEI:1"), null);
    assert.equal((await b.findProvisionBySession(sha("s1")))?.id, p1.id);
    await rejectsWith(open("IMEI:9", "1"), ServerErrorCode.INVALID_INPUT);

    const p2 = await open("IMEI:1", "2");
    assert.equal((await b.findProvisionBySession(sha("s1")))?.state, ProvisionState.Superseded);
    await rejectsWith(b.finishProvision(p1.id, "completed"), ServerErrorCode.BOOTSTRAP_PROVISION_NOT_PENDING);
    f.clock.advance(60_000);
    assert.equal(await b.takeCapability(sha("t2"), "IMEI:1"), null, "expired");
    const done = await b.finishProvision(p2.id, "completed");
    assert.equal(done.completedAt, f.clock.now());
    assert.deepEqual(done.targets, [{ srvId: "omadm", miid: "m2" }]);
    assert.equal((await b.lastCompleted("IMEI:1"))?.id, p2.id);
    assert.equal(await b.lastCompleted("IMEI:2"), null);
    await rejectsWith(b.finishProvision("nope", "failed"), ServerErrorCode.BOOTSTRAP_PROVISION_NOT_FOUND);

    const p3 = await open("IMEI:1", "3");
    await b.finishProvision(p3.id, "failed");
    assert.equal(await b.takeCapability(sha("t3"), "IMEI:1"), null, "a finished provision serves nothing");
    const list = await b.listProvisions({ deviceId: "IMEI:1", limit: 2 });
    assert.deepEqual(
      list.items.map((p) => p.id),
      [p3.id, p2.id],
    );
    const more = await b.listProvisions({ deviceId: "IMEI:1", cursor: list.nextCursor ?? undefined });
    assert.deepEqual(
      more.items.map((p) => p.id),
      [p1.id],
    );
  });

  it("rolls bootstrap changes back with the transaction and keeps them across a restart", async (f) => {
    await assert.rejects(
      f.store.transaction(async (tx) => {
        await tx.bootstrap.putRule(rule("r", 1));
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(await f.store.bootstrap.getRule("r"), null);
    await f.store.bootstrap.putRule(rule("r", 1));
    await f.store.bootstrap.importCredentials([
      { secMode: BootstrapSecMode.Psk, pskIdentity: "bs", pskKeyHex: KEY, deviceId: "IMEI:1" },
    ]);
    const again = await f.reopen();
    assert.equal((await again.bootstrap.getRule("r"))?.priority, 1);
    assert.equal((await again.bootstrap.findCredential({ pskIdentity: "bs" }))?.deviceId, "IMEI:1");
  });

  it("keeps remote targets: checked, replaced by id, kept across a restart, deleted", async (f) => {
    const b = f.store.bootstrap;
    const input = {
      id: "b",
      srvId: "omadm-b",
      srvUri: "https://dm-b.example/dm",
      apiBaseUrl: "https://dm-b.example/api/v1/",
      token: "tok-1",
    };
    await rejectsWith(b.putTarget({ ...input, apiBaseUrl: "ftp://x" }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(b.putTarget({ ...input, token: "" }), ServerErrorCode.INVALID_INPUT);
    await rejectsWith(b.putTarget({ ...input, caPem: "not pem" }), ServerErrorCode.INVALID_INPUT);
    assert.deepEqual(await b.listTargets(), []);
    const made = await b.putTarget(input);
    assert.equal(made.apiBaseUrl, "https://dm-b.example/api/v1", "the trailing slash is dropped");
    assert.equal(made.caPem, null);
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const replaced = await b.putTarget({ ...input, token: "tok-2", caPem: pem });
    assert.equal(replaced.createdAt, made.createdAt);
    assert.ok(replaced.updatedAt >= made.updatedAt);
    await b.putTarget({ ...input, id: "a" });
    assert.deepEqual(
      (await b.listTargets()).map((t) => t.id),
      ["a", "b"],
    );
    const again = await f.reopen();
    const kept = await again.bootstrap.getTarget("b");
    assert.equal(kept?.token, "tok-2");
    assert.equal(kept.caPem, pem);
    assert.equal(await again.bootstrap.deleteTarget("b"), true);
    assert.equal(await again.bootstrap.deleteTarget("b"), false);
    assert.equal(await again.bootstrap.getTarget("b"), null);
  });
}
