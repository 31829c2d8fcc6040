// One simulator process of the fleet and campaign benches (fleet-shards.ts starts it): a share of the DevIDs,
// devices `first` … `first + devices - 1`, as one `createFleet` with the options it is sent over IPC. It reports
// to its parent where each device listens (for the bulk import), its open-session count, the devices whose
// session completed and those whose Package#1 was refused with 503 (admission control: the pacer wakes them again
// later), every TICK_MS while anything changed, and its counters on request.
// Several of these keep one UDP socket per device within the file descriptor limit of each process. Started with
// --expose-gc, it measures the heap an idle device costs: after a full GC, before the fleet and once every device
// rests (simulated-client.ts).
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { devIdPattern } from "../src/simulate/devid-pattern.js";
import { createFleet } from "../src/simulate/fleet.js";
import { standardBehaviour } from "../src/simulate/behaviours.js";
import { fumoBehaviour } from "../src/simulate/fumo-behaviour.js";
import { rebootBehaviour } from "../src/simulate/reboot-behaviour.js";
import { listeningDevice } from "../src/simulate/register.js";
import type { DeviceBehaviour, SimulatedDevice } from "../src/simulate/behaviour-types.js";
import { AbortCode } from "@omadm/client";
import { templateFor } from "./bench-server.js";
import type { ShardOptions, ShardToParent, ParentToShard, ShardBehaviour } from "./fleet-shard-types.js";

const TICK_MS = 20;
/** How long the devices may take to rest after their start (a bootstrap fleet runs sessions first). */
const REST_WAIT_MS = 120_000;

const gc = (globalThis as { gc?: () => void }).gc;
function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}
const MAX_ABORTS_SHOWN = 5;

/** `BENCH_SIM_HEAP_DIR`: a heap snapshot of each simulator process where its idle heap is measured, before
 *  and after the sessions (what an idle device keeps: compare the two, e.g. by constructor). */
function snapshotHeap(first: number, when: string): void {
  const dir = process.env["BENCH_SIM_HEAP_DIR"];
  if (dir !== undefined && dir !== "") writeHeapSnapshot(join(dir, `simulator-${first}-${when}.heapsnapshot`));
}

function cpuMsNow(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

/** The behaviour with each device's index shifted to its place in the whole fleet (FUMO failures pick by index). */
function shifted(b: DeviceBehaviour, offset: number): DeviceBehaviour {
  const at = (d: SimulatedDevice): SimulatedDevice => ({ ...d, index: d.index + offset });
  return {
    ...b,
    setup: (d) => b.setup(at(d)),
    ...(b.started === undefined ? {} : { started: (d: SimulatedDevice) => b.started?.(at(d)) }),
  };
}

function behaviourOf(s: ShardBehaviour): DeviceBehaviour {
  if (s.kind === "fumo") return fumoBehaviour({ failRate: s.failRate, failResult: s.failResult });
  if (s.kind === "reboot") return rebootBehaviour({ delayMs: s.delayMs });
  return standardBehaviour;
}

const send = (m: ShardToParent): void => {
  // Not once the bench has gone: a send then fails with EPIPE (the disconnect below ends the process).
  if (process.connected) process.send?.(m);
};

// The bench went away (killed, crashed): nothing is left to simulate for.
process.once("disconnect", () => process.exit(0));

process.once("message", (first: unknown) => {
  const o = first as ShardOptions;
  const heapBefore = heapAfterGc();
  const fleet = createFleet({
    template: templateFor(o.serverBase),
    devices: o.devices,
    first: o.first,
    devId: devIdPattern(o.devIdPattern),
    udp: o.wake === "udp" ? { host: "127.0.0.1", basePort: 0 } : null,
    mqtt: o.wake === "mqtt" ? { url: o.mqttUrl, topicPrefix: o.topicPrefix } : null,
    behaviour: shifted(behaviourOf(o.behaviour), o.first - 1),
    connections: o.connections,
    logger: { info: () => undefined, warn: () => undefined },
  });
  // Device numbers, not DevIDs: the bench maps them back (fewer bytes through the IPC channel per session).
  let completed: number[] = [];
  let refused: number[] = [];
  let lastOpen = -1;
  let aborts = 0;
  let peakLive = 0;
  for (const d of fleet.devices) {
    d.client.on("session", (outcome) => {
      if (outcome.kind === "completed") completed.push(d.number);
      // Admission control's "not now" to Package#1 (§1.5: the client aborts, no retry): nothing was served, so
      // not a failure; the pacer wakes the device again later. A 503 later in a session stays an abort.
      else if (
        outcome.reason.code === AbortCode.HTTP_STATUS &&
        outcome.reason.httpStatus === 503 &&
        outcome.packagesAcknowledged === 0
      )
        refused.push(d.number);
      // The first few aborts, with their reasons: what a failed check ("sent twice") needs to be read.
      else if (aborts++ < MAX_ABORTS_SHOWN)
        console.error(`simulator: ${d.devId} session aborted: ${JSON.stringify(outcome.reason)}`);
    });
  }
  const tick = setInterval(() => {
    peakLive = Math.max(peakLive, fleet.liveClients());
    const open = fleet.stats.open;
    if (completed.length === 0 && refused.length === 0 && open === lastOpen) return;
    send({ type: "progress", open, completed, refused });
    completed = [];
    refused = [];
    lastOpen = open;
  }, TICK_MS);
  process.on("message", (m: unknown) => {
    const msg = m as ParentToShard;
    if (msg.type === "stats") {
      void (async () => {
        // The CPU first: the full GCs of the heap measurement are the bench's, not the devices'.
        const cpuMs = cpuMsNow();
        const idleBytesPerDevice = await idleBytes(10_000);
        const s = fleet.stats.snapshot();
        send({
          type: "stats",
          cpuMs,
          errors: s.errors,
          buckets: fleet.stats.buckets(),
          rss: process.memoryUsage().rss,
          idleBytesPerDevice,
          peakLive,
        });
      })();
    } else {
      clearInterval(tick);
      void fleet.stop().finally(() => {
        process.exit(0);
      });
    }
  });
  /** The heap per device once every device rests (or `waitMs` passed), after a full GC. */
  const idleBytes = async (waitMs: number): Promise<number> => {
    const until = performance.now() + waitMs;
    while (fleet.liveClients() > 0 && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    const bytes = Math.round((heapAfterGc() - heapBefore) / o.devices);
    snapshotHeap(o.first, fleet.stats.sessions > 0 ? "after-sessions" : "before-sessions");
    return bytes;
  };
  const ready = async (): Promise<void> => {
    const idleBytesPerDevice = await idleBytes(REST_WAIT_MS);
    send({
      type: "ready",
      rss: process.memoryUsage().rss,
      idleBytesPerDevice,
      cpuMs: cpuMsNow(),
      devices: fleet.devices.map(listeningDevice),
    });
  };
  fleet.start().then(ready, (error: unknown) => {
    send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  });
});
