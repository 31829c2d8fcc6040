// The DM Client as one object: the DM Tree built from a device config or restored from the saved
// state, Package#0 intake on every configured transport, DM sessions one at a time, asynchronous EXEC reports in
// new sessions to their ServerURI (§4.4), SUB reports, the device-software API, and the state saved atomically
// after every session and every change that must survive a restart (ARCHITECTURE.md invariant 8).
import {
  type GenericAlert,
  MOID_DMACC,
  MOID_SESSIONINFO,
  type ResolvedNode,
  type Result,
  ok,
  err,
  ErrorCode,
  ProtocolError,
  parseGenericAlert,
} from "@omadm/protocol";
import { type AccessControl, createAccessControl } from "../access/access-control.js";
import { DmClientError, DmClientErrorCode } from "./dm-client-error.js";
import { DmClientEmitter, type DmClientEventName, type DmClientListener } from "./events.js";
import { nodeProcessRunner, registerExecBehaviours } from "./exec-behaviours.js";
import { leafTarget, leafValueFor, resolveLocal } from "./local-api.js";
import { type NotificationFlow, createNotificationFlow } from "./notification-flow.js";
import { type ClientParts, applyState, captureState } from "./state-bridge.js";
import { createStateSaver } from "./state-saver.js";
import { createInitialInstances, provisionAccounts, registerDeviceMos } from "./tree-setup.js";
import { type SessionScheduler, createSessionScheduler } from "./session-scheduler.js";
import { type DmCommandExecutor, createCommandExecutor } from "../commands/command-executor.js";
import type { ConfigurationOutcome } from "../commands/default-command.js";
import { createDefaultUriStore } from "../commands/default-uri-store.js";
import { createServerAcceptStore } from "../commands/server-accept.js";
import type { DeviceConfig } from "../config/device-config.js";
import { createExecRegistry, type ExecHandler } from "../commands/exec-registry.js";
import { type BearerAvailability, staticBearerAvailability } from "../notification/bearer.js";
import type { IntakeDecision } from "../notification/intake.js";
import type { NotificationSource } from "../notification/transports/notification-transport.js";
import { createRecentNotificationIds, type RecentNotificationIds } from "../notification/recent-ids.js";
import { createPendingNotifications } from "../notification/pending-notifications.js";
import { DEFAULT_MAX_AGE_SECONDS, DEFAULT_MAX_FUTURE_SECONDS } from "../notification/intake.js";
import { reportRetryPolicy } from "./report-retry.js";
import { createAlertOutbox } from "../session/alert-outbox.js";
import type { OutboxAlert } from "../session/contracts.js";
import type { SessionOutcome, SessionTrigger } from "../session/session-types.js";
import type { DefaultUriRecord, NotificationIdRecord, SubscriptionRecord } from "../state/client-state.js";
import { createSubscriptionRegistry } from "../subscriptions/subscription-registry.js";
import { type SubscriptionReporter, createSubscriptionReporter } from "../subscriptions/subscription-reporter.js";
import { readShippedDdf } from "../tree/shipped-ddf.js";
import type { DdfLoader } from "../tree/standard-ddf.js";
import { type DmAccount, readAccounts } from "../tree/dmacc.js";
import { type DmTree, type WriteOutcome, createDmTree } from "../tree/dm-tree.js";
import type { LeafValue, MoDataObject } from "../tree/leaf-value.js";
import { createMoRegistry, type MoRegistry } from "../tree/mo-registry.js";
import { Roaming, setSessionInfo } from "../tree/sessioninfo.js";
import type { DmClient, DmClientDeps, DmClientOptions, DmClientStartOptions } from "./dm-client-types.js";

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

export function createDmClient(deps: DmClientDeps, config: DeviceConfig, options: DmClientOptions = {}): DmClient {
  return new DmClientImpl(deps, config, options);
}

class DmClientImpl implements DmClient {
  readonly tree: DmTree;
  readonly devId: string;
  readonly #deps: DmClientDeps;
  readonly #config: DeviceConfig;
  readonly #events: DmClientEmitter;
  readonly #access: AccessControl;
  readonly #parts: Omit<ClientParts, "recentIds"> & { recentIds: RecentNotificationIds };
  readonly #executor: DmCommandExecutor;
  readonly #reporter: SubscriptionReporter;
  readonly #execs = createExecRegistry();
  readonly #bearer: BearerAvailability;
  readonly #saver;
  readonly #flow: NotificationFlow;
  readonly #sessions: SessionScheduler;
  readonly #offs: (() => void)[] = [];
  #state: "new" | "starting" | "started" | "stopped" = "new";

  constructor(deps: DmClientDeps, config: DeviceConfig, options: DmClientOptions) {
    this.#deps = deps;
    this.#config = config;
    this.devId = config.devInfo.devId;
    const logger = deps.logger;
    this.#events = new DmClientEmitter((error, name) => {
      logger.warn({ event: name, error: String(error) }, "a DmClient event listener threw");
    });
    const registry = deps.registry ?? createDeviceMoRegistry(config, deps.loadDdf);
    const prefix = Buffer.from(deps.random(4)).toString("hex");
    this.tree = createDmTree(
      {
        registry,
        onListenerError: (error) => {
          logger.warn({ error: String(error) }, "a DM Tree change listener threw");
        },
      },
      { validatorPrefix: `${prefix}-` },
    );
    this.#access = createAccessControl({ tree: this.tree });
    const subscriptions = createSubscriptionRegistry({ clock: deps.clock });
    const outbox = createAlertOutbox({ newId: () => `a-${Buffer.from(deps.random(8)).toString("hex")}` });
    this.#parts = {
      tree: this.tree,
      access: this.#access,
      subscriptions,
      defaults: createDefaultUriStore(),
      recentIds: createRecentNotificationIds([], this.#recentIdOptions()),
      outbox,
      queuedAt: new Map(),
      bootstrapPending: new Set(),
      reportAttempts: new Map(),
      pendingNotifications: createPendingNotifications(() => `n-${Buffer.from(deps.random(8)).toString("hex")}`),
    };
    this.#bearer = deps.bearer ?? staticBearerAvailability(config.notifications.bearers);
    this.#saver = createStateSaver({
      store: deps.stateStore,
      snapshot: () => captureState(this.#parts, deps.clock.now()),
      onSaved: () => {
        this.#events.emit("state-saved", { at: deps.clock.now() });
      },
      onFailed: (message) => {
        logger.warn({ message }, "client state could not be saved");
        this.#events.emit("state-save-failed", { message });
      },
    });
    const envDeps = {
      tree: this.tree,
      access: this.#access,
      http: deps.http,
      devId: this.devId,
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
    this.#executor = createCommandExecutor(
      {
        ...envDeps,
        outbox,
        execHandlers: this.#execs,
        subscriptions,
        defaults: this.#parts.defaults,
        ...(deps.browser === undefined ? {} : { browser: deps.browser }),
        onAsyncReport: (entry) => {
          this.#events.emit("alert-queued", entry);
          this.#sessions.deliver(entry.serverId, entry.targetUri);
        },
      },
      envOptions,
    );
    this.#reporter = createSubscriptionReporter(
      { ...envDeps, subscriptions },
      {
        ...envOptions,
        ...(config.subDebounceMs === undefined ? {} : { debounceMs: config.subDebounceMs }),
        ...(options.subRetryMs === undefined ? {} : { retryMs: options.subRetryMs }),
      },
    );
    this.#sessions = createSessionScheduler({
      tree: this.tree,
      http: deps.http,
      executor: this.#executor,
      outbox,
      access: this.#access,
      devId: this.devId,
      clock: deps.clock,
      random: deps.random,
      logger,
      events: this.#events,
      bootstrapPending: this.#parts.bootstrapPending,
      reportAttempts: this.#parts.reportAttempts,
      reportPolicy: reportRetryPolicy(config.asyncReports),
      timers: deps.timers,
      save: () => this.#saver.request(),
      options: {
        allowHttp: config.allowHttp,
        ...(options.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: options.responseTimeoutMs }),
        ...(options.bootstrapAfterAuthFailures === undefined
          ? {}
          : { bootstrapAfterAuthFailures: options.bootstrapAfterAuthFailures }),
      },
    });
    this.#flow = createNotificationFlow(
      {
        accounts: () => readAccounts(this.tree),
        recentIds: () => this.#parts.recentIds,
        pending: this.#parts.pendingNotifications,
        bearer: this.#bearer,
        now: () => deps.clock.now(),
        events: this.#events,
        logger,
        save: () => this.#saver.request(),
        openSession: (session, bearer, served) => {
          this.#sessions.notified(session, bearer, served);
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
  }

  async start(options: DmClientStartOptions = {}): Promise<void> {
    if (this.#state !== "new") throw new DmClientError(DmClientErrorCode.STATE, `cannot start a ${this.#state} client`);
    this.#state = "starting";
    const loaded = await this.#deps.stateStore.load();
    if (!loaded.ok) {
      this.#state = "stopped";
      throw new DmClientError(DmClientErrorCode.STATE, `the saved state cannot be used: ${loaded.error.message}`);
    }
    const restored = this.#restoreOrCreate(loaded.value);
    if (!restored.ok) {
      this.#state = "stopped";
      throw new DmClientError(DmClientErrorCode.STATE, restored.error.message, restored.error);
    }
    this.#wire();
    await this.#saver.request();
    this.#offs.push(this.#flow.watchBearers());
    this.#state = "started";
    // What was accepted or owed before the restart: notifications whose session had not run, reports to retry.
    this.#flow.resume();
    this.#sessions.resumeReports();
    try {
      for (const t of this.#deps.transports ?? []) {
        const { transport, serverId } = "transport" in t ? t : { transport: t, serverId: undefined };
        await transport.start(async (bytes, source) => {
          // A datagram that arrives while stopping is dropped: the client no longer opens sessions.
          if (this.#state === "started") await this.receiveNotification(bytes, source, serverId);
        });
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (options.sendBootstrapComplete === true) {
      for (const srvId of this.#parts.bootstrapPending) this.#sessions.bootstrap(srvId);
    }
  }

  /** Ids are remembered for the whole TIMESTAMP acceptance window (docs/protocol.md §2.4). */
  #recentIdOptions() {
    const n = this.#config.notifications;
    const windowSeconds =
      (n.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) + (n.maxFutureSeconds ?? DEFAULT_MAX_FUTURE_SECONDS);
    return {
      ttlMs: windowSeconds * 1000,
      ...(n.maxRecentIds === undefined ? {} : { capacityPerAccount: n.maxRecentIds }),
    };
  }

  #restoreOrCreate(doc: Parameters<typeof applyState>[0] | undefined): Result<void> {
    if (doc !== undefined) {
      const r = applyState(doc, this.#parts, (records) =>
        createRecentNotificationIds(records, this.#recentIdOptions()),
      );
      if (!r.ok) return r;
      this.#parts.recentIds = r.value;
    } else {
      const r = createInitialInstances(this.tree, this.#config);
      if (!r.ok) return r;
    }
    // Accounts added to the config since the state was saved are provisioned now (factory bootstrap, §14).
    const added = provisionAccounts(this.tree, this.#config);
    if (!added.ok) return added;
    for (const srvId of added.value) this.#parts.bootstrapPending.add(srvId);
    if (this.tree.instances(MOID_SESSIONINFO).length === 0) {
      const bearer = this.#bearer.available()[0] ?? this.#config.notifications.bearers[0] ?? 3;
      const s = setSessionInfo(this.tree, { cbt: bearer, roaming: Roaming.UNKNOWN });
      if (!s.ok) return s;
    }
    const runProcess = this.#deps.runProcess ?? nodeProcessRunner;
    this.#offs.push(registerExecBehaviours(this.#execs, this.#config.exec, { timers: this.#deps.timers, runProcess }));
    return ok(undefined);
  }

  /** Every change that must survive a restart is saved; a DMAcc a server creates is owed BootstrapComplete. */
  #wire(): void {
    const save = (): void => {
      void this.#saver.request();
    };
    const p = this.#parts;
    this.#offs.push(
      this.tree.onChange((e) => {
        save();
        if (e.moid === MOID_DMACC && e.kind === "instance-added" && e.actor.kind === "server") {
          const account = readAccounts(this.tree).find((a) => a.miid === e.miid);
          if (account !== undefined) {
            p.bootstrapPending.add(account.srvId);
            this.#sessions.bootstrap(account.srvId);
          }
        }
      }),
      this.#access.onChange(save),
      p.subscriptions.onChange(save),
      p.defaults.onChange(save),
      p.pendingNotifications.onChange(save),
      p.outbox.onChange(() => {
        const live = new Set(p.outbox.snapshot().alerts.map((a) => a.id));
        for (const id of live) if (!p.queuedAt.has(id)) p.queuedAt.set(id, this.#deps.clock.now());
        for (const id of p.queuedAt.keys()) if (!live.has(id)) p.queuedAt.delete(id);
        save();
      }),
    );
    this.#reporter.start();
    this.#offs.push(() => {
      this.#reporter.stop();
    });
  }

  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    const results = await Promise.allSettled(
      (this.#deps.transports ?? []).map((t) => ("transport" in t ? t.transport : t).stop()),
    );
    for (const r of results) {
      if (r.status === "rejected") this.#deps.logger.warn({ error: String(r.reason) }, "a transport did not stop");
    }
    await this.#sessions.close();
    for (const off of this.#offs.splice(0)) off();
    await this.#saver.request();
    await this.#saver.settled();
  }

  runSession(serverId?: string, trigger?: SessionTrigger): Promise<SessionOutcome> {
    if (this.#state !== "started") {
      return Promise.reject(new DmClientError(DmClientErrorCode.STATE, "the client is not running (call start)"));
    }
    return this.#sessions.request(serverId, trigger);
  }

  bootstrap(serverId?: string): Promise<SessionOutcome> {
    if (this.#state !== "started") {
      return Promise.reject(new DmClientError(DmClientErrorCode.STATE, "the client is not running (call start)"));
    }
    return this.#sessions.rebootstrap(serverId);
  }

  receiveNotification(bytes: Uint8Array, source: NotificationSource, boundServerId?: string): Promise<IntakeDecision> {
    if (this.#state !== "started") {
      return Promise.reject(new DmClientError(DmClientErrorCode.STATE, "the client is not running"));
    }
    return this.#flow.receive(bytes, source, boundServerId);
  }

  async idle(): Promise<void> {
    for (;;) {
      await this.#sessions.idle();
      await this.#executor.whenIdle();
      await this.#saver.settled();
      if (this.#sessions.size === 0) return;
    }
  }

  on<K extends DmClientEventName>(name: K, listener: DmClientListener<K>): () => void {
    return this.#events.on(name, listener);
  }

  accounts(): DmAccount[] {
    return readAccounts(this.tree);
  }

  read(clientUri: string): Result<readonly ResolvedNode[]> {
    return resolveLocal(this.tree, clientUri);
  }

  getValue(clientUri: string): Result<LeafValue> {
    const target = leafTarget(this.tree, clientUri);
    if (!target.ok) return target;
    const node = this.tree.node(target.value.moid, target.value.miid, target.value.path);
    const value = node?.leafValue();
    if (value === undefined) {
      const message = node === undefined ? "no such node" : "an interior node has no value";
      return err(new ProtocolError(ErrorCode.TREE_NOT_FOUND, message, { path: clientUri, status: 404 }));
    }
    return ok(value);
  }

  async setValue(clientUri: string, value: LeafValue | string): Promise<Result<WriteOutcome>> {
    const target = leafTarget(this.tree, clientUri);
    if (!target.ok) return target;
    const typed = leafValueFor(this.tree, target.value, value);
    if (!typed.ok) return typed;
    const { moid, miid, path } = target.value;
    const r = this.tree.setValue(moid, miid, path, typed.value);
    await this.#saver.request();
    return r;
  }

  async replace(clientUri: string, moData: MoDataObject): Promise<Result<WriteOutcome>> {
    const nodes = resolveLocal(this.tree, clientUri);
    if (!nodes.ok) return nodes;
    const [node] = nodes.value;
    if (node === undefined || nodes.value.length !== 1) {
      const message = `the ClientURI selects ${nodes.value.length} nodes; a replace needs exactly one`;
      return err(new ProtocolError(ErrorCode.URI_AMBIGUOUS, message, { path: clientUri, status: 400 }));
    }
    const r = this.tree.replace(node.moid, node.miid, node.path, moData, { kind: "local" });
    await this.#saver.request();
    return r;
  }

  registerExec(moid: string, path: string | readonly string[], handler: ExecHandler): () => void {
    return this.#execs.register(moid, path, handler);
  }

  async raiseAlert(serverId: string, alert: GenericAlert): Promise<Result<OutboxAlert>> {
    if (!this.accounts().some((a) => a.srvId === serverId)) {
      const message = `no DM Account with SrvID "${serverId}"`;
      return err(new ProtocolError(ErrorCode.TREE_NOT_FOUND, message, { status: 404 }));
    }
    const checked = parseGenericAlert(JSON.stringify(alert));
    if (!checked.ok) return checked;
    const entry = this.#parts.outbox.add(serverId, checked.value);
    this.#events.emit("alert-queued", entry);
    await this.#saver.request();
    return ok(entry);
  }

  requestConfiguration(moid: string): Promise<ConfigurationOutcome> {
    return this.#executor.requestConfiguration(moid);
  }

  flushSubscriptions(): Promise<void> {
    return this.#reporter.flush();
  }

  pendingAlerts(serverId?: string): readonly OutboxAlert[] {
    return this.#parts.outbox.snapshot().alerts.filter((a) => serverId === undefined || a.serverId === serverId);
  }

  subscriptions(): readonly SubscriptionRecord[] {
    return this.#parts.subscriptions.list();
  }

  defaults(): readonly DefaultUriRecord[] {
    return this.#parts.defaults.list();
  }

  recentNotificationIds(): readonly NotificationIdRecord[] {
    return this.#parts.recentIds.records(this.#deps.clock.now());
  }

  bootstrapPending(): readonly string[] {
    return [...this.#parts.bootstrapPending];
  }
}
