// The DM Client's parts, built and wired to each other from one device config (dm-client.ts is the facade over
// them): the DM Tree, access control (§10), the alert outbox, the saved-state parts and their saver, the command
// executor, the SUB reporter, the session scheduler and the Package#0 notification flow (§2.7). Nothing starts
// here; dm-client-startup.ts restores the state and wires the saves.
import { type AccessControl, createAccessControl } from "../access/access-control.js";
import { type DmCommandExecutor, createCommandExecutor } from "../commands/command-executor.js";
import { createDefaultUriStore } from "../commands/default-uri-store.js";
import { createExecRegistry, type ExecRegistry } from "../commands/exec-registry.js";
import { createServerAcceptStore } from "../commands/server-accept.js";
import type { DeviceConfig } from "../config/device-config.js";
import { type BearerAvailability, staticBearerAvailability } from "../notification/bearer.js";
import { DEFAULT_MAX_AGE_SECONDS, DEFAULT_MAX_FUTURE_SECONDS } from "../notification/intake.js";
import { createPendingNotifications } from "../notification/pending-notifications.js";
import { createRecentNotificationIds, type RecentNotificationIds } from "../notification/recent-ids.js";
import { createAlertOutbox } from "../session/alert-outbox.js";
import { createSubscriptionRegistry } from "../subscriptions/subscription-registry.js";
import { type SubscriptionReporter, createSubscriptionReporter } from "../subscriptions/subscription-reporter.js";
import { readAccounts } from "../tree/dmacc.js";
import { type DmTree, createDmTree } from "../tree/dm-tree.js";
import { createMoRegistry, type MoRegistry } from "../tree/mo-registry.js";
import { readShippedDdf } from "../tree/shipped-ddf.js";
import type { DdfLoader } from "../tree/standard-ddf.js";
import { DmClientError, DmClientErrorCode } from "./dm-client-error.js";
import type { DmClientDeps, DmClientOptions } from "./dm-client-types.js";
import { DmClientEmitter } from "./events.js";
import { type NotificationFlow, createNotificationFlow } from "./notification-flow.js";
import { reportRetryPolicy } from "./report-retry.js";
import { type SessionScheduler, createSessionScheduler } from "./session-scheduler.js";
import { type ClientParts, captureState } from "./state-bridge.js";
import { createStateSaver, type StateSaver } from "./state-saver.js";
import { registerDeviceMos } from "./tree-setup.js";

/**
 * The MO definitions a client of this device config uses: the standard MOs and the config's own. Build it once
 * and pass it as `deps.registry` to share it between many clients of the same template. DmClientError CONFIG
 * when a DDF is unusable.
 */
export function createDeviceMoRegistry(config: DeviceConfig, loadDdf: DdfLoader = readShippedDdf): MoRegistry {
  const registry = createMoRegistry();
  const registered = registerDeviceMos(registry, config, loadDdf);
  if (!registered.ok) throw new DmClientError(DmClientErrorCode.CONFIG, registered.error.message, registered.error);
  return registry;
}

/** The saved-state parts; `recentIds` is replaced when a saved state is restored. */
export type MutableClientParts = Omit<ClientParts, "recentIds"> & { recentIds: RecentNotificationIds };

/** Everything a client is made of. */
export interface ClientCore {
  readonly tree: DmTree;
  readonly events: DmClientEmitter;
  readonly access: AccessControl;
  readonly parts: MutableClientParts;
  readonly execs: ExecRegistry;
  readonly bearer: BearerAvailability;
  readonly saver: StateSaver;
  readonly executor: DmCommandExecutor;
  readonly reporter: SubscriptionReporter;
  readonly sessions: SessionScheduler;
  readonly flow: NotificationFlow;
}

/** Ids are remembered for the whole TIMESTAMP acceptance window (docs/protocol.md §2.4). */
export function recentIdOptions(config: DeviceConfig) {
  const n = config.notifications;
  const windowSeconds =
    (n.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) + (n.maxFutureSeconds ?? DEFAULT_MAX_FUTURE_SECONDS);
  return {
    ttlMs: windowSeconds * 1000,
    ...(n.maxRecentIds === undefined ? {} : { capacityPerAccount: n.maxRecentIds }),
  };
}

export function composeClient(deps: DmClientDeps, config: DeviceConfig, options: DmClientOptions): ClientCore {
  const logger = deps.logger;
  const devId = config.devInfo.devId;
  const events = new DmClientEmitter((error, name) => {
    logger.warn({ event: name, error: String(error) }, "a DmClient event listener threw");
  });
  const registry = deps.registry ?? createDeviceMoRegistry(config, deps.loadDdf);
  const prefix = Buffer.from(deps.random(4)).toString("hex");
  const tree = createDmTree(
    {
      registry,
      onListenerError: (error) => {
        logger.warn({ error: String(error) }, "a DM Tree change listener threw");
      },
    },
    { validatorPrefix: `${prefix}-` },
  );
  const access = createAccessControl({ tree });
  const execs = createExecRegistry();
  const subscriptions = createSubscriptionRegistry({ clock: deps.clock });
  const outbox = createAlertOutbox({ newId: () => `a-${Buffer.from(deps.random(8)).toString("hex")}` });
  const parts: MutableClientParts = {
    tree,
    access,
    subscriptions,
    defaults: createDefaultUriStore(),
    recentIds: createRecentNotificationIds([], recentIdOptions(config)),
    outbox,
    queuedAt: new Map(),
    bootstrapPending: new Set(),
    reportAttempts: new Map(),
    pendingNotifications: createPendingNotifications(() => `n-${Buffer.from(deps.random(8)).toString("hex")}`),
  };
  const bearer = deps.bearer ?? staticBearerAvailability(config.notifications.bearers);
  const saver = createStateSaver({
    store: deps.stateStore,
    snapshot: () => captureState(parts, deps.clock.now()),
    onSaved: () => {
      events.emit("state-saved", { at: deps.clock.now() });
    },
    onFailed: (message) => {
      logger.warn({ message }, "client state could not be saved");
      events.emit("state-save-failed", { message });
    },
  });
  const envDeps = {
    tree,
    access,
    http: deps.http,
    devId,
    clock: deps.clock,
    logger,
    timers: deps.timers,
    // One store for the executor and the SUB reporter: the OMADM-Accept a server sent on its Package#2 also
    // picks the format of the SUB reports to it (docs/protocol.md §1.6), not only of its HPUT/HPOST bodies.
    serverAccept: createServerAcceptStore(),
  };
  const envOptions = {
    allowHttp: config.allowHttp,
    ...(options.transferTimeoutMs === undefined ? {} : { timeouts: { transferMs: options.transferTimeoutMs } }),
    ...(options.moCodecs === undefined ? {} : { codecs: options.moCodecs }),
    ...(options.moMediaTypes === undefined ? {} : { moMediaTypes: options.moMediaTypes }),
  };
  const executor = createCommandExecutor(
    {
      ...envDeps,
      outbox,
      execHandlers: execs,
      subscriptions,
      defaults: parts.defaults,
      ...(deps.browser === undefined ? {} : { browser: deps.browser }),
      onAsyncReport: (entry) => {
        events.emit("alert-queued", entry);
        // Called only while sessions run, after `sessions` below exists.
        sessions.deliver(entry.serverId, entry.targetUri);
      },
    },
    envOptions,
  );
  const reporter = createSubscriptionReporter(
    { ...envDeps, subscriptions },
    {
      ...envOptions,
      ...(config.subDebounceMs === undefined ? {} : { debounceMs: config.subDebounceMs }),
      ...(options.subRetryMs === undefined ? {} : { retryMs: options.subRetryMs }),
    },
  );
  const sessions = createSessionScheduler({
    tree,
    http: deps.http,
    executor,
    outbox,
    access,
    devId,
    clock: deps.clock,
    random: deps.random,
    logger,
    events,
    bootstrapPending: parts.bootstrapPending,
    reportAttempts: parts.reportAttempts,
    reportPolicy: reportRetryPolicy(config.asyncReports),
    timers: deps.timers,
    save: () => saver.request(),
    options: {
      allowHttp: config.allowHttp,
      ...(options.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: options.responseTimeoutMs }),
      ...(options.bootstrapAfterAuthFailures === undefined
        ? {}
        : { bootstrapAfterAuthFailures: options.bootstrapAfterAuthFailures }),
    },
  });
  const flow = createNotificationFlow(
    {
      accounts: () => readAccounts(tree),
      recentIds: () => parts.recentIds,
      pending: parts.pendingNotifications,
      bearer,
      now: () => deps.clock.now(),
      events,
      logger,
      save: () => saver.request(),
      openSession: (session, chosen, served) => {
        sessions.notified(session, chosen, served);
      },
    },
    {
      allowUnauthenticated: config.allowUnauthenticatedNotifications,
      ...(config.notifications.maxAgeSeconds === undefined
        ? {}
        : { maxAgeSeconds: config.notifications.maxAgeSeconds }),
      ...(config.notifications.maxFutureSeconds === undefined
        ? {}
        : { maxFutureSeconds: config.notifications.maxFutureSeconds }),
    },
  );
  return { tree, events, access, parts, execs, bearer, saver, executor, reporter, sessions, flow };
}
