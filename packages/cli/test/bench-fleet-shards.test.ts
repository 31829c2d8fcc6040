// The simulated fleet of `bench:fleet` and `bench:campaign` in several processes (bench/fleet-shards.ts), end to
// end: a real `omadm server` child with its MQTT notifier on the real Mosquitto, two simulator processes of three
// devices each, registered in bulk, woken through the API, Package#0 through the broker on topics under a prefix
// random per run; every device's session completes its GET once, and the counters of both processes add up.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { NOTIFICATION_TOPIC_PREFIX } from "@omadm/protocol";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { uploadImport } from "../src/admin/import-upload.js";
import { registrationLines } from "../src/simulate/register.js";
import { FleetStats } from "../src/simulate/stats.js";
import {
  api,
  closeAgent,
  cpuOf,
  cpuSince,
  pidsNamed,
  serverPids,
  startServer,
  templateFor,
} from "../bench/bench-server.js";
import { acrossProcesses, startShardedFleet } from "../bench/fleet-shards.js";
import { defaultPerProcess } from "../bench/fleet-wake.js";

const mqtt = await requireMqtt();
const GET = "urn:oma:mo:oma-dm-devinfo:1.2//DevID";

test(
  "bench fleet: 6 devices in 2 simulator processes, woken over MQTT, each completes its GET once",
  { skip: skipUnlessAvailable(mqtt).skip, timeout: 180_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "omadm-shards-"));
    const server = await startServer(["--host", "127.0.0.1", "--port", "0", "--data-dir", dir, "--store", "sqlite"], {
      OMADM_NOTIFIER_MQTT_URL: serviceUrl(mqtt),
    });
    try {
      const fleet = await startShardedFleet({
        serverBase: server.base,
        devices: 6,
        perProcess: 3,
        wake: "mqtt",
        mqttUrl: serviceUrl(mqtt),
        behaviour: { kind: "standard" },
        connections: 4,
      });
      try {
        assert.equal(fleet.processes, 2);
        assert.equal(fleet.startRss.length, 2);
        const ids = fleet.devices.map((d) => d.devId);
        assert.deepEqual(
          ids,
          [1, 2, 3, 4, 5, 6].map((n) => `IMEI:35900000${String(n).padStart(7, "0")}`),
        );
        const prefixes = new Set(fleet.devices.map((d) => d.topic?.split("/").slice(0, -1).join("/")));
        assert.equal(prefixes.size, 1, "one prefix for the run");
        assert.notEqual([...prefixes][0], NOTIFICATION_TOPIC_PREFIX);
        assert.ok(fleet.devices.every((d) => d.udpPort === undefined));

        const report = await uploadImport({
          baseUrl: server.base,
          contentType: "application/x-ndjson",
          body: registrationLines(templateFor(server.base), fleet.devices, { udpHost: undefined, labels: {} }),
        });
        assert.equal(report.created, 6);
        const bulk = await api(server.base, "POST", "/commands/bulk", { command: ["GET", GET], deviceIds: ids });
        assert.equal(bulk.status, 200);

        const completed = new Set<string>();
        const allDone = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(new Error(`only ${completed.size} of 6 sessions completed in 90 s`));
          }, 90_000);
          fleet.onCompleted((id) => {
            completed.add(id);
            if (completed.size === ids.length) {
              clearTimeout(timer);
              resolve();
            }
          });
        });
        const cpuAtWake = cpuOf(serverPids(server));
        assert.deepEqual([...cpuAtWake.keys()], [server.child.pid], "one server process, no workers");
        for (const id of ids) {
          const { status } = await api(server.base, "POST", `/devices/${encodeURIComponent(id)}/wake`, {});
          assert.equal(status, 200);
        }
        await allDone;
        // The processes report device numbers; the bench hands out the DevIDs they stand for.
        assert.deepEqual([...completed].sort(), ids);
        assert.ok(cpuSince(cpuAtWake, cpuOf(serverPids(server))) > 0, "the server worked for the sessions");
        const { stats, peakRssMb, cpuMs } = await fleet.stats();
        assert.ok(fleet.startCpuMs > 0 && cpuMs > fleet.startCpuMs, `start ${fleet.startCpuMs} ms, all ${cpuMs} ms`);
        const s = stats.snapshot();
        assert.equal(s.sessions, 6, "the counters of both processes add up");
        assert.equal(s.errors, 0);
        assert.ok(s.p99Ms >= s.p50Ms);
        assert.equal(peakRssMb.length, 2);
        for (const id of ids) {
          const { json } = await api(server.base, "GET", `/devices/${encodeURIComponent(id)}/commands`);
          const items = (json as { items: { state: string; attempts: number }[] }).items;
          assert.deepEqual(
            items.map((c) => [c.state, c.attempts]),
            [["done", 1]],
            id,
          );
        }
      } finally {
        await fleet.stop();
      }
    } finally {
      await server.stop();
      closeAgent();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test("bench fleet: a process's CPU from /proc, counted from zero when born after the first reading", () => {
  const before = cpuOf([process.pid]);
  assert.ok((before.get(process.pid) ?? -1) >= 0);
  const born = new Map([
    [process.pid, before.get(process.pid) ?? 0],
    [2 ** 22 + 1, 5],
  ]);
  assert.equal(cpuSince(new Map(), born), (before.get(process.pid) ?? 0) + 5);
  assert.equal(cpuSince(before, new Map([[process.pid, (before.get(process.pid) ?? 0) + 7]])), 7);
  const comm = readFileSync(`/proc/${process.pid}/comm`, "utf8").trim();
  assert.ok(pidsNamed(comm).includes(process.pid), `a process named ${comm}`);
  assert.deepEqual(pidsNamed("no-such-process-name"), []);
});

test("bench fleet: the buckets of several processes' counters give the p99 of all their sessions", () => {
  const a = new FleetStats();
  const b = new FleetStats();
  for (let i = 0; i < 98; i++) a.finished(10, true);
  b.finished(500, true);
  b.finished(900, false);
  const all = new FleetStats();
  for (const s of [a, b]) {
    all.errors += s.errors;
    for (const [ms, n] of s.buckets()) all.record(ms, n);
  }
  const snap = all.snapshot();
  assert.equal(snap.sessions, 100);
  assert.equal(snap.errors, 1);
  assert.equal(snap.p50Ms, 10);
  assert.equal(snap.p99Ms, 500);
  assert.equal(snap.maxMs, 900);
});

test("bench fleet: wakes take turns between the simulator processes, every device once", () => {
  const devices = Array.from({ length: 7 }, (_, i) => i + 1);
  assert.deepEqual(acrossProcesses(devices, 3), [1, 4, 7, 2, 5, 3, 6]);
  assert.deepEqual(acrossProcesses(devices, 10), devices, "one process: number order");
  const many = Array.from({ length: 1000 }, (_, i) => i);
  assert.deepEqual(
    [...acrossProcesses(many, 300)].sort((a, b) => a - b),
    many,
  );
});

test("bench fleet: by default no more simulator processes than cores plus one, at least 100,000 devices each", () => {
  assert.equal(defaultPerProcess(1_000_000, 2), 333_334, "two cores: three processes");
  assert.equal(defaultPerProcess(1_000_000, 9), 100_000, "cores to spare: 100,000 a process");
  assert.equal(defaultPerProcess(5_000, 2), 100_000);
});
