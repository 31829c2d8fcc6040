// The device config file (one file describes a device, docs/device-config.md): the shipped example loads and
// builds a working tree; every kind of mistake is refused with an error that names the key at fault.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access --
   the tests edit config JSON into deliberately wrong shapes, which no static type describes */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConType } from "@omadm/protocol";
import { DeviceConfigErrorCode, ExecKind, parseDeviceConfig } from "../src/config/device-config.js";
import { loadDeviceConfig } from "../src/config/load-device-config.js";
import { createMemoryStateStore } from "../src/state/state-store.js";
import { DMACC, EXAMPLES_DIR, GATEWAY, deviceJson, makeClient, testConfig } from "./dm-client-fixtures.js";

const readFile = (p: string): Uint8Array => new Uint8Array(readFileSync(p));

function problem(json: unknown): { code: string; key: string; message: string } {
  const r = parseDeviceConfig(json, { baseDir: EXAMPLES_DIR, readFile });
  if (r.ok) assert.fail("the config should be refused");
  return { code: r.error.code, key: r.error.key, message: r.error.message };
}

function edit(mutate: (json: Record<string, any>) => void): Record<string, unknown> {
  const json = structuredClone(deviceJson("http://127.0.0.1:8080/dm")) as Record<string, any>;
  mutate(json);
  return json;
}

test("examples/device.json loads: DevInfo, the account with its notification credentials, the gateway MO, EXEC behaviours", () => {
  const r = loadDeviceConfig(join(EXAMPLES_DIR, "device.json"));
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  const c = r.value;
  assert.equal(c.devInfo.devId, "IMEI:359000000000001");
  const [account] = c.accounts;
  assert.ok(account);
  assert.equal(account.input.srvUri, "http://127.0.0.1:8080/dm");
  assert.equal(account.input.srvId, "omadm");
  assert.deepEqual(account.input.noti?.secret, new TextEncoder().encode("example-notification-secret"));
  assert.equal(c.mos[0]?.definition.moid, GATEWAY);
  assert.deepEqual(
    c.exec.map((e) => e.kind),
    [ExecKind.Async, ExecKind.Sync],
  );
  assert.deepEqual(c.notifications.udp, [{ host: "127.0.0.1", port: 46000 }]);
  assert.equal(c.notifications.mqtt[0]?.url, "mqtt://127.0.0.1:1883");
  assert.deepEqual(c.notifications.bearers, [ConType.WIRELINE]);
  assert.equal(c.stateDir, join(EXAMPLES_DIR, ".omadm", "IMEI-359000000000001"), "relative to the config file");
  assert.equal(c.allowHttp, true);
  assert.equal(c.allowUnauthenticatedNotifications, false);
});

test("the example device starts: its tree has DevInfo, the DMAcc, SessionInfo and the gateway instance", async () => {
  const r = loadDeviceConfig(join(EXAMPLES_DIR, "device.json"));
  assert.ok(r.ok);
  const t = makeClient(r.value, { store: createMemoryStateStore() });
  await t.client.start();
  try {
    assert.deepEqual(t.client.getValue(`${GATEWAY}/main/Wan/Mtu`), { ok: true, value: 1500 });
    assert.deepEqual(t.client.getValue("urn:oma:mo:oma-dm-devinfo:1.2//DevID"), {
      ok: true,
      value: "IMEI:359000000000001",
    });
    assert.deepEqual(
      t.client.accounts().map((a) => [a.srvId, a.noti?.type]),
      [["omadm", 1]],
    );
    assert.deepEqual(t.client.bootstrapPending(), ["omadm"]);
  } finally {
    await t.close();
  }
});

test("bytes are given in exactly one explicit encoding: hex, base64 or utf8", () => {
  const c = testConfig(deviceJson("http://127.0.0.1:8080/dm"));
  const noti = c.accounts.find((a) => a.input.srvId === "legacy")?.input.noti;
  assert.ok(noti);
  assert.deepEqual(noti.secret, new TextEncoder().encode("legacy-secret"));
  assert.deepEqual(noti.data, new TextEncoder().encode("legacy-data"));
  const two = problem(
    edit((j) => {
      j.accounts[0].notification.secret = { hex: "00", utf8: "x" };
    }),
  );
  assert.equal(two.key, "accounts[0].notification.secret");
  assert.match(two.message, /exactly one of "hex", "base64" or "utf8"/);
  const none = problem(
    edit((j) => {
      j.accounts[0].notification.authData = {};
    }),
  );
  assert.equal(none.key, "accounts[0].notification.authData");
  assert.equal(
    problem(edit((j) => (j.accounts[0].notification.secret = { hex: "0g" }))).key,
    "accounts[0].notification.secret.hex",
  );
  assert.equal(
    problem(edit((j) => (j.accounts[0].notification.secret = { base64: "!!" }))).key,
    "accounts[0].notification.secret.base64",
  );
});

test("schema mistakes name the key: unknown, missing, wrong type, out of range", () => {
  const unknown = problem(edit((j) => (j.accounts[0].srvUrl = "x")));
  assert.equal(unknown.code, DeviceConfigErrorCode.INVALID);
  assert.equal(unknown.key, "accounts[0].srvUrl");
  assert.match(unknown.message, /not a known key/);
  const missing = problem(edit((j) => delete j.devInfo.devId));
  assert.equal(missing.key, "devInfo.devId");
  assert.match(missing.message, /required/);
  const type = problem(edit((j) => (j.allowHttp = "yes")));
  assert.equal(type.key, "allowHttp");
  assert.match(type.message, /boolean/);
  const port = problem(edit((j) => (j.notifications = { udp: [{ host: "127.0.0.1", port: 70000 }] })));
  assert.equal(port.key, "notifications.udp[0].port");
  assert.equal(problem("{ not json").key, "");
  assert.equal(problem([]).key, "");
});

test("meaning mistakes name the key: plain http, repeated SrvID, bad MOID, listener for no account, EXEC combos", () => {
  const http = problem(edit((j) => (j.allowHttp = false)));
  assert.equal(http.key, "accounts[0].srvUri");
  assert.match(http.message, /allowHttp/);
  assert.equal(problem(edit((j) => (j.accounts[1].srvId = "dm1"))).key, "accounts[1].srvId");
  assert.equal(problem(edit((j) => (j.accounts[0].permittedMoids = ["devinfo"]))).key, "accounts[0].permittedMoids[0]");
  assert.equal(
    problem(edit((j) => (j.notifications = { mqtt: [{ url: "mqtt://127.0.0.1:1883", srvId: "nobody" }] }))).key,
    "notifications.mqtt[0].srvId",
  );
  assert.equal(
    problem(edit((j) => (j.exec = [{ moid: GATEWAY, path: "Ops/Reboot", command: ["true"], result: 200 }]))).key,
    "exec[0]",
  );
  assert.equal(
    problem(edit((j) => (j.exec = [{ moid: GATEWAY, path: "Ops/Reboot", delayMs: 5 }]))).key,
    "exec[0].delayMs",
  );
  assert.equal(problem(edit((j) => (j.exec = [{ moid: GATEWAY, path: "/" }]))).key, "exec[0].path");
});

test("files it names are read relative to the config: a missing DDF or PEM is OMADM_CONFIG_FILE, a bad DDF OMADM_CONFIG_DDF", () => {
  const missing = problem(edit((j) => (j.mos[0].ddf = "ddf/nope.ddf")));
  assert.equal(missing.code, DeviceConfigErrorCode.FILE);
  assert.equal(missing.key, "mos[0].ddf");
  assert.match(missing.message, /nope\.ddf/);
  const pem = problem(edit((j) => (j.accounts[0].tls = { ca: "no-ca.pem" })));
  assert.equal(pem.code, DeviceConfigErrorCode.FILE);
  assert.equal(pem.key, "accounts[0].tls.ca");
  const dir = mkdtempSync(join(tmpdir(), "omadm-config-"));
  try {
    writeFileSync(join(dir, "bad.ddf"), "<MgmtTree><Node></Node></MgmtTree>");
    writeFileSync(join(dir, "psk.hex"), "00112233445566778899aabbccddeeff\n");
    writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    const bad = problem(edit((j) => (j.mos[0].ddf = join(dir, "bad.ddf"))));
    assert.equal(bad.code, DeviceConfigErrorCode.DDF);
    assert.equal(bad.key, "mos[0].ddf");
    const ok = parseDeviceConfig(
      edit(
        (j) =>
          (j.accounts[0].tls = { ca: join(dir, "ca.pem"), psk: { identity: "dev", keyFile: join(dir, "psk.hex") } }),
      ),
      { baseDir: EXAMPLES_DIR, readFile },
    );
    assert.ok(ok.ok);
    const tls = ok.value.accounts[0]?.tls;
    assert.equal(tls?.psk?.key.length, 16);
    assert.equal(new TextDecoder().decode(tls.ca), "-----BEGIN CERTIFICATE-----\n");
    const half = problem(edit((j) => (j.accounts[0].tls = { cert: join(dir, "ca.pem") })));
    assert.equal(half.key, "accounts[0].tls");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an account with `layout: seed` is written as the draft change request's Credentials/Noti and read back as credentials (§15)", async () => {
  const t = makeClient(testConfig(deviceJson("http://127.0.0.1:8080/dm")));
  await t.client.start();
  try {
    const legacy = t.client.accounts().find((a) => a.srvId === "legacy");
    assert.ok(legacy?.noti, "credentials read through the alias");
    assert.equal(legacy.noti.type, undefined);
    const node = t.client.tree.node(DMACC, legacy.miid, ["Credentials", "Noti", "AuthSecret"]);
    assert.ok(node, "stored under Credentials/Noti/AuthSecret");
    assert.equal(t.client.tree.node(DMACC, legacy.miid, ["Auth", "Noti"]), undefined);
  } finally {
    await t.close();
  }
});
