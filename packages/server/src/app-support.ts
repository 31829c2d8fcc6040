// What the composition root (app.ts) derives from the configuration alone: the default device authenticator, the
// notification senders, retention's ages, the URLs each component answers at, this node's default name, the
// warning for an API exposed beyond loopback, and a free port to bind before the plugins load.
import { createServer } from "node:net";
import { hostname } from "node:os";
import type { FastifyBaseLogger } from "fastify";
import { isLoopbackAddress } from "./api/auth.js";
import { AuthMode } from "./auth/types.js";
import { createDeviceAuthenticator, type DeviceAuthenticator } from "./auth/device-authenticator.js";
import { loadNonceKey } from "./auth/nonce-key-config.js";
import type { ServerConfig } from "./config-types.js";
import { DM_PATH } from "./dm/dm-endpoint.js";
import type { RetentionOptions } from "./retention/retention.js";
import { createMqttNotificationSender } from "./notifier/transports/mqtt-notification-sender.js";
import type { NotificationSender } from "./notifier/transports/notification-sender.js";
import { createUdpNotificationSender } from "./notifier/transports/udp-notification-sender.js";
import { REPOSITORY_PREFIX } from "./repository/paths.js";
import type { Store } from "./store/store.js";
import type { Clock } from "./store/types.js";
import { UI_SESSION_ROUTE } from "./ui/service.js";

export interface ServerUrls {
  readonly base: string;
  readonly dm: string;
  readonly repository?: string;
  readonly ui?: string;
  readonly api?: string;
  readonly docs?: string;
  /** The web console (docs/console.md). */
  readonly console?: string;
  /** The bootstrap endpoint (bootstrap.enabled): the devices' Auth/Bootstrap/ServerURI. */
  readonly bootstrap?: string;
}

/** `<host name>-<process id>-<random>`: unique per process, and readable in the leases table. */
export function defaultNodeId(random: (size: number) => Uint8Array): string {
  return `${hostname()}-${process.pid}-${Buffer.from(random(4)).toString("hex")}`;
}

/** Retention deletes console sign-ins that ended more than this long ago (retention skips a kind aged 0). */
const CONSOLE_SIGN_IN_RETENTION_MS = 1;

export function retentionOptions(config: ServerConfig): RetentionOptions {
  const r = config.retention;
  return {
    intervalMs: r.intervalMs,
    batchSize: r.batchSize,
    maxAgeMs: {
      sessions: r.sessionsMaxAgeMs,
      commands: r.commandsMaxAgeMs,
      alerts: r.alertsMaxAgeMs,
      notifications: r.notificationsMaxAgeMs,
      uploads: r.uploadsMaxAgeMs,
      uiSessions: r.uiSessionsMaxAgeMs,
      audit: r.auditMaxAgeMs,
      // An ended sign-in can never be used again: removed at the first pass after it ended (docs/console.md).
      consoleSignIns: CONSOLE_SIGN_IN_RETENTION_MS,
    },
  };
}

/**
 * The API reachable beyond loopback while loopback callers need no token: a proxy, tunnel or port mapping on this
 * host that forwards without a forwarding header would make every caller an admin.
 */
export function apiExposureWarning(config: ServerConfig): string | null {
  const host = config.listen.host;
  if (!config.components.api || !config.api.loopbackWithoutToken) return null;
  if (host === "localhost" || isLoopbackAddress(host)) return null;
  return (
    `the REST API listens on ${config.listen.host} and api.loopbackWithoutToken is on: a proxy, tunnel or port ` +
    "mapping on this host that forwards without Forwarded/X-Forwarded-For makes every caller an administrator; " +
    "turn api.loopbackWithoutToken off (and use API tokens), or name the proxy in api.trustProxy"
  );
}

export function urlsOf(base: string, config: ServerConfig): ServerUrls {
  return {
    base,
    dm: `${base}${DM_PATH}`,
    ...(config.components.repository && { repository: `${base}${REPOSITORY_PREFIX}/` }),
    ...(config.components.ui && { ui: `${base}${UI_SESSION_ROUTE}` }),
    ...(config.components.api && { api: `${base}/api/v1`, docs: `${base}/api/docs` }),
    ...(config.components.api && config.console.enabled && { console: `${base}/` }),
  };
}

export function defaultSenders(config: ServerConfig, logger: FastifyBaseLogger): NotificationSender[] {
  const senders: NotificationSender[] = [];
  if (config.notifier.udp) senders.push(createUdpNotificationSender({ logger }));
  if (config.notifier.mqttUrl !== null)
    senders.push(createMqttNotificationSender({ url: config.notifier.mqttUrl, logger }));
  return senders;
}

export function defaultAuthenticator(
  config: ServerConfig,
  store: Store,
  clock: Clock,
  random: (size: number) => Uint8Array,
): { readonly authenticator: DeviceAuthenticator | null; readonly warning: string | null } {
  const modes = config.deviceAuth.modes.filter((m) => m !== AuthMode.None);
  if (modes.length === 0) return { authenticator: null, warning: null };
  // Digest nonces verify on every node holding the same key (auth/nonce-key-config.ts); without one configured
  // the authenticator draws a random key, good for this process only.
  const nonceKey = loadNonceKey(config.deviceAuth);
  const warning =
    modes.includes(AuthMode.Digest) && nonceKey === null
      ? "no Digest nonce key configured (deviceAuth.nonceKeyFile or OMADM_DEVICE_AUTH_NONCE_KEY): using a random " +
        "key, so nonces issued here are refused by other nodes and after a restart (401 with a new challenge)"
      : null;
  // mTLS and PSK-TLS read the TLS connection: loadServerConfig refuses them without `tls.enabled`.
  const authenticator = createDeviceAuthenticator({
    store,
    clock,
    random,
    options: { modes, realm: config.deviceAuth.realm, ...(nonceKey !== null && { nonceKey }) },
  });
  return { authenticator, warning };
}

/** The edge options without the node:http server options (which an HTTPS server takes inside `https`). */
export function withoutHttp<T extends { readonly http: unknown }>(options: T): Omit<T, "http"> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => key !== "http")) as Omit<T, "http">;
}

/** A port held bound on the listen host until `release()`: no one else (an outgoing connection's local port
 *  included) can take it meanwhile. */
export interface PortReservation {
  readonly port: number;
  release(): Promise<void>;
}

export function reservePort(host: string): Promise<PortReservation> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ host, port: 0 }, () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        port,
        release: () =>
          new Promise<void>((done) => {
            probe.close(() => {
              done();
            });
          }),
      });
    });
  });
}

/** A free TCP port on the listen host (bound and released at once; loopback in tests). */
export async function freePort(host: string): Promise<number> {
  const reservation = await reservePort(host);
  await reservation.release();
  return reservation.port;
}

/** A host as it appears in a URL: IPv6 in brackets, wildcards as loopback (the only address known to work). */
export function hostForUrl(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
