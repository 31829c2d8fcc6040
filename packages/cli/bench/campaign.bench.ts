// npm run bench:campaign -- --devices N [--store sqlite|postgres] [--limit L] [--fail-rate r] [--fail-result code]
//                            [--reboot | --steps JSON] [--wake mqtt|udp] [--per-process P] [--timeout s]
//
// A campaign over a whole simulated fleet against a real server: starts `omadm server` (a child process, temp
// SQLite file or a fresh PostgreSQL database) with `dm.maxOpenSessions` = L, runs N simulated devices in child
// processes of P each (fleet-shards.ts; Package#0 through the real MQTT broker by default, topics random per
// run, or `--wake udp`: a port per device), registers them in bulk, then
//   1. baseline: a bulk wake of every device (`POST /devices/wake`), paced by the server's pacer; it also delivers
//      a bulk GET of DevInfo Mod and FwV, so that the server can select the devices by them;
//   2. the campaign, by default a firmware update (campaign-firmware.ts): a 64 KB image uploaded through the API,
//      the target `Mod = HGW-1 and FwV != 2.0.0` (within the bench's label), the FUMO steps (HGET, EXEC
//      DownloadAndUpdate, GET FwV), served by the FUMO behaviour with `--fail-rate` of the devices failing with
//      `--fail-result`; `--reboot` runs the generic campaign instead (a GET and the asynchronous EXEC Ops/Reboot),
//      `--steps` any list over the reboot behaviour; waves of 1 %, 10 % and the rest, max in flight L;
// and checks the store: every device done, or failed as injected; every done device's step commands done and
// sent once; the new FwV on the done ones (firmware).
// Its last line:
//   campaign: N devices, D done, F failed, U unreachable, T s, peak open sessions O of limit L
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GATEWAY_MOID } from "../src/simulate/reboot-behaviour.js";
import { standInForAutovacuum } from "./bench-vacuum.js";
import { api, closeAgent, createBenchDatabase, startServer } from "./bench-server.js";
import {
  checkFirmware,
  firmwareSteps,
  FW_VERSION,
  queueInventory,
  uploadImage,
  waitSelected,
} from "./campaign-firmware.js";
import { registerFleet, startShardedFleet } from "./fleet-shards.js";
import { wakeArgs, wakeOptions } from "./fleet-wake.js";

/** How often the bench vacuums where the PostgreSQL server's autovacuum is off. */
const VACUUM_MS = 30_000;
const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "1000" },
    store: { type: "string", default: "sqlite" },
    limit: { type: "string", default: "200" },
    steps: { type: "string" },
    reboot: { type: "boolean", default: false },
    "fail-rate": { type: "string", default: "0" },
    "fail-result": { type: "string", default: "410" },
    timeout: { type: "string", default: "900" },
    ...wakeOptions,
    "postgres-url": {
      type: "string",
      default: process.env["OMADM_TEST_PG_URL"] ?? "postgres://root@127.0.0.1:5432/test",
    },
  },
});
const N = Number(values.devices);
const LIMIT = Number(values.limit);
const deadline = performance.now() + Number(values.timeout) * 1000;
if (!Number.isInteger(N) || N < 1) throw new Error("--devices must be a positive integer");
if (!Number.isInteger(LIMIT) || LIMIT < 1) throw new Error("--limit must be a positive integer");
if (values.store !== "sqlite" && values.store !== "postgres") throw new Error("--store sqlite|postgres");
const FIRMWARE = !values.reboot && values.steps === undefined;
const FAIL_RATE = Number(values["fail-rate"]);
const FAIL_RESULT = Number(values["fail-result"]);
if (!(FAIL_RATE >= 0 && FAIL_RATE < 1)) throw new Error("--fail-rate is a fraction from 0 to below 1");
if (!FIRMWARE && FAIL_RATE > 0) throw new Error("--fail-rate applies to the firmware campaign only");
const WAKE = wakeArgs(values, N);
const MODEL = "HGW-1"; // examples/device.json's DevInfo/Mod
let STEPS: unknown[] =
  values.steps === undefined
    ? [
        { command: ["GET", "urn:oma:mo:oma-dm-devinfo:1.2//DevID"] },
        { command: ["EXEC", `${GATEWAY_MOID}/main/Ops/Reboot`], name: "reboot" },
      ]
    : (JSON.parse(values.steps) as unknown[]);

/** A GET, tried again when a kept-alive connection was reset under load (reads are safe to repeat). */
async function read(base: string, path: string): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { status, json } = await api(base, "GET", path);
      if (status === 503) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(json).slice(0, 200)}`);
      return json;
    } catch (error) {
      if (attempt >= 5 || !(error instanceof Error) || !/ECONNRESET|socket hang up/.test(error.message)) throw error;
    }
  }
}

/** A POST, tried again while admission control sheds load (503; nothing was done). */
async function post(base: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  for (let attempt = 1; ; attempt++) {
    const answer = await api(base, "POST", path, body);
    if (answer.status !== 503 || attempt >= 30) return answer;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

interface CampaignAnswer {
  id: string;
  state: string;
  reason: string | null;
  totals: Record<string, number>;
}

/** Follows a campaign until it ends (or the deadline), tracking the fleet's open sessions. */
async function follow(base: string, id: string, open: () => number): Promise<{ c: CampaignAnswer; peak: number }> {
  let peak = 0;
  for (;;) {
    for (let i = 0; i < 10; i++) {
      peak = Math.max(peak, open());
      await new Promise((r) => setTimeout(r, 20));
    }
    const c = (await read(base, `/campaigns/${id}`)) as CampaignAnswer;
    if (["completed", "halted", "cancelled"].includes(c.state)) return { c, peak };
    if (performance.now() > deadline)
      throw new Error(`campaign ${id} still ${c.state} at the deadline: ${JSON.stringify(c.totals)}`);
  }
}

/** Every command of the campaign's devices done and sent once; as many commands as devices × steps. */
async function checkStore(base: string, id: string): Promise<Map<string, { state: string; reason: string | null }>> {
  let cursor: string | null = null;
  let devices = 0;
  const states = new Map<string, { state: string; reason: string | null }>();
  do {
    const q: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const page = (await read(base, `/campaigns/${id}/devices?limit=1000${q}`)) as {
      items: { deviceId: string; state: string; reason: string | null; commandIds: (string | null)[] }[];
      nextCursor: string | null;
    };
    for (const d of page.items) {
      devices++;
      states.set(d.deviceId, { state: d.state, reason: d.reason });
      // A failed device's commands up to its failed step finished too (the one it failed at `failed`).
      if (d.state !== "done" && d.state !== "failed") continue;
      const done = d.state === "done";
      if (done && d.commandIds.length !== STEPS.length)
        throw new Error(`${d.deviceId}: ${d.commandIds.length} step commands`);
      for (const cid of done ? d.commandIds : d.commandIds.filter((c) => c !== null)) {
        const command = (await read(base, `/commands/${cid ?? "none"}`)) as { state: string; attempts: number };
        if (command.state !== "done" && (done || command.state !== "failed"))
          throw new Error(`${d.deviceId}: step command ${cid} is ${command.state}`);
        if (command.attempts !== 1)
          throw new Error(`${d.deviceId}: step command ${cid} went out ${command.attempts} times`);
      }
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (devices !== N) throw new Error(`the campaign has ${devices} devices, not ${N}`);
  return states;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "omadm-campaign-"));
  let args = ["--host", "127.0.0.1", "--port", "0", "--data-dir", dir, "--store", "sqlite"];
  const db = values.store === "postgres" ? await createBenchDatabase(values["postgres-url"], "omadm_campaign") : null;
  if (db !== null) {
    args = ["--host", "127.0.0.1", "--port", "0", "--store", "postgres", "--postgres-url", db.url];
  }
  const server = await startServer(args, {
    OMADM_DM_MAX_OPEN_SESSIONS: String(LIMIT),
    OMADM_CAMPAIGNS_TICK_MS: "200",
    ...WAKE.serverEnv,
  });
  const label = `bench-${randomBytes(3).toString("hex")}`;
  let t = performance.now();
  const fleet = await startShardedFleet({
    serverBase: server.base,
    devices: N,
    perProcess: WAKE.perProcess,
    wake: WAKE.transport,
    mqttUrl: WAKE.mqttUrl,
    behaviour: FIRMWARE
      ? { kind: "fumo", failRate: FAIL_RATE, failResult: FAIL_RESULT }
      : { kind: "reboot", delayMs: 50 },
    connections: 128,
  }).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  // Where the PostgreSQL server runs without autovacuum, the bench vacuums in its place (bench-vacuum.ts).
  const stopVacuum = db === null ? () => Promise.resolve() : await standInForAutovacuum(db.url, VACUUM_MS, console.log);
  try {
    const simRss = fleet.startRss.reduce((a, b) => a + b, 0);
    console.log(
      `simulator: ${N} devices (wake ${WAKE.transport}) in ${fleet.processes} process${fleet.processes > 1 ? "es" : ""}, ` +
        `listening in ${((performance.now() - t) / 1000).toFixed(1)} s, RSS ${Math.round(simRss / 1048576)} MB ` +
        `(${Math.round(((simRss / N) * 10_000) / 1048576)} MB per 10k devices)`,
    );
    t = performance.now();
    await registerFleet(server.base, fleet.devices, { fleet: label });
    const importS = (performance.now() - t) / 1000;
    console.log(`import: ${N} devices in ${importS.toFixed(2)} s (${Math.round(N / importS)} devices/s)`);
    const open = () => fleet.open();
    const devIds = fleet.devices.map((d) => d.devId);
    let target = `label:fleet=${label}`;
    if (FIRMWARE) {
      STEPS = firmwareSteps(await uploadImage(server.base, MODEL));
      await queueInventory(server.base, devIds);
      target = `label:fleet=${label} and Mod = ${MODEL} and FwV != ${FW_VERSION}`;
    }
    const plan = { maxInFlight: LIMIT, wakeTimeoutMs: 60_000, stepTimeoutMs: 300_000 };

    t = performance.now();
    const wake = await post(server.base, "/devices/wake", { filter: `label:fleet=${label}`, plan });
    if (wake.status !== 202) throw new Error(`bulk wake: ${wake.status} ${JSON.stringify(wake.json)}`);
    const woke = await follow(server.base, (wake.json as CampaignAnswer).id, open);
    const wakeS = (performance.now() - t) / 1000;
    console.log(
      `baseline bulk wake: ${woke.c.state}, ${woke.c.totals["done"]} sessions in ${wakeS.toFixed(1)} s, ` +
        `peak open sessions ${woke.peak}`,
    );
    if (FIRMWARE) await waitSelected(server.base, target, N, 60_000);

    t = performance.now();
    const created = await post(server.base, "/campaigns", {
      name: FIRMWARE ? `firmware ${FW_VERSION}` : "bench",
      target: { filter: target },
      steps: STEPS,
      // A rollout as an operator would run it: 1 % and 10 % first, a failed device tried once more.
      plan: {
        ...plan,
        waves: ["1%", "10%"],
        // The injected failures stay under the error threshold and within the success threshold.
        errorThreshold: Math.min(1, FAIL_RATE + 0.05),
        successThreshold: Math.max(0, 0.99 - FAIL_RATE - 0.02),
        // A FUMO failure as injected fails again: no retry then, so each device's commands go out once.
        retryLimit: FIRMWARE ? 0 : 1,
        retryBackoffMs: 1000,
      },
      start: true,
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.json)}`);
    const run = await follow(server.base, (created.json as CampaignAnswer).id, open);
    const seconds = (performance.now() - t) / 1000;
    const totals = run.c.totals;
    console.log(`campaign state: ${run.c.state}${run.c.reason === null ? "" : ` (${run.c.reason})`}`);
    console.log(
      `ratio: campaign ${seconds.toFixed(1)} s / bulk wake ${wakeS.toFixed(1)} s = ${(seconds / wakeS).toFixed(2)}`,
    );
    const states = await checkStore(server.base, run.c.id);
    console.log("store: every done (failed) device's step commands done (or failed), each sent once");
    if (FIRMWARE) {
      await checkFirmware(server.base, {
        label,
        devIds,
        failRate: FAIL_RATE,
        failResult: FAIL_RESULT,
        states,
      });
      console.log(`store: failed exactly as injected (${FAIL_RESULT}); FwV ${FW_VERSION} on every done device`);
    }
    const simPeaks = (await fleet.stats()).peakRssMb;
    const simPeak = simPeaks.reduce((a, b) => a + b, 0);
    console.log(
      `simulator peak RSS: ${simPeak} MB in ${fleet.processes} process${fleet.processes > 1 ? "es" : ""} ` +
        `(${Math.round((simPeak / N) * 10_000)} MB per 10k devices, largest process ${Math.max(...simPeaks)} MB)`,
    );
    console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    console.log(
      `campaign: ${N} devices, ${totals["done"]} done, ${totals["failed"]} failed, ${totals["unreachable"]} ` +
        `unreachable, ${seconds.toFixed(1)} s, peak open sessions ${Math.max(run.peak, woke.peak)} of limit ${LIMIT}`,
    );
    if (run.c.state !== "completed") process.exitCode = 1;
  } finally {
    await stopVacuum();
    await fleet.stop();
    await server.stop();
    closeAgent();
    await rm(dir, { recursive: true, force: true });
    await db?.drop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:campaign failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
