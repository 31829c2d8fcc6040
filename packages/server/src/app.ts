// The composition root of the DM Server: builds every component from one `ServerConfig` and the injected
// adapters (store, clock, logger, timers, randomness, notification senders), registers their fastify plugins
// on one instance, and runs the background sweep. Nothing starts until `start()`; nothing here reads the
// environment, and the only disk reads are the TLS files the configuration names (unless given in `deps.tls`) and
// the Digest nonce key file (deviceAuth.nonceKeyFile).
//
// With `tls.enabled` every component is served over HTTPS (docs/protocol.md §11.2): X.509, optionally asking devices
// for certificates (deviceAuth "mtls"), and PSK-TLS answered from the authenticator's key cache (deviceAuth
// "psk"), which is loaded before listening and kept current by a store wrapper (tls/psk-key-sync.ts).
//
//   POST /dm, /dm/s/:token   DM endpoint (always)
//   /repo/…                  Data Repository             (components.repository)
//   /ui/…                    Web Server Component, SHOW  (components.ui)
//   /api/v1/…, /api/docs     REST API + OpenAPI          (components.api)
//   Package#0 over UDP/MQTT  Notifier                    (components.notifier; wake via the API)
import { pooledRandomBytes } from "./random-pool.js";
import type { Server as HttpsServer } from "node:https";
import Fastify, { type FastifyBaseLogger, type FastifyHttpsOptions, type FastifyInstance } from "fastify";
import { registerComponents } from "./app-components.js";
import {
  apiExposureWarning,
  defaultAuthenticator,
  defaultNodeId,
  defaultSenders,
  reservePort,
  hostForUrl,
  retentionOptions,
  urlsOf,
  withoutHttp,
  type PortReservation,
  type ServerUrls,
} from "./app-support.js";
import { createBootstrapAdmin } from "./bootstrap/bootstrap-admin.js";
import { composePskCallback } from "./bootstrap/bootstrap-psk.js";
import { createBootstrapRole } from "./bootstrap/bootstrap-role.js";
import { createAlertIntake } from "./alerts/alert-intake.js";
import type { DeviceAuthenticator } from "./auth/device-authenticator.js";
import type { ServerConfig } from "./config-types.js";
import { createSweeper, type SweepReport } from "./dm/sweeper.js";
import { createRetention, type RetentionReport } from "./retention/retention.js";
import { createLoadShedder, createSessionAdmission } from "./edge/admission.js";
import { edgeServerOptions, installHttpEdge } from "./edge/http-edge.js";
import { createNotifier, type Notifier } from "./notifier/notifier.js";
import type { NotificationSender } from "./notifier/transports/notification-sender.js";
import { createWakeOnQueue, systemTimers, type Timers, type WakeOnQueue } from "./notifier/wake-on-queue.js";
import { createDeviceRegistry } from "./registry/device-registry.js";
import { createServerCampaigns } from "./campaigns/server-campaigns.js";
import { createEventBus, type EventBus } from "./events/event-bus.js";
import { createEventRecorder } from "./events/event-recorder.js";
import { attachSessionLog } from "./events/session-log.js";
import { withEvents } from "./events/store-events.js";
import { createReadiness, type Readiness } from "./metrics/health-plugin.js";
import { createServerMetrics, type ServerMetrics } from "./metrics/server-metrics.js";
import { storeGauges } from "./metrics/store-gauges.js";
import { withStoreMetrics } from "./metrics/store-metrics.js";
import { StoreKind, type Store } from "./store/store.js";
import { createServerWebhooks } from "./webhooks/server-webhooks.js";
import type { Clock } from "./store/types.js";
import { httpsOptionsFor } from "./tls/https-options.js";
import { withPskKeySync } from "./tls/psk-key-sync.js";
import { loadTlsMaterial, type TlsMaterial } from "./tls/tls-material.js";

export interface ServerDeps {
  /** The store; the server does not close it (its owner does, after `stop()`). */
  readonly store: Store;
  /** Default: the system clock. Share it with the store so expiry agrees. */
  readonly clock?: Clock | undefined;
  /** pino (or fastify's) logger; default: silent. */
  readonly logger?: FastifyBaseLogger | undefined;
  /** For the sweep and wake-on-queue; default Node's timers. */
  readonly timers?: Timers | undefined;
  /** Cryptographic randomness (tokens, nonces, UI session ids); default node:crypto. */
  readonly random?: ((size: number) => Uint8Array) | undefined;
  /** Package#0 senders; default: built from `config.notifier` (UDP, MQTT) and closed on stop. */
  readonly notificationSenders?: readonly NotificationSender[] | undefined;
  /** Device authentication; default: built from `config.deviceAuth` (none → no authentication). */
  readonly authenticator?: DeviceAuthenticator | null | undefined;
  /** PEM material for `tls.enabled`; default: read from `config.tls.certFile/keyFile/caFile`. */
  readonly tls?: TlsMaterial | undefined;
}

export interface OmadmServer {
  readonly app: FastifyInstance;
  readonly config: ServerConfig;
  /** This node's name among the nodes sharing the store (config `nodeId`, or derived): its leases' holder. */
  readonly nodeId: string;
  /** The base URL devices reach this server at; final once `start()` has bound the port. */
  publicBaseUrl(): string;
  /** Binds the listen address, starts the background sweep (and retention); resolves with where each component is. */
  start(): Promise<{ readonly urls: ServerUrls }>;
  /** Stops the sweep, closes the HTTP server and what the server created (senders, wake timers). */
  stop(): Promise<void>;
  /** One background sweep now (tests drive idle timeouts with it and an injected clock). */
  sweep(): Promise<SweepReport>;
  /** One round of the campaign driver now (tests; it also runs every `campaigns.tickMs`). */
  driveCampaigns(): Promise<void>;
  /** One retention pass now, whether or not `retention.enabled` runs it periodically. */
  prune(): Promise<RetentionReport>;
  /** The server's events (command states, alerts, sessions, registrations); other producers may publish too. */
  readonly events: EventBus;
  /** Resolves when every event published so far is in the event log. */
  flushEvents(): Promise<void>;
  /** The Prometheus metrics (null with `metrics.enabled` off); admission control calls `requestShed`. */
  readonly metrics: ServerMetrics | null;
  /** /readyz answers 503 while `readiness.shedding()`; admission control sets it. */
  readonly readiness: Readiness;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * A session this node has not heard of for this long is checked against the store by admission control: long
 * enough that a session going on here is rarely asked about, short enough that sessions ended on another node
 * stop counting within seconds.
 */
export const ADMISSION_RECHECK_MS = 2000;

/**
 * Composes the server. Throws CONFIG_INVALID when `tls.enabled` and a TLS file cannot be read or used, or PSK-TLS
 * is on without an authenticator that keeps PSK keys, or the Digest nonce key (file) is unreadable or too short.
 */
export function createOmadmServer(deps: ServerDeps, config: ServerConfig): OmadmServer {
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const random = deps.random ?? pooledRandomBytes();
  const built =
    deps.authenticator !== undefined
      ? { authenticator: deps.authenticator, warning: null }
      : defaultAuthenticator(config, deps.store, clock, random);
  const authenticator = built.authenticator;
  const pskKeys = authenticator?.pskKeys ?? null;
  const metrics = config.metrics.enabled ? createServerMetrics(storeGauges(deps.store)) : null;
  const readiness = createReadiness();
  const bus = createEventBus((error, event) => {
    app.log.warn({ err: error, kind: event.kind }, "a server event listener failed");
  });
  if (metrics !== null)
    bus.subscribe((event) => {
      metrics.observeEvent(event);
    });
  const timedStore = metrics === null ? deps.store : withStoreMetrics(deps.store, metrics);
  // Every change made through this server publishes its events once committed (events/store-events.ts).
  const observedStore = withEvents(
    timedStore,
    (event) => {
      bus.publish(event);
    },
    clock,
  );
  // Every device change made through this server (REST API, registry) updates the PSK cache once committed.
  const store = pskKeys === null ? observedStore : withPskKeySync(observedStore, pskKeys);
  const scheme = config.tls.enabled ? "https" : "http";
  const bootstrap = createBootstrapRole({ store, clock, random }, config);
  // PSK-TLS answers bootstrap identities and the devices' own (docs/bootstrap.md).
  const pskCallback =
    bootstrap?.pskKeys == null
      ? undefined
      : composePskCallback(bootstrap.pskKeys, authenticator?.pskCallback ?? null, random);
  const logging: { logger: false } | { loggerInstance: FastifyBaseLogger } =
    deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger };
  const edge = edgeServerOptions(config.http);
  const app = config.tls.enabled
    ? // The https instance differs from the http one only in its raw server type; every plugin is written
      // against the default (http) types, which the https server satisfies at run time.
      // The edge's framework-error callbacks are typed for the http server too (see above).
      (Fastify({
        ...withoutHttp(edge),
        ...logging,
        https: {
          ...edge.http,
          ...httpsOptionsFor(config.tls, deps.tls ?? loadTlsMaterial(config.tls), authenticator, pskCallback),
        },
      } as unknown as FastifyHttpsOptions<HttpsServer>) as unknown as FastifyInstance)
    : Fastify({ ...edge, ...logging });
  app.server.maxConnections = config.http.maxConnections;
  const admissionDeps = { now: () => clock.now(), random: () => random(4).reduce((a, b) => a * 256 + b, 0) / 2 ** 32 };
  const shedder = createLoadShedder(admissionDeps, {
    maxDelayMs: config.http.maxEventLoopDelayMs,
    retryAfterSeconds: config.http.retryAfterSeconds,
  });
  const sessions = createSessionAdmission(admissionDeps, {
    maxOpenSessions: config.dm.maxOpenSessions,
    idleMs: config.dm.idleTimeoutMs,
    retryAfterSeconds: config.http.retryAfterSeconds,
    // Any store may be shared by several nodes (PostgreSQL; one SQLite file): a session counted here may end on
    // another node, which only the store knows (edge/admission.ts).
    reconcile: {
      stillOpen: (deviceIds) => deps.store.sessions.liveAmong(deviceIds),
      onError: (error) => {
        app.log.warn({ err: error }, "admission: could not check which counted sessions are still open");
      },
      afterMs: ADMISSION_RECHECK_MS,
    },
  });
  installHttpEdge(app, { shedder });
  // Admission control's refusals (503 with Retry-After, from the session limit or the load shedder) are counted.
  // /readyz needs no flag for the shedder: while it sheds, it refuses /readyz itself with 503.
  app.addHook("onResponse", (req, reply, done) => {
    if (reply.statusCode === 503 && reply.getHeader("retry-after") !== undefined) {
      const component = req.url.split("/")[1] ?? "";
      metrics?.requestShed(component);
      // A device refused: the campaign pacer backs off (campaigns/pacer.ts).
      if (component === "dm") campaigns.pacer.shed();
    }
    done();
  });
  // Set by start() while it holds the port it will listen on; let go once the plugins are loaded.
  let reservation: PortReservation | null = null;
  app.addHook("onReady", async () => {
    await reservation?.release();
    reservation = null;
  });
  app.addHook("onClose", (_instance, done) => {
    shedder.close();
    done();
  });
  if (config.tls.enabled) {
    // A failed handshake (wrong PSK, unknown certificate authority, TLS 1.1 refused) never reaches a route.
    app.server.on("tlsClientError", (error: Error) => {
      app.log.debug({ err: error }, "TLS handshake with a client failed");
    });
  }
  let baseUrl = config.publicBaseUrl ?? `${scheme}://${hostForUrl(config.listen.host)}`;
  const publicBaseUrl = (): string => baseUrl;

  // This node among those sharing the store: the holder of its leases (background jobs, wake windows).
  const nodeId = config.nodeId ?? defaultNodeId(random);
  // Adapters the server owns (created here, so closed here).
  const ownedSenders =
    deps.notificationSenders === undefined && config.components.notifier ? defaultSenders(config, app.log) : [];
  const senders = deps.notificationSenders ?? ownedSenders;
  const notifier: Notifier | null =
    config.components.notifier && senders.length > 0
      ? createNotifier(
          { store, senders, clock, logger: app.log },
          { serverId: config.serverId, allowUnsigned: config.notifier.allowUnsigned },
        )
      : null;
  const wakeOnQueue: WakeOnQueue | null =
    notifier !== null && config.notifier.wakeOnQueue
      ? createWakeOnQueue(notifier, {
          debounceMs: config.notifier.wakeDebounceMs,
          timers,
          logger: app.log,
          // Only PostgreSQL is shared by several nodes: elsewhere the window needs no store write.
          ...(deps.store.kind === StoreKind.Postgres && { lease: { leases: store.leases, holder: nodeId } }),
        })
      : null;
  // A server-initiated bootstrap's Package#0 carries the bootstrap server's SrvID (docs/protocol.md §14).
  const bootstrapAdmin =
    bootstrap === null
      ? null
      : createBootstrapAdmin({
          store,
          pskKeys: bootstrap.pskKeys,
          remote: bootstrap.remote,
          serverId: config.serverId,
          notifier:
            config.components.notifier && senders.length > 0
              ? createNotifier(
                  { store, senders, clock, logger: app.log },
                  { serverId: config.bootstrap.serverId, allowUnsigned: false },
                )
              : null,
        });
  const registry = createDeviceRegistry({ store }, { autoRegister: config.dm.autoRegister });
  const alerts = createAlertIntake({ store });
  const recorder = createEventRecorder({ bus, log: store.events, logger: app.log }, { retain: config.events.retain });
  // Without a logger (fastify's logger off) the session log would build lines nobody writes.
  if (deps.logger !== undefined) attachSessionLog(bus, app.log);
  // The sweep and retention run once per fleet: on the node holding their store lease (periodic-job.ts).
  const lease = { leases: store.leases, holder: nodeId, logger: app.log };
  const sweeper = createSweeper({ store, timers, logger: app.log, lease }, { intervalMs: config.sweepIntervalMs });
  const retention = createRetention({ store, clock, timers, logger: app.log, lease }, retentionOptions(config));
  const webhooks = createServerWebhooks(
    { store, recorder, clock, timers, logger: app.log, metrics, holder: nodeId, storeKind: deps.store.kind },
    config,
  );

  // Campaigns and bulk wakes (docs/campaigns.md).
  const campaigns = createServerCampaigns(
    {
      store,
      notifier,
      openSessions: () => sessions.size(),
      shared: deps.store.kind === StoreKind.Postgres,
      clock,
      timers,
      publish: (event) => {
        bus.publish(event);
      },
      logger: app.log,
      holder: nodeId,
      started: () => started,
    },
    config,
  );

  // Services whose URLs embed the public base URL are built when the plugins load (at `ready`/`listen`), by
  // which time `start()` has fixed the port (app-components.ts).
  void app.register(async (root) => {
    await registerComponents(root, {
      config,
      store,
      clock,
      random,
      publicBaseUrl,
      authenticator,
      admission: sessions,
      registry,
      alerts,
      metrics,
      readiness,
      bootstrap,
      bootstrapAdmin,
      wakeOnQueue,
      notifier,
      recorder,
      webhooks: webhooks.dispatcher,
      campaigns: campaigns.service,
    });
  });

  let started = false;
  return {
    app,
    config,
    nodeId,
    publicBaseUrl,
    async start() {
      if (started) throw new Error("the server is already started");
      let port = config.listen.port;
      if (port === 0 && config.publicBaseUrl === null) {
        // The CONT, repository and SHOW URLs need the port before the plugins load: take a free one first, and
        // hold it until the plugins are loaded, just before fastify binds it (a port released at once could be
        // taken meanwhile, e.g. as the local port of an outgoing connection: EADDRINUSE).
        reservation = await reservePort(config.listen.host);
        port = reservation.port;
      }
      if (config.publicBaseUrl === null) baseUrl = `${scheme}://${hostForUrl(config.listen.host)}:${port}`;
      // pskCallback answers from memory, synchronously: the keys must be there before the first handshake.
      if (pskKeys !== null) await pskKeys.load();
      await bootstrap?.load();
      if (built.warning !== null) app.log.warn(built.warning);
      const exposure = apiExposureWarning(config);
      if (exposure !== null) app.log.warn(exposure);
      try {
        await app.listen({ host: config.listen.host, port });
      } finally {
        // Loading a plugin failed before onReady: the port is not held past the failed start.
        await reservation?.release();
        reservation = null;
      }
      started = true;
      sweeper.start();
      if (config.retention.enabled) retention.start();
      webhooks.start();
      if (config.campaigns.enabled) campaigns.runner.start();
      const urls = urlsOf(publicBaseUrl(), config);
      return { urls: bootstrap === null ? urls : { ...urls, bootstrap: bootstrap.url(publicBaseUrl()) } };
    },
    async stop() {
      await campaigns.runner.stop();
      await sweeper.stop();
      await retention.stop();
      await wakeOnQueue?.close();
      await webhooks.stop();
      await app.close();
      await recorder.flush();
      await Promise.allSettled(ownedSenders.map((s) => s.close()));
      started = false;
    },
    sweep: () => sweeper.runOnce(),
    driveCampaigns: () => campaigns.runner.runOnce(),
    prune: () => retention.runOnce(),
    events: bus,
    flushEvents: () => recorder.flush(),
    metrics,
    readiness,
  };
}
