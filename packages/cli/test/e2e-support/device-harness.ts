// The device side of the end-to-end tests: the project's own DM Client (`createDmClient`) with a device config
// parsed by the real config parser (the example gateway MO from examples/), a file state store in a temporary
// directory, the undici HTTP client, and — when asked — real Package#0 listeners (UDP on 127.0.0.1, MQTT on the
// broker). Events are collected in inboxes the tests await; nothing here sleeps.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { notificationTopic } from "@omadm/protocol";
import {
  createDmClient,
  createFileStateStore,
  createMqttNotificationTransport,
  createUdpNotificationTransport,
  createUndiciHttpClient,
  nodeStateFs,
  parseDeviceConfig,
  type BrowserLauncher,
  type DmClient,
  type DmClientEvents,
  type MoCodec,
  type NotificationTransport,
  type SessionOutcome,
  type UdpNotificationTransport,
} from "@omadm/client";
import { createInbox, type Inbox } from "../../../../test-support/async-inbox.js";
import { SERVER_ID } from "./server-harness.js";

export const EXAMPLES_DIR = fileURLToPath(new URL("../../../../examples/", import.meta.url));
export const MOID_DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
export const MOID_DMACC = "urn:oma:mo:oma-dm-dmacc:1.2";
export const MOID_SESSIONINFO = "urn:oma:mo:oma-sessioninfomo:1.0";
/** The example gateway MO (examples/ddf/gateway.ddf): Hostname, LogLevel, Uptime, Wan/{Mode,Mtu}, Ops/{Reboot,…}. */
export const MOID_GATEWAY = "urn:oma:mo:x-omadm-gateway:1.0";

/** The notification credentials of the device's account (DMAcc Auth/Noti), as the server must also hold them. */
export function notificationSecret(devId: string): { readonly secret: string; readonly authData: string } {
  return { secret: `e2e-secret-for-${devId}`, authData: devId };
}

export interface E2eDeviceOptions {
  readonly devId: string;
  readonly srvUri: string;
  /** The state directory (kept across a "reboot": start a second device over the same one). */
  readonly stateDir: string;
  /** Listen for Package#0 on a UDP port of 127.0.0.1. */
  readonly udp?: boolean;
  /** Listen for Package#0 on this broker, topic `notificationTopic(DevID)`. */
  readonly mqttUrl?: string;
  readonly browser?: BrowserLauncher;
  /** MO formats besides JSON (preferred over it when the server advertised nothing). */
  readonly moCodecs?: readonly MoCodec[];
  /** The formats written, most preferred first (DmClientOptions.moMediaTypes). */
  readonly moMediaTypes?: readonly string[];
  /** More instances of the gateway MO besides "main" (each has its own Ops/Diagnostics to EXEC). */
  readonly gatewayInstances?: readonly string[];
  /** MOIDs the account permits besides the standard ones and the gateway MO (e.g. FUMO's). */
  readonly extraMoids?: readonly string[];
  /** HTTP authentication of the account (DMAcc AAuth, docs/protocol.md §11.2). */
  readonly httpAuth?: { readonly type: "BASIC" | "DIGEST"; readonly name: string; readonly password: string };
}

export interface E2eDevice {
  readonly client: DmClient;
  readonly devId: string;
  /** Every "session" event (completed or aborted), in order. */
  readonly sessions: Inbox<SessionOutcome>;
  readonly accepted: Inbox<DmClientEvents["notification-accepted"]>;
  readonly rejected: Inbox<DmClientEvents["notification-rejected"]>;
  /** The UDP port the device listens on (when `udp`). */
  readonly udpPort: number | undefined;
  /** What the client logged, every level (shown in assertion messages). */
  readonly log: readonly string[];
  /** Stops the client (cancelling a running session, saving the state) and closes its HTTP pool. */
  stop(): Promise<void>;
}

/** The device config document: one account for the test server; DevInfo; the gateway MO with instance "main". */
export function deviceConfigJson(options: E2eDeviceOptions): Record<string, unknown> {
  const noti = notificationSecret(options.devId);
  return {
    devInfo: {
      devId: options.devId,
      man: "omadm e2e",
      mod: "E2E-1",
      lang: "en-US",
      devType: "gateway",
      oem: "omadm",
      fwV: "1.0.0",
      swV: "1.0.0",
      hwV: "a",
    },
    accounts: [
      {
        srvId: SERVER_ID,
        srvUri: options.srvUri,
        name: "end-to-end test server",
        permittedMoids: [MOID_DEVINFO, MOID_DMACC, MOID_SESSIONINFO, MOID_GATEWAY, ...(options.extraMoids ?? [])],
        notification: { secret: { utf8: noti.secret }, authData: { utf8: noti.authData } },
        ...(options.httpAuth === undefined
          ? {}
          : {
              httpAuth: {
                type: options.httpAuth.type,
                name: options.httpAuth.name,
                secret: { utf8: options.httpAuth.password },
              },
            }),
      },
    ],
    mos: [
      {
        ddf: "ddf/gateway.ddf",
        instances: ["main", ...(options.gatewayInstances ?? [])].map((miid) => ({
          miid,
          values: {
            Hostname: "hgw-e2e",
            LogLevel: "info",
            Uptime: 0,
            Wan: { Mode: "dhcp", Mtu: 1500 },
            Ops: { Reboot: null, Diagnostics: null },
          },
        })),
      },
    ],
    notifications: { bearers: [3] },
    stateDir: options.stateDir,
    allowHttp: true,
    allowUnauthenticatedNotifications: false,
    // SUB reports go out when the test flushes them, not on a timer.
    subDebounceMs: 3_600_000,
  };
}

/** Node timers, unref'd: a pending client timer never keeps the test process alive. */
const unrefTimers = {
  setTimeout(callback: () => void, ms: number): unknown {
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export async function startDevice(options: E2eDeviceOptions): Promise<E2eDevice> {
  mkdirSync(options.stateDir, { recursive: true });
  const parsed = parseDeviceConfig(deviceConfigJson(options), {
    baseDir: EXAMPLES_DIR,
    readFile: (p) => new Uint8Array(readFileSync(p)),
  });
  if (!parsed.ok) throw parsed.error;
  const log: string[] = [];
  const line = (level: string, details: Record<string, unknown>, message: string): string =>
    `${level} ${message} ${JSON.stringify(details, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`;
  const logger = {
    info(details: Record<string, unknown>, message: string): void {
      log.push(line("info", details, message));
    },
    debug(details: Record<string, unknown>, message: string): void {
      log.push(line("debug", details, message));
    },
    warn(details: Record<string, unknown>, message: string): void {
      log.push(line("warn", details, message));
    },
  };
  const udp: UdpNotificationTransport | undefined =
    options.udp === true ? createUdpNotificationTransport({ host: "127.0.0.1", port: 0, logger }) : undefined;
  const transports: NotificationTransport[] = [
    ...(udp === undefined ? [] : [udp]),
    ...(options.mqttUrl === undefined
      ? []
      : [createMqttNotificationTransport({ url: options.mqttUrl, topic: notificationTopic(options.devId), logger })]),
  ];
  const http = createUndiciHttpClient({ allowHttp: true, connectTimeoutMs: 5_000, requestTimeoutMs: 15_000 });
  const client = createDmClient(
    {
      stateStore: createFileStateStore({ fs: nodeStateFs() }, { path: join(options.stateDir, "state.json") }),
      http,
      transports,
      ...(options.browser === undefined ? {} : { browser: options.browser }),
      clock: { now: () => Date.now() },
      timers: unrefTimers,
      random: (n) => new Uint8Array(randomBytes(n)),
      logger,
    },
    parsed.value,
    {
      responseTimeoutMs: 15_000,
      transferTimeoutMs: 15_000,
      subRetryMs: 0,
      ...(options.moCodecs === undefined ? {} : { moCodecs: options.moCodecs }),
      ...(options.moMediaTypes === undefined ? {} : { moMediaTypes: options.moMediaTypes }),
    },
  );
  const sessions = createInbox<SessionOutcome>();
  const accepted = createInbox<DmClientEvents["notification-accepted"]>();
  const rejected = createInbox<DmClientEvents["notification-rejected"]>();
  client.on("session", (o) => {
    sessions.push(o);
  });
  client.on("notification-accepted", (e) => {
    accepted.push(e);
  });
  client.on("notification-rejected", (e) => {
    rejected.push(e);
  });
  try {
    await client.start();
  } catch (error) {
    await http.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    client,
    devId: options.devId,
    sessions,
    accepted,
    rejected,
    udpPort: udp?.address()?.port,
    log,
    stop: () => (stopping ??= client.stop().finally(() => http.close())),
  };
}

/** The session's status for each command, as `[name, sc]` pairs in order (for readable assertions). */
export function statusesOf(outcome: SessionOutcome): [string, number][] {
  return outcome.commands.map((c) => [c.item[0] ?? "?", c.status.sc]);
}
