// Session state lives in the store, not in a process (ARCHITECTURE.md invariant 6): a session begun on one server
// instance continues on another over the same SQLite file, and a server restarted in the middle of a session
// (and of a queue) loses nothing and does nothing twice.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AT_CLIENT_INIT } from "@omadm/protocol";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { manualClock, SimDevice, startServer, tempDir } from "./dm-support.js";

const DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2//";

async function queueAll(store: Store, deviceId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await store.commands.enqueue({ deviceId, name: "GET", params: [`${DEVINFO}Ext/k${i}`] })).command.id);
  }
  return ids;
}

test("a session started on instance A continues on instance B over the same SQLite file", async () => {
  const dir = tempDir("omadm-2nodes-");
  const clock = manualClock();
  const storeA = await openSqliteStore({ clock }, { dataDir: dir.path });
  const storeB = await openSqliteStore({ clock }, { dataDir: dir.path });
  const a = await startServer(storeA, clock, { dm: { batchSize: 2 } });
  const b = await startServer(storeB, clock, { dm: { batchSize: 2 } });
  try {
    assert.notEqual(a.base, b.base);
    const device = new SimDevice("IMEI:200000000000001", `${a.base}/dm`);
    await device.p1();
    const ids = await queueAll(storeA, device.devId, 3);

    const p2 = await device.p1([{ AlertType: AT_CLIENT_INIT }]);
    assert.equal(p2.cmd.length, 3); // CONT + 2
    assert.ok(device.contUrl?.startsWith(a.base));

    // A load balancer sends the rest of the session to B: same path, other node, state from the store.
    device.rebase(b.base);
    const p2b = await device.p3([{ sc: 200 }, { sc: 200 }, { sc: 200 }]);
    assert.equal(p2b.status, 200, JSON.stringify(p2b.body));
    assert.deepEqual(p2b.cmd, [["GET", `${DEVINFO}Ext/k2`]]);
    const end = await device.p3([{ sc: 200 }]);
    assert.deepEqual(end.cmd, [["END"]]);

    // Both nodes see the same outcome.
    for (const store of [storeA, storeB]) {
      const cmds = await Promise.all(ids.map((id) => store.commands.get(id)));
      assert.deepEqual(
        cmds.map((c) => [c?.state, c?.attempts]),
        [
          ["done", 1],
          ["done", 1],
          ["done", 1],
        ],
      );
    }
  } finally {
    await a.server.stop();
    await b.server.stop();
    await storeA.close();
    await storeB.close();
    dir.remove();
  }
});

test("two nodes handling the same Package#3 at once: exactly one continues the session", async () => {
  const dir = tempDir("omadm-race-");
  const clock = manualClock();
  const storeA = await openSqliteStore({ clock }, { dataDir: dir.path });
  const storeB = await openSqliteStore({ clock }, { dataDir: dir.path });
  const a = await startServer(storeA, clock);
  const b = await startServer(storeB, clock);
  try {
    const first = new SimDevice("IMEI:200000000000002", `${a.base}/dm`);
    await first.p1();
    const ids = await queueAll(storeA, first.devId, 1);
    await first.p1();
    const twin = new SimDevice(first.devId, first.contUrl ?? "");
    // Both copies post the same statuses, one to each node, concurrently.
    const [x, y] = await Promise.all([
      first.p3([{ sc: 200 }, { sc: 200 }]),
      (async () => {
        twin.rebase(b.base);
        return twin.p3([{ sc: 200 }, { sc: 200 }]);
      })(),
    ]);
    // One continues (its Package#2 ends the session); the other is refused as a conflict or as too late.
    assert.deepEqual([x.status, y.status].sort(), [200, 409]);
    const cmd = await storeA.commands.get(ids[0] ?? "");
    assert.equal(cmd?.state, "done");
    assert.equal(cmd.attempts, 1);
  } finally {
    await a.server.stop();
    await b.server.stop();
    await storeA.close();
    await storeB.close();
    dir.remove();
  }
});

test("a server restart in the middle of a session and of a queue loses nothing and repeats nothing", async () => {
  const dir = tempDir("omadm-restart-");
  const clock = manualClock();
  let store = await openSqliteStore({ clock }, { dataDir: dir.path });
  let node = await startServer(store, clock, { dm: { batchSize: 2 } });
  const port = Number(new URL(node.base).port);
  try {
    const device = new SimDevice("IMEI:200000000000003", `${node.base}/dm`);
    await device.p1();
    const ids = await queueAll(store, device.devId, 5);
    const p2 = await device.p1();
    assert.deepEqual(
      p2.cmd.slice(1).map((c) => c[1]),
      [`${DEVINFO}Ext/k0`, `${DEVINFO}Ext/k1`],
    );

    // Restart: the process goes away between the Package#2 and the device's Package#3.
    await node.server.stop();
    await store.close();
    store = await openSqliteStore({ clock }, { dataDir: dir.path });
    node = await startServer(store, clock, { dm: { batchSize: 2 }, listen: { host: "127.0.0.1", port } });

    const next = await device.p3([{ sc: 200 }, { sc: 200 }, { sc: 200 }]);
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.deepEqual(
      next.cmd.map((c) => c[1]),
      [`${DEVINFO}Ext/k2`, `${DEVINFO}Ext/k3`],
    );
    await device.p3([{ sc: 200 }, { sc: 200 }]);
    const last = await device.p3([{ sc: 200 }]);
    assert.deepEqual(last.cmd, [["END"]]);
    const cmds = await Promise.all(ids.map((id) => store.commands.get(id)));
    assert.deepEqual(
      cmds.map((c) => [c?.state, c?.attempts]),
      ids.map(() => ["done", 1]),
    );
  } finally {
    await node.server.stop();
    await store.close();
    dir.remove();
  }
});

test("after a restart, a session the device abandoned is expired by the new process and its commands sent again", async () => {
  const dir = tempDir("omadm-restart-idle-");
  const clock = manualClock();
  let store = await openSqliteStore({ clock }, { dataDir: dir.path });
  let node = await startServer(store, clock);
  try {
    const device = new SimDevice("IMEI:200000000000004", `${node.base}/dm`);
    await device.p1();
    const ids = await queueAll(store, device.devId, 2);
    await device.p1(); // both sent; the device then gives up (docs/protocol.md §1.5) and the server restarts
    await node.server.stop();
    await store.close();
    store = await openSqliteStore({ clock }, { dataDir: dir.path });
    node = await startServer(store, clock);
    clock.advance(600_001);
    const report = await node.server.sweep();
    assert.equal(report.expiredSessions, 1);
    assert.equal(report.requeuedCommands, 2);
    const again = new SimDevice(device.devId, `${node.base}/dm`);
    const p2 = await again.p1();
    assert.equal(p2.cmd.length, 3);
    await again.p3([{ sc: 200 }, { sc: 200 }, { sc: 200 }]);
    const cmds = await Promise.all(ids.map((id) => store.commands.get(id)));
    assert.deepEqual(
      cmds.map((c) => [c?.state, c?.attempts]),
      [
        ["done", 2],
        ["done", 2],
      ],
    );
  } finally {
    await node.server.stop();
    await store.close();
    dir.remove();
  }
});
