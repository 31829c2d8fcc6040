// Builds the simulated device of `omadm client …` from its config file: the DmClient over a file state store in
// the config's state directory, one undici HTTP client with the accounts' TLS material, the notification
// listeners (daemon only) and the browser launcher. Everything the client needs is created here and closed by
// `close()`, so a command never leaves a socket or timer behind.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import { MOID_FUMO, notificationTopic } from "@omadm/protocol";
import { ConfigProblem } from "../cli-errors.js";
import {
  type BoundNotificationTransport,
  type DeviceConfig,
  type DmClient,
  type DmClientLogger,
  type NotificationTransport,
  type UdpNotificationTransport,
  type UndiciHttpClient,
  type UndiciHttpClientOptions,
  createDmClient,
  registerFumo,
  type FumoHandle,
  createFileStateStore,
  createMqttNotificationTransport,
  createSpawnBrowserLauncher,
  createUdpNotificationTransport,
  createAccountHttpClient,
  loadDeviceConfig,
  nodeStateFs,
  stateDirLayout,
} from "@omadm/client";

/** Node timers, kept referenced: `client run` waits for delayed EXEC results before it exits. */
const nodeTimers = {
  setTimeout(callback: () => void, ms: number): unknown {
    return setTimeout(callback, ms);
  },
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface Device {
  readonly config: DeviceConfig;
  readonly client: DmClient;
  /** The notification listeners (empty unless asked for). */
  readonly listeners: readonly { readonly description: string; readonly transport: NotificationTransport }[];
  /** The FUMO handler (docs/firmware.md) when an account permits FUMO; `ensureInstance()` after `start()`. */
  readonly fumo: FumoHandle | undefined;
  /** Stops the client (saving its state) and closes the HTTP pool; idempotent. */
  close(): Promise<void>;
}

export interface OpenDeviceOptions {
  readonly listen?: boolean;
  readonly logger: DmClientLogger;
}

/** Reads and checks a device config file; a problem is a ConfigProblem naming the file and the key. */
export function readDeviceConfig(configPath: string): DeviceConfig {
  const loaded = loadDeviceConfig(configPath);
  if (!loaded.ok) throw new ConfigProblem(`${configPath}: ${loaded.error.message}`, loaded.error);
  return loaded.value;
}

/** The device of a config; the caller holds the state directory's lock (docs/client-state.md). */
export function openDevice(config: DeviceConfig, options: OpenDeviceOptions): Device {
  // Owner-only: the state holds the accounts' secrets, and the daemon's control socket lives there.
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  chmodSync(config.stateDir, 0o700);
  // Each account's own TLS credentials (Auth/Bootstrap, Auth/Trsp) go only to its server; the config's are the base.
  const holder: { client?: DmClient } = {};
  const http = createAccountHttpClient({
    base: httpOptions(config, options.logger),
    accounts: () => holder.client?.accounts() ?? [],
  });
  const listeners = options.listen === true ? notificationListeners(config, options.logger) : [];
  const transports: (NotificationTransport | BoundNotificationTransport)[] = listeners.map((l) =>
    l.serverId === undefined ? l.transport : { transport: l.transport, serverId: l.serverId },
  );
  const client = createDmClient(
    {
      stateStore: createFileStateStore({ fs: nodeStateFs() }, { path: stateDirLayout(config.stateDir).stateFile }),
      http,
      transports,
      ...(config.browser === undefined ? {} : { browser: browserFor(config.browser) }),
      clock: { now: () => Date.now() },
      timers: nodeTimers,
      random: (n) => new Uint8Array(randomBytes(n)),
      logger: options.logger,
    },
    config,
  );
  let closing: Promise<void> | undefined;
  holder.client = client;
  // A device whose account permits FUMO updates its firmware (a simulated one: nothing is installed, FwV changes).
  const fumo = client.tree.registry.get(MOID_FUMO) === undefined ? undefined : registerFumo(client, { rebootMs: 1000 });
  return {
    config,
    client,
    fumo,
    listeners: listeners.map((l) => ({ description: l.description, transport: l.transport })),
    close: () => (closing ??= client.stop().finally(() => http.close())),
  };
}

function browserFor(argv: readonly string[]) {
  const [command = "xdg-open", ...args] = argv;
  return createSpawnBrowserLauncher({ command, args });
}

/**
 * One HTTP client serves every account (sessions, repository transfers, SUB reports): the CAs of all accounts
 * are trusted; the client certificate and the PSK come from the first account that has them.
 */
export function httpOptions(config: DeviceConfig, logger: DmClientLogger): UndiciHttpClientOptions {
  const tls = config.accounts.flatMap((a) => (a.tls === undefined ? [] : [{ srvId: a.input.srvId, ...a.tls }]));
  const ca = tls.flatMap((t) => (t.ca === undefined ? [] : [t.ca]));
  const withCert = tls.filter((t) => t.cert !== undefined && t.key !== undefined);
  const withPsk = tls.filter((t) => t.psk !== undefined);
  if (withCert.length > 1 || withPsk.length > 1) {
    logger.warn(
      { accounts: [...withCert, ...withPsk].map((t) => t.srvId) },
      "several accounts have client credentials; the simulator uses the first account's",
    );
  }
  const cert = withCert[0];
  const psk = withPsk[0]?.psk;
  return {
    allowHttp: config.allowHttp,
    ...(ca.length === 0 ? {} : { ca }),
    ...(cert?.cert === undefined || cert.key === undefined ? {} : { cert: cert.cert, key: cert.key }),
    ...(psk === undefined ? {} : { psk: { identity: psk.identity, key: psk.key } }),
    ...(tls.some((t) => t.rejectUnauthorized === false) ? { rejectUnauthorized: false } : {}),
  };
}

interface Listener {
  readonly description: string;
  readonly transport: NotificationTransport;
  /** The account notifications without SERVER-ID belong to (§2.7 step 1). */
  readonly serverId: string | undefined;
}

function notificationListeners(config: DeviceConfig, logger: DmClientLogger): Listener[] {
  const out: Listener[] = [];
  for (const u of config.notifications.udp) {
    const transport = createUdpNotificationTransport({ host: u.host, port: u.port, logger });
    out.push({ description: `udp ${u.host}:${u.port}`, transport, serverId: u.srvId });
  }
  for (const m of config.notifications.mqtt) {
    const topic = m.topic ?? notificationTopic(config.devInfo.devId);
    const transport = createMqttNotificationTransport({
      url: m.url,
      topic,
      logger,
      ...(m.clientId === undefined ? {} : { clientId: m.clientId }),
      ...(m.username === undefined ? {} : { username: m.username }),
      ...(m.password === undefined ? {} : { password: m.password }),
    });
    out.push({ description: `mqtt ${m.url} topic ${topic}`, transport, serverId: m.srvId });
  }
  return out;
}

/** Where a started UDP listener really listens (port 0 picks one). */
export function describeListener(l: Device["listeners"][number]): string {
  if (l.transport.name !== "udp") return l.description;
  const address = (l.transport as UdpNotificationTransport).address();
  return address === undefined ? l.description : `udp ${address.host}:${address.port}`;
}

export type { UndiciHttpClient };
