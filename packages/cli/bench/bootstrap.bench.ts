// npm run bench:bootstrap -- --devices N [--concurrency C] [--max-minutes M]: N simulated devices (the
// project's DmClient) start with bootstrap credentials only, bootstrap over PSK-TLS against the in-process server
// (SQLite in a temp dir), open their BootstrapComplete session with the new Digest password and run one queued GET
// each. The baseline, measured in the same run, is one more plain client-initiated session per device with the
// credentials it now holds (the cost of a DM session without bootstrap). Bounded: N ≤ 20,000, C devices at a time
// (default 32), a 10-minute cap (`--max-minutes`, at most 60). Last line:
// `bootstrap: N devices, B bootstrapped, C BootstrapComplete, D commands done, T s`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeFilePki } from "../../../test-support/openssl-pki.js";
import {
  MGMT_ID,
  MOID_DEVINFO,
  MOID_DMACC,
  startBootstrapServer,
  startFactoryDevice,
} from "../test/e2e-support/bootstrap-harness.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const N = Math.min(arg("devices", 100), 20_000);
const C = Math.min(arg("concurrency", 32), 256);
// Bounded in time as every load test: 10 minutes unless `--max-minutes M` (at most 60) says otherwise; the
// devices not reached by then count as not bootstrapped in the last line.
const deadline = Date.now() + Math.min(arg("max-minutes", 10), 60) * 60_000;

async function pool<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && Date.now() < deadline) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(C, items.length) }, worker));
}

const ids = Array.from({ length: N }, (_, i) => `IMEI:35${String(i).padStart(13, "0")}`);
const keyHex = (i: number): string => (i + 1).toString(16).padStart(32, "0");
const dir = mkdtempSync(join(tmpdir(), "omadm-bench-bootstrap-"));
const pki = await makeFilePki();
const srv = await startBootstrapServer(join(dir, "server"), pki, async (store) => {
  await store.bootstrap.putRule({
    id: "bench",
    priority: 1,
    targets: [
      {
        srvId: MGMT_ID,
        srvUri: "https://placeholder.invalid/dm",
        name: "management",
        permittedMoids: [MOID_DEVINFO, MOID_DMACC],
        auth: "digest",
        notification: false,
      },
    ],
  });
  for (let i = 0; i < N; i += 1000) {
    await store.bootstrap.importCredentials(
      ids
        .slice(i, i + 1000)
        .map((id, j) => ({ secMode: 0 as const, pskIdentity: `bs-${i + j}`, pskKeyHex: keyHex(i + j), deviceId: id })),
    );
  }
  for (const id of ids) {
    await store.devices.create({ id });
    await store.commands.enqueue({ deviceId: id, name: "GET", params: [`${MOID_DEVINFO}//Mod`] });
  }
});
// The rule's SrvURI is the server's own DM URL, known once it listens.
const rule = await srv.store.bootstrap.getRule("bench");
if (rule === null) throw new Error("the bench rule is missing");
await srv.store.bootstrap.putRule({ ...rule, targets: rule.targets.map((t) => ({ ...t, srvUri: srv.dmUrl })) });

let bootstrapped = 0;
let completes = 0;
let baselineSessions = 0;
let bootstrapMs = 0;
let baselineMs = 0;
const wallStart = performance.now();
await pool(ids, async (id) => {
  const i = ids.indexOf(id);
  const device = await startFactoryDevice(join(dir, `d${i}`), id, srv.bootstrapUrl, pki.caFile, {
    psk: { identity: `bs-${i}`, keyHex: keyHex(i) },
  });
  try {
    const t0 = performance.now();
    const boot = await device.client.bootstrap();
    if (boot.kind === "completed") bootstrapped++;
    for (;;) {
      const s = await device.sessions.next();
      if (s.serverId !== MGMT_ID) continue;
      if (s.kind === "completed" && s.trigger.kind === "bootstrap-complete") completes++;
      break;
    }
    const t1 = performance.now();
    const plain = await device.client.runSession(MGMT_ID);
    const t2 = performance.now();
    bootstrapMs += t1 - t0;
    baselineMs += t2 - t1;
    if (plain.kind === "completed") baselineSessions++;
  } finally {
    await device.stop();
  }
});
const wallS = (performance.now() - wallStart) / 1000;
const done = (await srv.store.commands.list({ state: "done", limit: 1000 })).items.length;
let doneTotal = done;
if (done === 1000) {
  doneTotal = 0;
  let cursor: string | undefined;
  do {
    const page = await srv.store.commands.list({
      state: "done",
      limit: 1000,
      ...(cursor === undefined ? {} : { cursor }),
    });
    doneTotal += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
await srv.stop();
await pki.cleanup();
rmSync(dir, { recursive: true, force: true });
const perDevice = bootstrapMs / Math.max(1, bootstrapped);
const perBaseline = baselineMs / Math.max(1, baselineSessions);
console.log(
  `concurrency ${C}; per device: bootstrap + BootstrapComplete ${perDevice.toFixed(1)} ms, plain session ${perBaseline.toFixed(1)} ms (baseline), ratio ${(perDevice / perBaseline).toFixed(2)}×`,
);
console.log(
  `throughput: ${(bootstrapped / wallS).toFixed(1)} devices/s (bootstrap, BootstrapComplete and one plain session each)`,
);
console.log(
  `bootstrap: ${N} devices, ${bootstrapped} bootstrapped, ${completes} BootstrapComplete, ${doneTotal} commands done, ${wallS.toFixed(1)} s`,
);
