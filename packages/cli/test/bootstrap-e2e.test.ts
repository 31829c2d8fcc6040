// Zero-touch provisioning end to end over real TLS (docs/bootstrap.md; docs/protocol.md §14, §11.3): the server
// with its bootstrap role (in-process, SQLite) and devices built with the project's DmClient from a factory config
// that holds bootstrap credentials only. A device bootstraps (PSK-TLS or an X.509 certificate), opens its
// BootstrapComplete session at the management server with its new Digest password and runs a queued command;
// wrong keys and foreign DevIDs are refused; the management server cannot touch the bootstrap keys; a
// re-bootstrap (server-initiated, and the client's fallback after refused sessions) rotates the credentials so
// that the old password is refused.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { Agent, request } from "undici";
import type { DmAccount, SessionOutcome } from "@omadm/client";
// The session runner is internal to @omadm/client; it and its HTTP client come from the sources by path (as in
// tls-e2e.test.ts), so one copy of each module is loaded.
import { createUndiciHttpClient } from "../../client/src/http/undici-http-client.js";
import { createAlertOutbox } from "../../client/src/session/alert-outbox.js";
import { runSession } from "../../client/src/session/session-runner.js";
import { certificateFingerprint } from "@omadm/server";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";
import { openHandles } from "../../../test-support/async-inbox.js";
import { tempDir } from "./e2e-support/server-harness.js";
import {
  BOOTSTRAP_ID,
  MGMT_ID,
  MOID_DEVINFO,
  MOID_DMACC,
  startBootstrapServer,
  startFactoryDevice,
  type BootstrapServer,
  type TestDevice,
} from "./e2e-support/bootstrap-harness.js";

const skip = skipWithoutOpenssl();
const dir = tempDir("omadm-bootstrap-e2e-");
let pki: FilePki;
let srv: BootstrapServer;
const devices: TestDevice[] = [];
const KEY = (n: number) => n.toString(16).padStart(2, "0").repeat(16);
const NOTI = "6e".repeat(16);

before(async () => {
  if (skip !== false) return;
  pki = await makeFilePki();
  srv = await startBootstrapServer(join(dir.path, "server"), pki);
  await srv.store.bootstrap.putRule({
    id: "default",
    priority: 10,
    devIdPattern: "IMEI:35*",
    targets: [
      {
        srvId: MGMT_ID,
        srvUri: srv.dmUrl,
        name: "management",
        // DMAcc too, so that the §11.3 refusal below is the bootstrap-key rule and not an unprovisioned MOID.
        permittedMoids: [MOID_DEVINFO, MOID_DMACC],
        auth: "digest",
        notification: true,
      },
    ],
  });
});

after(async () => {
  for (const d of devices) await d.stop();
  await srv?.stop(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition
  dir.remove();
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

/** Resolves with `p`, or fails the test after `ms`. */
async function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The next session event with `serverId` (earlier ones of other servers are skipped). */
async function nextSession(d: TestDevice, serverId: string): Promise<SessionOutcome> {
  for (;;) {
    const o = await within(d.sessions.next(), `a session with ${serverId}\n${d.log.join("\n")}`);
    if (o.serverId === serverId) return o;
  }
}

/** Through the API, which also tells the PSK-TLS handshake about the new identity. */
async function importPsk(devId: string, identity: string, keyHex: string): Promise<void> {
  const res = await api("POST", "/bootstrap/credentials", {
    credentials: [{ secMode: 0, pskIdentity: identity, pskKeyHex: keyHex, deviceId: devId, notiSecretHex: NOTI }],
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
}

async function api(method: "POST" | "PUT", path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const dispatcher = new Agent({ connect: { ca: pki.ca } });
  try {
    const res = await request(`${srv.base}/api/v1${path}`, {
      method,
      dispatcher,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.statusCode, json: await res.body.json() };
  } finally {
    await dispatcher.close();
  }
}

async function factoryDevice(devId: string, creds: Parameters<typeof startFactoryDevice>[4], fallback?: number) {
  const d = await startFactoryDevice(
    join(dir.path, devId.replace(/\W/g, "_")),
    devId,
    srv.bootstrapUrl,
    pki.caFile,
    creds,
    {
      ...(fallback === undefined ? {} : { bootstrapAfterAuthFailures: fallback }),
    },
  );
  devices.push(d);
  return d;
}

/** One session at the management server with these Digest credentials (the client's session runner alone). */
async function oneSession(devId: string, httpAuth: DmAccount["httpAuth"]): Promise<SessionOutcome> {
  const http = createUndiciHttpClient({ ca: pki.ca });
  try {
    return await runSession(
      {
        http,
        executor: { execute: () => Promise.resolve({ status: { sc: 200 } }) },
        outbox: createAlertOutbox(),
        devId,
        account: { srvId: MGMT_ID, srvUri: srv.dmUrl, ...(httpAuth === undefined ? {} : { httpAuth }) },
        mos: () => [],
        clock: { now: () => Date.now() },
        logger: { warn: () => undefined },
      },
      { kind: "client-initiated" },
    );
  } finally {
    await http.close();
  }
}

function managementAccount(d: TestDevice) {
  const a = d.client.accounts().find((x) => x.srvId === MGMT_ID);
  assert.ok(a, `no ${MGMT_ID} account: ${JSON.stringify(d.client.accounts().map((x) => x.srvId))}`);
  return a;
}

test(
  "PSK: a device with factory bootstrap credentials only bootstraps, opens BootstrapComplete and runs a queued command",
  { skip },
  async () => {
    const devId = "IMEI:350000000000001";
    await importPsk(devId, "bs-0001", KEY(1));
    // The operator queues a command for a device that has never been seen.
    const imported = await api("POST", "/bootstrap/credentials", {
      credentials: [{ secMode: 0, pskIdentity: "bs-0001-spare", pskKeyHex: KEY(9), deviceId: "IMEI:359999" }],
    });
    assert.equal(imported.status, 201, JSON.stringify(imported.json));
    assert.equal((imported.json as { items: { pskKeySet: boolean }[] }).items[0]?.pskKeySet, true);
    assert.ok(!JSON.stringify(imported.json).includes(KEY(9)), "the key never comes back");
    await srv.store.devices.create({ id: devId });
    const queued = await srv.store.commands.enqueue({ deviceId: devId, name: "GET", params: [`${MOID_DEVINFO}//Mod`] });

    const d = await factoryDevice(devId, { psk: { identity: "bs-0001", keyHex: KEY(1) } });
    const boot = await within(d.client.bootstrap(), "the bootstrap session");
    assert.equal(boot.kind, "completed", JSON.stringify(boot));
    const names = boot.commands.map((c) => `${c.item[0]} ${c.status.sc}`);
    assert.deepEqual(names, ["CONT 200", "HGET 200", "END 200"]);
    const account = managementAccount(d);
    assert.equal(account.srvUri, srv.dmUrl);
    assert.deepEqual(account.permittedMoids, [MOID_DEVINFO, MOID_DMACC]);
    assert.equal(account.httpAuth?.type, "DIGEST");

    const complete = await nextSession(d, MGMT_ID);
    assert.equal(complete.kind, "completed", `${JSON.stringify(complete)}\n${d.log.join("\n")}`);
    assert.equal(complete.trigger.kind, "bootstrap-complete");
    const done = await srv.store.commands.get(queued.command.id);
    assert.equal(done?.state, "done");
    assert.equal(done.statusCode, 200);

    const stored = await srv.store.devices.get(devId);
    assert.equal(stored?.http?.type, "digest");
    assert.equal(JSON.stringify(stored).includes(new TextDecoder().decode(account.httpAuth.secret)), false, "HA1 only");
    const provisions = await srv.store.bootstrap.listProvisions({ deviceId: devId });
    assert.equal(provisions.items[0]?.state, "completed");

    // The capability URL answers only a connection that proved a bootstrap credential (and only once).
    const hget = boot.commands.find((c) => c.item[0] === "HGET");
    assert.ok(hget?.item[1]?.startsWith(`${srv.bootstrapUrl}/c/`));
    const plain = new Agent({ connect: { ca: pki.ca } });
    try {
      const res = await request(hget?.item[1] ?? "", { dispatcher: plain, headers: { "omadm-devid": devId } });
      const problem = (await res.body.json()) as { code: string };
      assert.equal(res.statusCode, 403);
      assert.equal(problem.code, "OMADM_SRV_BOOTSTRAP_FORBIDDEN");
    } finally {
      await plain.close();
    }
  },
);

test(
  "wrong bootstrap keys, an unknown identity and a foreign DevID are refused and provision nothing",
  { skip },
  async () => {
    const devId = "IMEI:350000000000002";
    await importPsk(devId, "bs-0002", KEY(2));
    const wrongKey = await factoryDevice(devId, { psk: { identity: "bs-0002", keyHex: KEY(3) } });
    const r1 = await within(wrongKey.client.bootstrap(), "the wrong-key session");
    assert.equal(r1.kind === "aborted" && r1.reason.code, "transport", JSON.stringify(r1));

    const unknown = await factoryDevice("IMEI:350000000000003", { psk: { identity: "nobody", keyHex: KEY(2) } });
    const r2 = await within(unknown.client.bootstrap(), "the unknown-identity session");
    assert.equal(r2.kind === "aborted" && r2.reason.code, "transport");

    // A valid credential presented for another DevID: 403 BOOTSTRAP_FORBIDDEN.
    const foreign = await factoryDevice("IMEI:350000000000004", { psk: { identity: "bs-0002", keyHex: KEY(2) } });
    const r3 = await within(foreign.client.bootstrap(), "the foreign-DevID session");
    assert.equal(r3.kind === "aborted" && r3.reason.httpStatus, 403, JSON.stringify(r3));
    for (const id of [devId, "IMEI:350000000000003", "IMEI:350000000000004"]) {
      assert.equal((await srv.store.bootstrap.listProvisions({ deviceId: id })).items.length, 0);
      assert.equal(await srv.store.devices.get(id), null);
    }
  },
);

test("X.509: a device certificate registered as a bootstrap credential bootstraps", { skip }, async () => {
  const devId = "IMEI:350000000000005";
  const res = await api("POST", "/bootstrap/credentials", {
    credentials: [{ secMode: 2, certificate: pki.deviceA.cert, deviceId: devId }],
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  assert.equal(
    (res.json as { items: { certFingerprint: string }[] }).items[0]?.certFingerprint,
    certificateFingerprint(pki.deviceA.cert),
  );
  const d = await factoryDevice(devId, { cert: { certFile: pki.deviceA.certFile, keyFile: pki.deviceA.keyFile } });
  const boot = await within(d.client.bootstrap(), "the X.509 bootstrap");
  assert.equal(boot.kind, "completed", `${JSON.stringify(boot)}\n${d.log.join("\n")}`);
  const complete = await nextSession(d, MGMT_ID);
  assert.equal(complete.kind, "completed", JSON.stringify(complete));
  // deviceB's certificate is no bootstrap credential.
  const other = await factoryDevice("IMEI:350000000000006", {
    cert: { certFile: pki.deviceB.certFile, keyFile: pki.deviceB.keyFile },
  });
  const refused = await within(other.client.bootstrap(), "deviceB's bootstrap");
  assert.equal(refused.kind === "aborted" && refused.reason.httpStatus, 403, JSON.stringify(refused));
});

test("the management server cannot change the bootstrap keys (§11.3)", { skip }, async () => {
  const devId = "IMEI:350000000000007";
  await importPsk(devId, "bs-0007", KEY(7));
  const d = await factoryDevice(devId, { psk: { identity: "bs-0007", keyHex: KEY(7) } });
  assert.equal((await within(d.client.bootstrap(), "bootstrap")).kind, "completed");
  assert.equal((await nextSession(d, MGMT_ID)).kind, "completed");
  const del = await srv.store.commands.enqueue({
    deviceId: devId,
    name: "DELETE",
    params: [`${MOID_DMACC}/factory/Auth/Bootstrap`],
  });
  const outcome = await within(d.client.runSession(MGMT_ID), "the management session");
  assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
  const result = await srv.store.commands.get(del.command.id);
  assert.equal(result?.statusCode, 403, JSON.stringify(result));
  assert.ok(d.client.accounts().find((a) => a.srvId === BOOTSTRAP_ID)?.bootstrap, "the keys are still there");
});

test("re-bootstrap: a server-initiated bootstrap rotates the password; the old one is refused", { skip }, async () => {
  const devId = "IMEI:350000000000008";
  await importPsk(devId, "bs-0008", KEY(8));
  const d = await factoryDevice(devId, { psk: { identity: "bs-0008", keyHex: KEY(8) }, notiSecretHex: NOTI });
  assert.equal((await within(d.client.bootstrap(), "bootstrap")).kind, "completed");
  assert.equal((await nextSession(d, MGMT_ID)).kind, "completed");
  const before = managementAccount(d);
  await srv.store.devices.update(devId, { notifyAddress: { udp: { host: "127.0.0.1", port: d.udpPort } } });

  const res = await api("POST", `/bootstrap/devices/${encodeURIComponent(devId)}/rebootstrap`, {});
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.deepEqual(res.json, { deviceId: devId, ruleId: null, revoked: true, notified: true, notifyError: null });
  const boot = await nextSession(d, BOOTSTRAP_ID);
  assert.equal(boot.kind, "completed", `${JSON.stringify(boot)}\n${d.log.join("\n")}`);
  assert.equal(boot.trigger.kind, "server-initiated");
  assert.deepEqual(
    boot.commands.map((c) => `${c.item[0]} ${c.status.sc}`),
    ["CONT 200", "DELETE 200", "HGET 200", "END 200"],
  );
  const complete = await nextSession(d, MGMT_ID);
  assert.equal(complete.kind, "completed");
  const after = managementAccount(d);
  assert.notEqual(after.miid, before.miid);
  assert.notDeepEqual(after.httpAuth?.secret, before.httpAuth?.secret);
  assert.equal(d.client.accounts().filter((a) => a.srvId === MGMT_ID).length, 1, "the old account is gone");

  // The old password, presented by a device that kept it, is refused; the new one is taken.
  const withOld = await oneSession(devId, before.httpAuth);
  assert.equal(withOld.kind === "aborted" && withOld.reason.code, "auth-rejected", JSON.stringify(withOld));
  assert.equal((await oneSession(devId, after.httpAuth)).kind, "completed");
});

test("fallback: after repeated authentication refusals the device bootstraps again", { skip }, async () => {
  const devId = "IMEI:350000000000010";
  await importPsk(devId, "bs-0010", KEY(10));
  const d = await factoryDevice(devId, { psk: { identity: "bs-0010", keyHex: KEY(10) } }, 2);
  assert.equal((await within(d.client.bootstrap(), "bootstrap")).kind, "completed");
  assert.equal((await nextSession(d, MGMT_ID)).kind, "completed");
  const res = await api("POST", `/bootstrap/devices/${encodeURIComponent(devId)}/rebootstrap`, { wake: false });
  assert.equal((res.json as { notified: boolean }).notified, false);
  for (let i = 0; i < 2; i++) {
    const refused = await within(d.client.runSession(MGMT_ID), "a refused session");
    assert.equal(refused.kind === "aborted" && refused.reason.code, "auth-rejected", JSON.stringify(refused));
  }
  const boot = await nextSession(d, BOOTSTRAP_ID);
  assert.equal(boot.kind, "completed", d.log.join("\n"));
  const complete = await nextSession(d, MGMT_ID);
  assert.equal(complete.kind, "completed");
  assert.equal(complete.trigger.kind, "bootstrap-complete");
});
