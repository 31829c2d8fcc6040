// N simulated devices in one process from one device template (`omadm simulate`): each device is a real DM
// Client with its own DM Tree and state, listening for Package#0 on its own UDP port and/or its own MQTT topic
// (one broker connection for all, `createMqttNotificationHub`), and running real DM sessions over HTTP (one
// undici pool for all). What every device shares is immutable: the MO definitions (one `MoRegistry`), the
// template's values, and the template's tree nodes (the client's tree is copy-on-write). A device's DmClient lives
// only while it has work (simulated-client.ts); at rest the device is its saved state, kept in memory for the life
// of the process.
import { randomFillSync } from "node:crypto";
import { notificationTopic, ok } from "@omadm/protocol";
import {
  createDeviceMoRegistry,
  createDmClient,
  type ClientStateDocument,
  type DmNode,
  type DmTree,
  createMqttNotificationHub,
  createUdpNotificationTransport,
  createUndiciHttpClient,
  createAccountHttpClient,
  type AccountConfig,
  type DeviceConfig,
  type DmClientDeps,
  type DmClientLogger,
  type MqttNotificationHub,
  type NotificationHandler,
  type UdpNotificationTransport,
  type UndiciHttpClient,
  type UndiciHttpClientOptions,
} from "@omadm/client";
import type { DeviceBehaviour, SimulatedDevice } from "./behaviour-types.js";
import { SimulatedClient, type DevIdLeaf, type DeviceContext } from "./simulated-client.js";
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
  /** A DmClient whose real client lives only while the device works (simulated-client.ts). */
  readonly client: SimulatedClient;
  readonly udp: UdpNotificationTransport | undefined;
  readonly topic: string | undefined;
}

export interface Fleet {
  /** The template the devices were made from. */
  readonly template: DeviceConfig;
  readonly devices: readonly FleetDevice[];
  readonly stats: FleetStats;
  /** How many devices have a live DmClient now (the others rest as their saved state). */
  liveClients(): number;
  /** Sets every device up and starts its listeners, `parallel` at a time. */
  start(parallel?: number): Promise<void>;
  /** Stops every device and closes the shared connections. Idempotent. */
  stop(): Promise<void>;
}

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

/**
 * Random bytes for every device's client from one pool refilled 4 KiB at a time from the same CSPRNG: a client
 * asks for a few bytes several times a session (its session ID, its ids), and one OpenSSL call and Buffer each
 * showed in the fleet's profile. Each byte is handed out once and wiped from the pool as it goes.
 */
function pooledRandom(poolSize = 4096): (size: number) => Uint8Array {
  const pool = new Uint8Array(poolSize);
  let next = poolSize;
  return (size) => {
    if (size > poolSize) return randomFillSync(new Uint8Array(size));
    if (next + size > poolSize) {
      randomFillSync(pool);
      next = 0;
    }
    const out = pool.slice(next, next + size);
    pool.fill(0, next, next + size);
    next += size;
    return out;
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

/** The leaves of `tree` that hold `devId`, as text or as its UTF-8 bytes. */
function devIdLeaves(tree: DmTree, devId: string): DevIdLeaf[] {
  const id = Buffer.from(devId, "utf8");
  const found: DevIdLeaf[] = [];
  const walk = (node: DmNode): void => {
    if (!node.isLeaf) {
      for (const c of node.children()) walk(c);
      return;
    }
    const v = node.leafValue();
    const bytes = v instanceof Uint8Array;
    if (v === devId || (bytes && id.equals(v)))
      found.push({ moid: node.moid, miid: node.miid, path: node.path, bytes });
  };
  for (const moid of tree.moids()) {
    for (const miid of tree.instances(moid)) {
      const root = tree.root(moid, miid);
      if (root !== undefined) walk(root);
    }
  }
  return found;
}

/** The template device's state after its first start (what every device starts from), and its DevID leaves. */
async function templateState(
  deps: Omit<DmClientDeps, "stateStore">,
  template: DeviceConfig,
): Promise<{ doc: ClientStateDocument; leaves: DevIdLeaf[] }> {
  let doc: ClientStateDocument | undefined;
  const client = createDmClient(
    {
      ...deps,
      stateStore: {
        load: () => Promise.resolve(ok(undefined)),
        save: (d) => {
          doc = d;
          return Promise.resolve(ok(undefined));
        },
      },
    },
    template,
  );
  await client.start();
  const leaves = devIdLeaves(client.tree, template.devInfo.devId);
  await client.stop();
  if (doc === undefined) throw new Error("internal: the template device saved no state");
  return { doc, leaves };
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
  const shared: Omit<DmClientDeps, "stateStore"> = {
    http,
    registry,
    clock: { now: () => Date.now() },
    timers: nodeTimers,
    random: pooledRandom(),
    logger,
  };
  let state: { doc: ClientStateDocument; leaves: DevIdLeaf[] } | undefined;
  let live = 0;
  const context: DeviceContext = {
    deps: (device) =>
      accountTls
        ? {
            ...shared,
            http: createAccountHttpClient({ base, accounts: () => device.accounts(), create: (o) => pools.create(o) }),
          }
        : shared,
    config: (devId) => deviceConfigFor(template, devId),
    get templateState() {
      if (state === undefined) throw new Error("internal: the fleet has not started");
      return state.doc;
    },
    get devIdLeaves() {
      return state?.leaves ?? [];
    },
    behaviour: options.behaviour,
    rested() {
      live--;
    },
    live(client) {
      live++;
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
    },
  };

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
    devices.push({ index, number, devId, client: new SimulatedClient(context, index, number, devId), udp, topic });
  }

  let stopping: Promise<void> | undefined;
  // Package#0 from the device's own listeners (the client has none of its own: it does not live between sessions).
  const listen = async (d: FleetDevice): Promise<void> => {
    const receive: NotificationHandler = async (bytes, source) => {
      if (stopping === undefined) await d.client.receiveNotification(bytes, source, boundServer);
    };
    await d.udp?.start(receive);
    if (hub !== null && d.topic !== undefined) await hub.transport(d.topic).start(receive);
  };
  return {
    template,
    devices,
    stats,
    liveClients: () => live,
    async start(parallel = 256) {
      state ??= await templateState(shared, template);
      for (let i = 0; i < devices.length; i += parallel) {
        await Promise.all(
          devices.slice(i, i + parallel).map(async (d) => {
            // A factory bootstrap account owes its session at once: the bootstrap (§14). Any other device comes
            // to life at its first Package#0.
            await d.client.start(accountTls ? { sendBootstrapComplete: true } : {});
            await listen(d);
          }),
        );
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        // The hub first: its devices then stop without one UNSUBSCRIBE each.
        await hub?.close();
        for (let i = 0; i < devices.length; i += 512) {
          await Promise.all(
            devices.slice(i, i + 512).map(async (d) => {
              await d.udp?.stop().catch((error: unknown) => {
                logger.warn({ devId: d.devId, error: String(error) }, "a UDP listener did not stop");
              });
              await d.client.stop();
            }),
          );
        }
        await http.close();
        await options.behaviour.close?.();
        await pools.close();
      })()),
  };
}
