// The delivery policy over real loopback HTTP against the composed server (docs/delivery.md): a third-party
// device that never sends Package#3 (it takes its Package#2 and starts a new session each time), the operator
// cancelling a command the device has been sent, and the device's late answer to it. Run on the memory and the
// SQLite store; the PostgreSQL store runs the same rules in the store contract (store-contract-delivery.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "undici";
import { COMMANDS } from "@omadm/protocol";
import { createMemoryStore } from "../src/store/memory-store.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { manualClock, SimDevice, startServer, tempDir } from "./dm-support.js";

const GET_URI = "urn:oma:mo:oma-dm-devinfo:1.2//";
const EXEC_URI = "urn:oma:mo:x-gateway:1.0/main/Ops/Reboot";

const stores: readonly { readonly name: string; readonly open: () => Promise<{ store: Store; done(): void }> }[] = [
  {
    name: "memory",
    open: () => Promise.resolve({ store: createMemoryStore({ clock: manualClock() }), done: () => undefined }),
  },
  {
    name: "sqlite",
    open: async () => {
      const dir = tempDir("omadm-dm-delivery-");
      return { store: await openSqliteStore({ clock: manualClock() }, { dataDir: dir.path }), done: dir.remove };
    },
  },
];

/** The commands of a Package#2 besides CONT and END. */
function commandsOf(cmd: readonly (readonly string[])[]): string[] {
  return cmd.map((c) => c[0] ?? "").filter((n) => n !== "CONT" && n !== "END" && COMMANDS.includes(n as never));
}

async function withServer(name: string, body: (s: { store: Store; base: string }) => Promise<void>) {
  const opened = await stores.find((s) => s.name === name)!.open();
  const clock = manualClock();
  const { server, base } = await startServer(opened.store, clock, { dm: { maxDeliveries: 3 } });
  try {
    await body({ store: opened.store, base });
  } finally {
    await server.stop();
    await opened.store.close();
    opened.done();
  }
}

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await request(`${base}/api/v1${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

for (const { name } of stores) {
  test(`${name}: a device that never sends Package#3: the GET goes out 3 times then fails, the EXEC once then is unknown`, async () => {
    await withServer(name, async ({ base }) => {
      const device = new SimDevice("IMEI:100000000000901", `${base}/dm`);
      assert.equal((await device.p1()).status, 200, "registers");
      const get = await api(base, "POST", `/devices/${device.devId}/commands`, { command: ["GET", GET_URI] });
      const exec = await api(base, "POST", `/devices/${device.devId}/commands`, { command: ["EXEC", EXEC_URI] });
      assert.deepEqual([get.body["delivery"], exec.body["delivery"]], ["at-least-once", "at-most-once"]);
      const seen: string[][] = [];
      for (let session = 0; session < 5; session++) seen.push(commandsOf((await device.p1()).cmd));
      assert.deepEqual(seen, [["GET", "EXEC"], ["GET"], ["GET"], [], []]);
      const g = (await api(base, "GET", `/commands/${String(get.body["id"])}`)).body;
      assert.deepEqual([g["state"], g["attempts"], g["statusCode"]], ["failed", 3, null]);
      assert.match(String(g["reason"]), /never answered: sent 3 times/);
      const e = (await api(base, "GET", `/commands/${String(exec.body["id"])}`)).body;
      assert.deepEqual([e["state"], e["attempts"], e["statusCode"]], ["unknown", 1, null]);
      assert.match(String(e["reason"]), /never answered \(at-most-once\)/);
    });
  });

  test(`${name}: the operator may choose the policy; an at-least-once EXEC is sent again`, async () => {
    await withServer(name, async ({ base }) => {
      const device = new SimDevice("IMEI:100000000000902", `${base}/dm`);
      await device.p1();
      const bad = await api(base, "POST", `/devices/${device.devId}/commands`, {
        command: ["EXEC", EXEC_URI],
        delivery: "exactly-once",
      });
      assert.equal(bad.status, 400);
      const exec = await api(base, "POST", `/devices/${device.devId}/commands`, {
        command: ["EXEC", EXEC_URI],
        delivery: "at-least-once",
      });
      assert.deepEqual([exec.body["delivery"], exec.body["maxDeliveries"]], ["at-least-once", 3]);
      assert.deepEqual(commandsOf((await device.p1()).cmd), ["EXEC"]);
      assert.deepEqual(commandsOf((await device.p1()).cmd), ["EXEC"], "sent again");
    });
  });

  test(`${name}: cancelling a sent command: it is not sent again, and its late answer is recorded`, async () => {
    await withServer(name, async ({ base, store }) => {
      const device = new SimDevice("IMEI:100000000000903", `${base}/dm`);
      await device.p1();
      const get = await api(base, "POST", `/devices/${device.devId}/commands`, { command: ["GET", GET_URI] });
      const id = String(get.body["id"]);
      const p2 = await device.p1();
      assert.deepEqual(commandsOf(p2.cmd), ["GET"]);
      const cancelled = await api(base, "POST", `/commands/${id}/cancel`);
      assert.deepEqual([cancelled.status, cancelled.body["state"]], [200, "cancelled"]);
      // The device had it already: its answer comes, and is recorded.
      const p3 = await device.p3([{ sc: 200 }, { sc: 404 }]);
      assert.equal(p3.status, 200);
      assert.deepEqual(p3.cmd, [["END"]]);
      const late = (await api(base, "GET", `/commands/${id}`)).body;
      assert.deepEqual([late["state"], late["statusCode"]], ["cancelled", 404]);
      assert.deepEqual(late["result"], { uris: [], data: null });
      // Cancelled before the device answered and never answered: not sent again either.
      const second = await api(base, "POST", `/devices/${device.devId}/commands`, { command: ["GET", GET_URI] });
      assert.deepEqual(commandsOf((await device.p1()).cmd), ["GET"]);
      await api(base, "POST", `/commands/${String(second.body["id"])}/cancel`);
      assert.deepEqual(commandsOf((await device.p1()).cmd), [], "not sent again");
      assert.equal((await store.commands.get(String(second.body["id"])))?.state, "cancelled");
    });
  });
}
