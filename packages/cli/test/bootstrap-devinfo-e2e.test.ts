// Bootstrap rules that match on DevInfo at a device's first contact (docs/bootstrap.md "Rules"): Package#1 carries
// no DevInfo (docs/protocol.md §3.1), so the bootstrap server GETs it in the bootstrap session and chooses the rule
// with the values the device reports. Real TLS (PSK), the in-process server on SQLite, devices built with the
// project's DmClient from a factory config that holds bootstrap credentials only.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";
import { openHandles } from "../../../test-support/async-inbox.js";
import { tempDir } from "./e2e-support/server-harness.js";
import {
  MGMT_ID,
  MOID_DEVINFO,
  MOID_DMACC,
  startBootstrapServer,
  startFactoryDevice,
  type BootstrapServer,
  type TestDevice,
} from "./e2e-support/bootstrap-harness.js";

const skip = skipWithoutOpenssl();
const dir = tempDir("omadm-bootstrap-devinfo-");
let pki: FilePki;
let srv: BootstrapServer;
const devices: TestDevice[] = [];
const KEY = (n: number) => n.toString(16).padStart(2, "0").repeat(16);

const target = (name: string) => ({
  srvId: MGMT_ID,
  srvUri: srv.dmUrl,
  name,
  permittedMoids: [MOID_DEVINFO],
  auth: "digest" as const,
  notification: false,
});

before(async () => {
  if (skip !== false) return;
  pki = await makeFilePki();
  srv = await startBootstrapServer(join(dir.path, "server"), pki, async (store) => {
    await store.bootstrap.importCredentials(
      [1, 2, 3].map((n) => ({
        secMode: 0 as const,
        pskIdentity: `bs-di-${String(n)}`,
        pskKeyHex: KEY(n),
        deviceId: `IMEI:36000000000000${String(n)}`,
      })),
    );
  });
  await srv.store.bootstrap.putRule({ id: "hg1", priority: 1, devInfo: { Mod: "HG-1" }, targets: [target("hg1")] });
  await srv.store.bootstrap.putRule({
    id: "acme-fw2",
    priority: 2,
    devIdPattern: "IMEI:36*",
    devInfo: { Man: "acme", FwV: "2.0" },
    targets: [target("acme-fw2")],
  });
  await srv.store.bootstrap.putRule({ id: "rest", priority: 9, devIdPattern: "IMEI:36*", targets: [target("rest")] });
});

after(async () => {
  for (const d of devices) await d.stop();
  await srv?.stop(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition
  dir.remove();
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

async function bootstrapDevice(n: number, options: Parameters<typeof startFactoryDevice>[5]) {
  const devId = `IMEI:36000000000000${String(n)}`;
  const d = await startFactoryDevice(
    join(dir.path, `d${String(n)}`),
    devId,
    srv.bootstrapUrl,
    pki.caFile,
    { psk: { identity: `bs-di-${String(n)}`, keyHex: KEY(n) } },
    options,
  );
  devices.push(d);
  const boot = await d.client.bootstrap();
  assert.equal(boot.kind, "completed", `${JSON.stringify(boot)}\n${d.log.join("\n")}`);
  const account = d.client.accounts().find((a) => a.srvId === MGMT_ID);
  return { devId, boot, account, steps: boot.commands.map((c) => `${c.item[0]} ${c.status.sc}`) };
}

test(
  "first contact: the rule is chosen by the DevInfo the device reports in the bootstrap session",
  { skip },
  async () => {
    const { devId, account, steps } = await bootstrapDevice(1, {
      factoryMoids: [MOID_DMACC, MOID_DEVINFO],
      devInfo: { man: "acme", mod: "X-9", fwV: "2.0" },
    });
    assert.deepEqual(steps, ["CONT 200", "GET 200", "CONT 200", "HGET 200", "END 200"]);
    assert.equal(account?.name, "acme-fw2", "Man and FwV matched; Mod did not match the first rule");
    const stored = await srv.store.devices.get(devId);
    assert.deepEqual(
      { Man: (stored?.devInfo as Record<string, unknown>).Man, Mod: (stored?.devInfo as Record<string, unknown>).Mod },
      { Man: "acme", Mod: "X-9" },
      "the registry keeps what the device reported",
    );
    assert.equal((await srv.store.bootstrap.listProvisions({ deviceId: devId })).items[0]?.ruleId, "acme-fw2");
  },
);

test("the first rule by priority wins among DevInfo rules", { skip }, async () => {
  const { account } = await bootstrapDevice(2, {
    factoryMoids: [MOID_DMACC, MOID_DEVINFO],
    devInfo: { man: "acme", mod: "HG-1", fwV: "2.0" },
  });
  assert.equal(account?.name, "hg1");
});

test(
  "a factory account without DevInfo in its Perm refuses the GET: rules match without DevInfo",
  { skip },
  async () => {
    const { steps, account, devId } = await bootstrapDevice(3, { devInfo: { man: "acme", mod: "HG-1", fwV: "2.0" } });
    assert.deepEqual(steps, ["CONT 200", "GET 403", "CONT 200", "HGET 200", "END 200"]);
    assert.equal(account?.name, "rest");
    assert.equal((await srv.store.devices.get(devId))?.devInfo ?? null, null);
  },
);
