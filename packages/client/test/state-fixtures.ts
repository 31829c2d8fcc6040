// Shared fixtures for the client-state tests: a populated tree + grants + records, and a file layer that
// "crashes" at a chosen step of a write (every later operation fails too, as in a dead process).
import { MOID_DEVINFO, MOID_DMACC, type GenericAlert } from "@omadm/protocol";
import { createAccessControl, type AccessControl } from "../src/access/access-control.js";
import type { ClientStateRecords } from "../src/state/client-state.js";
import { type StateFs, nodeStateFs } from "../src/state/state-fs.js";
import { LOCAL, serverActor } from "../src/tree/actor.js";
import { createDevInfo } from "../src/tree/devinfo.js";
import { createDmAccount } from "../src/tree/dmacc.js";
import { createDmTree, type DmTree } from "../src/tree/dm-tree.js";
import { createMoRegistry } from "../src/tree/mo-registry.js";
import { defineMo } from "../src/tree/define.js";
import { readShippedDdf } from "../src/tree/shipped-ddf.js";
import { registerStandardMos } from "../src/tree/standard-ddf.js";
import { SENSOR, must, sensorRoot } from "./tree-fixtures.js";

export interface Client {
  readonly tree: DmTree;
  readonly access: AccessControl;
}

/** A fresh client with the standard MOs and the sensor MO registered, nothing in it. */
export function emptyClient(): Client {
  const registry = createMoRegistry();
  must(registerStandardMos(registry, readShippedDdf));
  must(registry.register(defineMo(SENSOR, sensorRoot())));
  const tree = createDmTree({ registry });
  return { tree, access: createAccessControl({ tree }) };
}

export function populatedClient(): Client {
  const c = emptyClient();
  must(
    createDevInfo(c.tree, {
      devId: "IMEI:1",
      man: "m",
      mod: "m",
      lang: "en",
      devType: "t",
      oem: "o",
      fwV: "1",
      swV: "1",
      hwV: "1",
    }),
  );
  must(
    createDmAccount(c.tree, {
      srvId: "srvA",
      srvUri: "https://a.example/",
      name: "A",
      permittedMoids: [MOID_DEVINFO, SENSOR, MOID_DMACC],
      noti: { type: 1, secret: new Uint8Array([1, 2]), data: new Uint8Array([3]) },
    }),
  );
  must(
    c.tree.addInstance(SENSOR, {
      actor: serverActor("srvA"),
      miid: "s1",
      moData: { r: { ID: "GPS", Count: 3, Blob: "AAE=", Perm: { p: { MOID: "urn:x:1" } } } },
    }),
  );
  must(
    c.tree.addInstance(SENSOR, { actor: LOCAL, miid: "s2", moData: { r: { ID: "local", Ext: { v: { on: true } } } } }),
  );
  must(c.access.grant(LOCAL, { moid: SENSOR, miid: "s1", srvId: "srvB", rights: ["Read"] }));
  return c;
}

const alert: GenericAlert = {
  AlertType: "urn:oma:at:dm:2.0:ExecComplete",
  SourceURI: `${SENSOR}/s1/Data`,
  DataType: "application/json",
  Data: { sc: 200 },
};

export const RECORDS: ClientStateRecords = {
  subscriptions: [
    { srvId: "srvA", clientUri: `${SENSOR}/s1/`, serverUri: "https://a.example/sub/1", createdAt: 1_700_000_000_000 },
  ],
  defaults: [{ moid: SENSOR, serverUri: "https://a.example/defaults/sensor", srvId: "srvA", setAt: 1_700_000_000_001 }],
  notificationIds: [{ srvId: "srvA", notificationId: 4660, receivedAt: 1_700_000_000_002 }],
  pendingAlerts: [{ id: "al-1", srvId: "srvA", alert, queuedAt: 1_700_000_000_003 }],
  pendingReports: [
    { id: "rep-1", srvId: "srvA", serverUri: "https://a.example/async/7", alert, createdAt: 1_700_000_000_004 },
    { id: "rep-2", srvId: "srvA", alert, createdAt: 1_700_000_000_005, attempts: 2, nextAttemptAt: 1_700_000_060_000 },
  ],
  pendingNotifications: [
    { id: "n-1", srvId: "srvA", notificationId: 4661, reqMos: true, bearer: 3, receivedAt: 1_700_000_000_006 },
    { id: "n-2", srvId: "srvA", reqMos: false, preferred: [1, 2], receivedAt: 1_700_000_000_007 },
  ],
};

export const CrashPoint = {
  Open: "open",
  MidWrite: "mid-write",
  BeforeSync: "before-sync",
  BeforeRename: "before-rename",
  BeforeDirSync: "before-dir-sync",
} as const;
export type CrashPoint = (typeof CrashPoint)[keyof typeof CrashPoint];

/** Real files, but the process "dies" at `at`: that step fails (a mid-write leaves half the bytes) and so does every later one. */
export function crashingFs(at: CrashPoint): StateFs & { readonly crashed: () => boolean } {
  const real = nodeStateFs();
  let dead = false;
  const die = (): never => {
    dead = true;
    throw new Error(`simulated crash at ${at}`);
  };
  const alive = (): void => {
    if (dead) throw new Error("process is dead");
  };
  return {
    crashed: () => dead,
    async readFile(path) {
      alive();
      return real.readFile(path);
    },
    async openForWrite(path) {
      alive();
      if (at === "open") die();
      const file = await real.openForWrite(path);
      return {
        async write(data) {
          alive();
          if (at === "mid-write") {
            await file.write(data.subarray(0, Math.floor(data.byteLength / 2)));
            await file.sync();
            die();
          }
          await file.write(data);
        },
        async sync() {
          alive();
          if (at === "before-sync") die();
          await file.sync();
        },
        close: () => file.close(), // the OS closes a dead process's files
      };
    },
    async rename(from, to) {
      alive();
      if (at === "before-rename") die();
      await real.rename(from, to);
    },
    async syncDir(dir) {
      alive();
      if (at === "before-dir-sync") die();
      await real.syncDir(dir);
    },
    async remove(path) {
      alive();
      await real.remove(path);
    },
  };
}
