// Remote targets end to end over real TLS (docs/bootstrap.md "Remote targets"): two servers with their own
// stores — A with the bootstrap role, B a management server of another deployment whose REST API needs a token
// even from loopback. A rule at A names B as a target record (SrvID, SrvURI, API base URL, token, CA). A device
// with factory bootstrap credentials only bootstraps at A; A registers its fresh credentials at B through B's API
// before answering; the device opens its BootstrapComplete session at B and runs the command queued there. While
// B refuses A's token, the bootstrap is answered 503 with Retry-After and nothing is provisioned on either side.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createApiToken } from "@omadm/server";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";
import { openHandles } from "../../../test-support/async-inbox.js";
import { tempDir } from "./e2e-support/server-harness.js";
import {
  apiCall,
  MOID_DEVINFO,
  startBootstrapServer,
  startFactoryDevice,
  startManagementServer,
  type BootstrapServer,
  type TestDevice,
} from "./e2e-support/bootstrap-harness.js";

const skip = skipWithoutOpenssl();
const dir = tempDir("omadm-bootstrap-remote-");
const B_ID = "omadm-b";
const KEY = "4c".repeat(16);
let pki: FilePki;
let a: BootstrapServer;
let b: BootstrapServer;
let bToken: string;
const devices: TestDevice[] = [];

before(async () => {
  if (skip !== false) return;
  pki = await makeFilePki();
  a = await startBootstrapServer(join(dir.path, "a"), pki, async (store) => {
    await store.bootstrap.importCredentials([
      { secMode: 0, pskIdentity: "bs-remote", pskKeyHex: KEY, devIdPattern: "IMEI:38*" },
    ]);
  });
  b = await startManagementServer(join(dir.path, "b"), pki, B_ID);
  bToken = (await createApiToken(b.store, "bootstrap server A")).token;
});

after(async () => {
  for (const d of devices) await d.stop();
  await a?.stop(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
  await b?.stop(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition
  dir.remove();
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

const atA = (method: "GET" | "PUT" | "DELETE", path: string, body?: unknown) =>
  apiCall(a.base, pki.ca, method, path, body);

test(
  "a device bootstraps at A and runs a queued command at B, which learned its credentials through its API",
  { skip },
  async () => {
    // The target record: the token is write-only.
    const target = {
      srvId: B_ID,
      srvUri: b.dmUrl,
      apiBaseUrl: `${b.base}/api/v1`,
      token: "not-a-token-of-b",
      caPem: pki.ca,
    };
    let res = await atA("PUT", "/bootstrap/targets/b", target);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal((res.json as { tokenSet: boolean }).tokenSet, true);
    res = await atA("GET", "/bootstrap/targets");
    assert.equal((res.json as { items: unknown[] }).items.length, 1);
    assert.ok(!JSON.stringify(res.json).includes("not-a-token-of-b"), "the token is never shown");
    res = await atA("PUT", "/bootstrap/rules/to-b", {
      priority: 1,
      devIdPattern: "IMEI:38*",
      targets: [{ targetId: "b", name: "B", permittedMoids: [MOID_DEVINFO], auth: "digest", notification: true }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const rule = res.json as { targets: { srvId: string; srvUri: string; targetId: string }[] };
    assert.deepEqual(rule.targets[0] && [rule.targets[0].srvId, rule.targets[0].srvUri], [B_ID, b.dmUrl]);
    res = await atA("DELETE", "/bootstrap/targets/b");
    assert.equal(res.status, 409, "a target a rule uses cannot go");
    res = await atA("PUT", "/bootstrap/rules/nowhere", {
      ...{ priority: 2 },
      targets: [{ targetId: "x", name: "", permittedMoids: [MOID_DEVINFO], auth: "none", notification: false }],
    });
    assert.equal((res.json as { code: string }).code, "OMADM_SRV_BOOTSTRAP_TARGET_NOT_FOUND");

    // The operator of B queues a command for the device B has not seen yet.
    const devId = "IMEI:380000000000001";
    await b.store.devices.create({ id: devId });
    const queued = await b.store.commands.enqueue({ deviceId: devId, name: "GET", params: [`${MOID_DEVINFO}//Mod`] });

    const d = await startFactoryDevice(join(dir.path, "d1"), devId, a.bootstrapUrl, pki.caFile, {
      psk: { identity: "bs-remote", keyHex: KEY },
    });
    devices.push(d);

    // B refuses A's token: a clear 503 for the device to retry later, and nothing provisioned anywhere.
    const refused = await d.client.bootstrap();
    assert.equal(refused.kind === "aborted" && refused.reason.httpStatus, 503, JSON.stringify(refused));
    assert.match(refused.kind === "aborted" ? refused.reason.message : "", /503|unavailable/i);
    assert.equal((await a.store.bootstrap.listProvisions({ deviceId: devId })).items.length, 0);
    assert.equal(await a.store.devices.get(devId), null);
    assert.equal((await b.store.devices.get(devId))?.http, null, "B learned nothing");
    assert.deepEqual(
      d.client.accounts().map((x) => x.srvId),
      ["omadm-bootstrap"],
    );

    // With B's real token (the rest of the record unchanged), the device's next try provisions it.
    res = await atA("PUT", "/bootstrap/targets/b", { ...target, token: bToken });
    assert.equal(res.status, 200);
    res = await atA("PUT", "/bootstrap/targets/b", { ...target, token: undefined });
    assert.equal(res.status, 200, "left out: the stored token is kept");
    const sessionAtB = new Promise<unknown>((resolve) => {
      d.client.on("session", (o) => {
        if (o.serverId === B_ID) resolve(o);
      });
    });
    const boot = await d.client.bootstrap();
    assert.equal(boot.kind, "completed", `${JSON.stringify(boot)}\n${d.log.join("\n")}`);
    const complete = (await sessionAtB) as { kind: string; trigger: { kind: string } };
    assert.equal(complete.kind, "completed", JSON.stringify(complete));
    assert.equal(complete.trigger.kind, "bootstrap-complete");
    const done = await b.store.commands.get(queued.command.id);
    assert.equal(done?.state, "done");
    const atB = await b.store.devices.get(devId);
    assert.equal(atB?.http?.type, "digest");
    assert.equal(atB.notification?.type, 1, "B can wake it: it knows the Auth/Noti secret");
    assert.equal(await a.store.devices.get(devId), null, "A manages nothing of it");
    assert.equal((await a.store.bootstrap.listProvisions({ deviceId: devId })).items[0]?.state, "completed");

    // Re-bootstrap at A revokes the credentials at B at once.
    res = await apiCall(a.base, pki.ca, "POST", `/bootstrap/devices/${encodeURIComponent(devId)}/rebootstrap`, {
      wake: false,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal((res.json as { revoked: boolean }).revoked, true);
    assert.equal((await b.store.devices.get(devId))?.http, null);
  },
);
