// The DM Client as one object: the DM Tree built from a device config or restored from the saved
// state, Package#0 intake on every configured transport, DM sessions one at a time, asynchronous EXEC reports in
// new sessions to their ServerURI (§4.4), SUB reports, the device-software API, and the state saved atomically
// after every session and every change that must survive a restart (ARCHITECTURE.md invariant 8). This file is
// the facade and its life cycle; the parts are built in dm-client-compose.ts, restored and wired at start in
// dm-client-startup.ts, and the device-software reads and writes are local-api.ts's.
import {
  type GenericAlert,
  type ResolvedNode,
  type Result,
  ok,
  err,
  ErrorCode,
  ProtocolError,
  parseGenericAlert,
} from "@omadm/protocol";
import type { ConfigurationOutcome } from "../commands/default-command.js";
import type { ExecHandler } from "../commands/exec-registry.js";
import type { DeviceConfig } from "../config/device-config.js";
import type { IntakeDecision } from "../notification/intake.js";
import type { NotificationSource } from "../notification/transports/notification-transport.js";
import type { OutboxAlert } from "../session/contracts.js";
import type { SessionOutcome, SessionTrigger } from "../session/session-types.js";
import type { DefaultUriRecord, NotificationIdRecord, SubscriptionRecord } from "../state/client-state.js";
import { type DmAccount, readAccounts } from "../tree/dmacc.js";
import type { DmTree, WriteOutcome } from "../tree/dm-tree.js";
import type { LeafValue, MoDataObject } from "../tree/leaf-value.js";
import { composeClient, type ClientCore } from "./dm-client-compose.js";
import { DmClientError, DmClientErrorCode } from "./dm-client-error.js";
import { restoreOrCreate, wireSaves } from "./dm-client-startup.js";
import type { DmClient, DmClientDeps, DmClientOptions, DmClientStartOptions } from "./dm-client-types.js";
import type { DmClientEventName, DmClientListener } from "./events.js";
import { leafTarget, leafValueFor, readLeafValue, replaceTarget, resolveLocal } from "./local-api.js";

export function createDmClient(deps: DmClientDeps, config: DeviceConfig, options: DmClientOptions = {}): DmClient {
  return new DmClientImpl(deps, config, options);
}

class DmClientImpl implements DmClient {
  readonly tree: DmTree;
  readonly devId: string;
  readonly #deps: DmClientDeps;
  readonly #config: DeviceConfig;
  readonly #core: ClientCore;
  readonly #offs: (() => void)[] = [];
  #state: "new" | "starting" | "started" | "stopped" = "new";

  constructor(deps: DmClientDeps, config: DeviceConfig, options: DmClientOptions) {
    this.#deps = deps;
    this.#config = config;
    this.devId = config.devInfo.devId;
    this.#core = composeClient(deps, config, options);
    this.tree = this.#core.tree;
  }

  async start(options: DmClientStartOptions = {}): Promise<void> {
    if (this.#state !== "new") throw new DmClientError(DmClientErrorCode.STATE, `cannot start a ${this.#state} client`);
    this.#state = "starting";
    const core = this.#core;
    const loaded = await this.#deps.stateStore.load();
    if (!loaded.ok) {
      this.#state = "stopped";
      throw new DmClientError(DmClientErrorCode.STATE, `the saved state cannot be used: ${loaded.error.message}`);
    }
    const restored = restoreOrCreate(core, this.#deps, this.#config, loaded.value, this.#offs);
    if (!restored.ok) {
      this.#state = "stopped";
      throw new DmClientError(DmClientErrorCode.STATE, restored.error.message, restored.error);
    }
    wireSaves(core, this.#deps.clock, this.#offs);
    await core.saver.request();
    this.#offs.push(core.flow.watchBearers());
    this.#state = "started";
    // What was accepted or owed before the restart: notifications whose session had not run, reports to retry.
    core.flow.resume();
    core.sessions.resumeReports();
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
      for (const srvId of core.parts.bootstrapPending) core.sessions.bootstrap(srvId);
    }
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
    await this.#core.sessions.close();
    for (const off of this.#offs.splice(0)) off();
    await this.#core.saver.request();
    await this.#core.saver.settled();
  }

  runSession(serverId?: string, trigger?: SessionTrigger): Promise<SessionOutcome> {
    if (this.#state !== "started") {
      return Promise.reject(new DmClientError(DmClientErrorCode.STATE, "the client is not running (call start)"));
    }
    return this.#core.sessions.request(serverId, trigger);
  }

  bootstrap(serverId?: string): Promise<SessionOutcome> {
    if (this.#state !== "started") {
      return Promise.reject(new DmClientError(DmClientErrorCode.STATE, "the client is not running (call start)"));
    }
    return this.#core.sessions.rebootstrap(serverId);
  }

  receiveNotification(bytes: Uint8Array, source: NotificationSource, boundServerId?: string): Promise<IntakeDecision> {
    if (this.#state !== "started") {
      return Promise.reject(new DmClientError(DmClientErrorCode.STATE, "the client is not running"));
    }
    return this.#core.flow.receive(bytes, source, boundServerId);
  }

  async idle(): Promise<void> {
    for (;;) {
      await this.#core.sessions.idle();
      await this.#core.executor.whenIdle();
      await this.#core.saver.settled();
      if (this.#core.sessions.size === 0) return;
    }
  }

  on<K extends DmClientEventName>(name: K, listener: DmClientListener<K>): () => void {
    return this.#core.events.on(name, listener);
  }

  accounts(): DmAccount[] {
    return readAccounts(this.tree);
  }

  read(clientUri: string): Result<readonly ResolvedNode[]> {
    return resolveLocal(this.tree, clientUri);
  }

  getValue(clientUri: string): Result<LeafValue> {
    return readLeafValue(this.tree, clientUri);
  }

  async setValue(clientUri: string, value: LeafValue | string): Promise<Result<WriteOutcome>> {
    const target = leafTarget(this.tree, clientUri);
    if (!target.ok) return target;
    const typed = leafValueFor(this.tree, target.value, value);
    if (!typed.ok) return typed;
    const { moid, miid, path } = target.value;
    const r = this.tree.setValue(moid, miid, path, typed.value);
    await this.#core.saver.request();
    return r;
  }

  async replace(clientUri: string, moData: MoDataObject): Promise<Result<WriteOutcome>> {
    const node = replaceTarget(this.tree, clientUri);
    if (!node.ok) return node;
    const r = this.tree.replace(node.value.moid, node.value.miid, node.value.path, moData, { kind: "local" });
    await this.#core.saver.request();
    return r;
  }

  registerExec(moid: string, path: string | readonly string[], handler: ExecHandler): () => void {
    return this.#core.execs.register(moid, path, handler);
  }

  async raiseAlert(serverId: string, alert: GenericAlert): Promise<Result<OutboxAlert>> {
    if (!this.accounts().some((a) => a.srvId === serverId)) {
      const message = `no DM Account with SrvID "${serverId}"`;
      return err(new ProtocolError(ErrorCode.TREE_NOT_FOUND, message, { status: 404 }));
    }
    const checked = parseGenericAlert(JSON.stringify(alert));
    if (!checked.ok) return checked;
    const entry = this.#core.parts.outbox.add(serverId, checked.value);
    this.#core.events.emit("alert-queued", entry);
    await this.#core.saver.request();
    return ok(entry);
  }

  requestConfiguration(moid: string): Promise<ConfigurationOutcome> {
    return this.#core.executor.requestConfiguration(moid);
  }

  flushSubscriptions(): Promise<void> {
    return this.#core.reporter.flush();
  }

  pendingAlerts(serverId?: string): readonly OutboxAlert[] {
    return this.#core.parts.outbox.snapshot().alerts.filter((a) => serverId === undefined || a.serverId === serverId);
  }

  subscriptions(): readonly SubscriptionRecord[] {
    return this.#core.parts.subscriptions.list();
  }

  defaults(): readonly DefaultUriRecord[] {
    return this.#core.parts.defaults.list();
  }

  recentNotificationIds(): readonly NotificationIdRecord[] {
    return this.#core.parts.recentIds.records(this.#deps.clock.now());
  }

  bootstrapPending(): readonly string[] {
    return [...this.#core.parts.bootstrapPending];
  }
}
