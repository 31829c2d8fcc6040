// N simulated devices in one process from one device template (`omadm simulate`): each device is a real
// DmClient with its own DM Tree and state, listening for Package#0 on its own UDP port and/or its own MQTT topic
// (one broker connection for all, `createMqttNotificationHub`), and running real DM sessions over HTTP (one
// undici pool for all). What every device shares is immutable: the MO definitions (one `MoRegistry`), the
// template's values. State lives in memory for the life of the process: the live tree is the device's state.
import { randomBytes } from "node:crypto";
import { notificationTopic, ok } from "@omadm/protocol";
import {
  createDeviceMoRegistry,
  createDmClient,
  createMqttNotificationHub,
  createUdpNotificationTransport,
  createUndiciHttpClient,
  createAccountHttpClient,
  type AccountConfig,
  type BoundNotificationTransport,
  type DeviceConfig,
  type DmClient,
  type DmClientLogger,
  type MqttNotificationHub,
  type NotificationTransport,
  type StateStore,
  type UdpNotificationTransport,
  type UndiciHttpClient,
  type UndiciHttpClientOptions,
} from "@omadm/client";
import type { DeviceBehaviour, SimulatedDevice } from "./behaviour-types.js";
import { httpOptions } from "../client/device.js";
import { bootstraps } from "./bootstrap-template.js";
import { FleetStats } from "./stats.js";

export interface FleetOptions {
  readonly template: DeviceConfig;
  readonly devices: number;
  /** The number of the first device (default 1). */
  readonly first?: number;
  readonly devId: (n: number) => string;
  /** Each device binds `host:basePort + index` (basePort 0: a free port each); null: no UDP. */
  readonly udp: { readonly host: string; readonly basePort: number } | null;
  /**
   * One connection, one topic per device (`notificationTopic(devId, topicPrefix)`, prefix default
   * `omadm/notify`: a bench gives each run a random one so that runs sharing a broker never wake each other's
   * devices); null: no MQTT.
   */
  readonly mqtt: { readonly url: string; readonly topicPrefix?: string } | null;
  readonly behaviour: DeviceBehaviour;
  /** Most HTTP connections to the DM Server (default 256). */
  readonly connections?: number;
  readonly logger: DmClientLogger;
}

export interface FleetDevice extends SimulatedDevice {
  readonly udp: UdpNotificationTransport | undefined;
  readonly topic: string | undefined;
}

export interface Fleet {
  /** The template the devices were made from. */
  readonly template: DeviceConfig;
  readonly devices: readonly FleetDevice[];
  readonly stats: FleetStats;
  /** Sets every device up and starts its listeners, `parallel` at a time. */
  start(parallel?: number): Promise<void>;
  /** Stops every device and closes the shared connections. Idempotent. */
  stop(): Promise<void>;
}

/** Nothing is written anywhere: a simulated device's state is its live tree, for the life of the process. */
const volatileState: StateStore = {
  load: () => Promise.resolve(ok(undefined)),
  save: () => Promise.resolve(ok(undefined)),
};

const nodeTimers = {
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/**
 * The template's accounts for one device: a notification auth data equal to the template's DevID (the usual
 * choice, §2.5) becomes this device's DevID; everything else is the template's.
 */
function accountsFor(template: DeviceConfig, devId: string): readonly AccountConfig[] {
  const templateId = Buffer.from(template.devInfo.devId, "utf8");
  return template.accounts.map((a) => {
    const noti = a.input.noti;
    if (noti === undefined || !Buffer.from(noti.data).equals(templateId)) return a;
    return { ...a, input: { ...a.input, noti: { ...noti, data: new Uint8Array(Buffer.from(devId, "utf8")) } } };
  });
}

/** The device config of one simulated device: the template with its DevID and no listeners of its own. */
export function deviceConfigFor(template: DeviceConfig, devId: string): DeviceConfig {
  return {
    ...template,
    devInfo: { ...template.devInfo, devId },
    accounts: accountsFor(template, devId),
    notifications: { ...template.notifications, udp: [], mqtt: [] },
  };
}

/** One undici pool per distinct options for the whole fleet; the pools close with the fleet, not per device. */
function createSharedPools() {
  const pools = new Map<string, UndiciHttpClient>();
  const hex = (_k: string, v: unknown): unknown => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v);
  return {
    create(o: UndiciHttpClientOptions): UndiciHttpClient {
      const key = JSON.stringify(o, hex);
      let pool = pools.get(key);
      if (pool === undefined) {
        pool = createUndiciHttpClient(o);
        pools.set(key, pool);
      }
      const shared = pool;
      return { request: (req) => shared.request(req), close: () => Promise.resolve() };
    },
    async close(): Promise<void> {
      await Promise.all([...pools.values()].map((p) => p.close()));
      pools.clear();
    },
  };
}

export function createFleet(options: FleetOptions): Fleet {
  const { template, logger } = options;
  const first = options.first ?? 1;
  const registry = createDeviceMoRegistry(template);
  const base = { ...httpOptions(template, logger), connections: options.connections ?? 256 };
  // Devices that bootstrap present each account's own TLS credentials to its server only (docs/bootstrap.md):
  // one account HTTP client each, over pools shared by the fleet (a batch PSK is one pool, not one per device).
  const accountTls = bootstraps(template);
  const pools = createSharedPools();
  const http = pools.create(base);
  const hub: MqttNotificationHub | null =
    options.mqtt === null ? null : createMqttNotificationHub({ url: options.mqtt.url, logger });
  const stats = new FleetStats();
  // Notifications without SERVER-ID belong to the template's only account (§2.7 step 1).
  const boundServer = template.accounts.length === 1 ? template.accounts[0]?.input.srvId : undefined;
  const bind = (transport: NotificationTransport): NotificationTransport | BoundNotificationTransport =>
    boundServer === undefined ? transport : { transport, serverId: boundServer };

  const devices: FleetDevice[] = [];
  for (let index = 0; index < options.devices; index++) {
    const number = first + index;
    const devId = options.devId(number);
    const udp =
      options.udp === null
        ? undefined
        : createUdpNotificationTransport({
            host: options.udp.host,
            port: options.udp.basePort === 0 ? 0 : options.udp.basePort + index,
            logger,
          });
    const topic = options.mqtt === null ? undefined : notificationTopic(devId, options.mqtt.topicPrefix);
    const transports = [
      ...(udp === undefined ? [] : [bind(udp)]),
      ...(hub === null || topic === undefined ? [] : [bind(hub.transport(topic))]),
    ];
    const holder: { client?: DmClient } = {};
    const deviceHttp = accountTls
      ? createAccountHttpClient({
          base,
          accounts: () => holder.client?.accounts() ?? [],
          create: (o) => pools.create(o),
        })
      : http;
    const client = createDmClient(
      {
        stateStore: volatileState,
        http: deviceHttp,
        transports,
        registry,
        clock: { now: () => Date.now() },
        timers: nodeTimers,
        random: (n) => new Uint8Array(randomBytes(n)),
        logger,
      },
      deviceConfigFor(template, devId),
    );
    holder.client = client;
    let startedAt = 0;
    client.on("session-start", () => {
      startedAt = performance.now();
      stats.started();
    });
    client.on("session", (outcome) => {
      stats.finished(performance.now() - startedAt, outcome.kind === "completed");
    });
    client.on("notification-accepted", () => {
      stats.notificationsAccepted++;
    });
    client.on("notification-rejected", () => {
      stats.notificationsRejected++;
    });
    devices.push({ index, number, devId, client, udp, topic });
  }

  let stopping: Promise<void> | undefined;
  return {
    template,
    devices,
    stats,
    async start(parallel = 256) {
      for (let i = 0; i < devices.length; i += parallel) {
        await Promise.all(
          devices.slice(i, i + parallel).map(async (d) => {
            await options.behaviour.setup(d);
            // A factory bootstrap account owes its session at once: the bootstrap (§14).
            await d.client.start(accountTls ? { sendBootstrapComplete: true } : {});
            await options.behaviour.started?.(d);
          }),
        );
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        // The hub first: its devices then stop without one UNSUBSCRIBE each.
        await hub?.close();
        for (let i = 0; i < devices.length; i += 512) {
          await Promise.all(devices.slice(i, i + 512).map((d) => d.client.stop()));
        }
        await http.close();
        await options.behaviour.close?.();
        await pools.close();
      })()),
  };
}
