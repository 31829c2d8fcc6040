// Fixtures for the DmClient, notification-intake and end-to-end tests: device configs built through the real
// config parser (with the example gateway DDF from examples/), a client wired to real loopback HTTP, manual
// timers (tests fire them; nothing sleeps), an event recorder, and Package#0 builders.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type ConType,
  type Notification,
  encodeNotification,
  parsePackage1,
  signNotification,
  type Package1,
} from "@omadm/protocol";
import { createInbox, type Inbox } from "../../../test-support/async-inbox.js";
import type { Timers } from "../src/commands/command-env.js";
import { type DeviceConfig, parseDeviceConfig } from "../src/config/device-config.js";
import type { DmClientEventName, DmClientEvents } from "../src/dm-client/events.js";
import { createDmClient } from "../src/dm-client/dm-client.js";
import type { DmClient, DmClientDeps } from "../src/dm-client/dm-client-types.js";
import { createUndiciHttpClient } from "../src/http/undici-http-client.js";
import type { BearerAvailability } from "../src/notification/bearer.js";
import type { NotificationTransport } from "../src/notification/transports/notification-transport.js";
import { createMemoryStateStore } from "../src/state/state-store.js";
import type { StateStore } from "../src/state/state-store.js";
import type { Exchange } from "./http-fixtures.js";

export const EXAMPLES_DIR = fileURLToPath(new URL("../../../examples/", import.meta.url));
export const GATEWAY = "urn:oma:mo:x-omadm-gateway:1.0";
export const DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
export const DMACC = "urn:oma:mo:oma-dm-dmacc:1.2";
export const SESSIONINFO = "urn:oma:mo:oma-sessioninfomo:1.0";
export const DEV_ID = "IMEI:359000000000099";

export const SECRET = new TextEncoder().encode("dm1-notification-secret");
export const AUTH_DATA = new TextEncoder().encode(DEV_ID);
export const LEGACY_SECRET = new TextEncoder().encode("legacy-secret");
export const LEGACY_DATA = new TextEncoder().encode("legacy-data");

const ALL_MOIDS = [DEVINFO, DMACC, SESSIONINFO, GATEWAY];

/** A device config JSON for tests: account "dm1" (Auth/Noti), "plain" (none), "legacy" (seed Credentials/Noti). */
export function deviceJson(srvUri: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    devInfo: {
      devId: DEV_ID,
      man: "omadm tests",
      mod: "T-1",
      lang: "en-US",
      devType: "gateway",
      oem: "omadm",
      fwV: "1.0",
      swV: "1.0",
      hwV: "1.0",
    },
    accounts: [
      {
        srvId: "dm1",
        srvUri,
        name: "test server",
        permittedMoids: ALL_MOIDS,
        notification: { secret: { utf8: "dm1-notification-secret" }, authData: { utf8: DEV_ID } },
      },
      { srvId: "plain", srvUri, name: "no credentials", permittedMoids: ALL_MOIDS },
      {
        srvId: "legacy",
        srvUri,
        name: "draft change-request layout",
        permittedMoids: ALL_MOIDS,
        notification: {
          secret: { hex: Buffer.from(LEGACY_SECRET).toString("hex") },
          authData: { base64: Buffer.from(LEGACY_DATA).toString("base64") },
          layout: "seed",
        },
      },
    ],
    mos: [
      {
        ddf: "ddf/gateway.ddf",
        ddfUrl: "http://127.0.0.1/ddf/gateway.ddf",
        instances: [
          {
            miid: "main",
            values: {
              Hostname: "hgw-test",
              LogLevel: "info",
              Wan: { Mode: "dhcp", Mtu: 1500 },
              Ops: { Reboot: null, Diagnostics: null },
            },
          },
        ],
      },
    ],
    exec: [
      { moid: GATEWAY, path: "Ops/Reboot", async: true, result: 200, delayMs: 50 },
      { moid: GATEWAY, path: "Ops/Diagnostics", result: 200 },
    ],
    allowHttp: true,
    ...extra,
  };
}

export function testConfig(json: Record<string, unknown>): DeviceConfig {
  const r = parseDeviceConfig(json, {
    baseDir: EXAMPLES_DIR,
    readFile: (p) => new Uint8Array(readFileSync(p)),
  });
  if (!r.ok) throw r.error;
  return r.value;
}

/** Timers the test fires itself: `runAll()` runs every timer due so far (nothing waits on the wall clock). */
export interface ManualTimers extends Timers {
  readonly pending: number;
  /** Runs the pending timers (and the ones they start) until none is left; returns how many ran. */
  runAll(): number;
  /** Resolves when at least one timer is pending. */
  waitForTimer(): Promise<void>;
}

export function manualTimers(): ManualTimers {
  const timers = new Map<number, () => void>();
  const waiters: (() => void)[] = [];
  let next = 1;
  return {
    setTimeout(callback) {
      const id = next++;
      timers.set(id, callback);
      for (const w of waiters.splice(0)) w();
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    get pending() {
      return timers.size;
    },
    runAll() {
      let ran = 0;
      while (timers.size > 0) {
        const [id, cb] = timers.entries().next().value as [number, () => void];
        timers.delete(id);
        cb();
        ran++;
      }
      return ran;
    },
    waitForTimer() {
      if (timers.size > 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** A settable clock, starting at a whole second. */
export function testClock(start = Date.UTC(2025, 5, 1, 12, 0, 0)): { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

export const quietLogger = { info(): void {}, warn(): void {}, debug(): void {} };

export interface TestClient {
  readonly client: DmClient;
  readonly timers: ManualTimers;
  readonly clock: ReturnType<typeof testClock>;
  readonly store: StateStore;
  events<K extends DmClientEventName>(name: K): Inbox<DmClientEvents[K]>;
  close(): Promise<void>;
}

export function makeClient(
  config: DeviceConfig,
  parts: {
    readonly store?: StateStore;
    readonly transports?: DmClientDeps["transports"];
    readonly bearer?: BearerAvailability;
    readonly clock?: ReturnType<typeof testClock>;
    readonly timers?: ManualTimers;
    readonly browser?: DmClientDeps["browser"];
    readonly runProcess?: DmClientDeps["runProcess"];
    readonly logger?: DmClientDeps["logger"];
  } = {},
): TestClient {
  const http = createUndiciHttpClient({ allowHttp: true, connectTimeoutMs: 5000, requestTimeoutMs: 10_000 });
  const timers = parts.timers ?? manualTimers();
  const clock = parts.clock ?? testClock();
  const store = parts.store ?? createMemoryStateStore();
  let closed = false;
  const client = createDmClient(
    {
      stateStore: store,
      http,
      clock,
      timers,
      random: (n) => new Uint8Array(randomBytes(n)),
      logger: parts.logger ?? quietLogger,
      ...(parts.transports === undefined ? {} : { transports: parts.transports }),
      ...(parts.bearer === undefined ? {} : { bearer: parts.bearer }),
      ...(parts.browser === undefined ? {} : { browser: parts.browser }),
      ...(parts.runProcess === undefined ? {} : { runProcess: parts.runProcess }),
    },
    config,
    { responseTimeoutMs: 10_000, transferTimeoutMs: 10_000 },
  );
  return {
    client,
    timers,
    clock,
    store,
    events(name) {
      const inbox = createInbox<DmClientEvents[typeof name]>();
      client.on(name, (e) => {
        inbox.push(e);
      });
      return inbox;
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.stop();
      await http.close();
    },
  };
}

export type { NotificationTransport };

/** Package#0 for account dm1 (signed with its credentials unless `sign` says otherwise). */
export function notificationBytes(
  n: Partial<Notification> & { readonly serverId?: string },
  sign: "dm1" | "legacy" | "wrong" | "none" = "dm1",
): Uint8Array {
  const full: Notification = { reqMos: false, unknownOptions: [], ...n };
  switch (sign) {
    case "none":
      return encodeNotification(full);
    case "dm1":
      return signNotification(full, { secret: SECRET, authData: AUTH_DATA });
    case "legacy":
      return signNotification(full, { secret: LEGACY_SECRET, authData: LEGACY_DATA });
    case "wrong":
      return signNotification(full, { secret: new TextEncoder().encode("not the secret"), authData: AUTH_DATA });
  }
}

export function nowSeconds(clock: { now(): number }): number {
  return Math.floor(clock.now() / 1000);
}

export function p1Of(ex: Exchange): Package1 {
  const r = parsePackage1(ex.body);
  if (!r.ok) throw r.error;
  return r.value;
}

export type { ConType };
