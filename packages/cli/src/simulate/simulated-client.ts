// One simulated device of a fleet (fleet.ts) as a DmClient whose real DmClient lives only while the device has
// something to do: a Package#0 to serve, a session, an asynchronous EXEC, a report or a SUB change still owed.
// Once that is done the client is stopped and dropped; what it saved (the client state document, docs/client-state.md)
// is all the device keeps, and the next call brings a client back from it, as a device restarts from its saved
// state. The document's tree shares its nodes with the template's (the client's tree is copy-on-write), so an
// idle device costs its own nodes only (its DevID, what servers changed) and a few records.
import { AT_BOOTSTRAP_COMPLETE, ok, type GenericAlert, type ResolvedNode, type Result } from "@omadm/protocol";
import {
  createDmClient,
  DmClientError,
  DmClientErrorCode,
  type ClientStateDocument,
  type DefaultUriRecord,
  type DeviceConfig,
  type DmAccount,
  type DmClient,
  type DmClientDeps,
  type DmClientEventName,
  type DmClientListener,
  type DmClientStartOptions,
  type DmTree,
  type LeafValue,
  type MoDataObject,
  type NotificationIdRecord,
  type NotificationSource,
  type SessionTrigger,
  type SubscriptionRecord,
  type WriteOutcome,
} from "@omadm/client";
import type { DeviceBehaviour, SimulatedDevice } from "./behaviour-types.js";

/** A leaf of the template's tree that holds the template's DevID: every device holds its own there. */
export interface DevIdLeaf {
  readonly moid: string;
  readonly miid: string;
  readonly path: readonly string[];
  /** The DevID as text, or as its UTF-8 bytes (a notification AuthData, §2.5). */
  readonly bytes: boolean;
}

/** What every device of a fleet shares (fleet.ts builds it once). */
export interface DeviceContext {
  /** The dependencies of one device's client while it lives, besides its state store. */
  deps(device: SimulatedClient): Omit<DmClientDeps, "stateStore">;
  config(devId: string): DeviceConfig;
  /** The state every device starts from: the template device's, whose tree nodes all devices share. */
  readonly templateState: ClientStateDocument;
  readonly devIdLeaves: readonly DevIdLeaf[];
  readonly behaviour: DeviceBehaviour;
  /** Called with each client as it comes to life (the fleet's counters listen on it). */
  live(client: DmClient): void;
  /** Called when a live client was stopped and dropped. */
  rested(): void;
}

type Operation<T> = (client: DmClient) => T | Promise<T>;
type Listener = readonly [DmClientEventName, DmClientListener<DmClientEventName>];
interface ExecRegistration {
  readonly args: Parameters<DmClient["registerExec"]>;
  off?: (() => void) | undefined;
}
interface ListenerEntry {
  readonly l: Listener;
  off?: (() => void) | undefined;
}

/** While work is still owed (alerts, reports, SUB changes), the client stays; looked at again after this. */
const RECHECK_MS = 1000;
/** The id prefix state-bridge.ts gives a BootstrapComplete still owed to a server (§14). */
const BOOTSTRAP_ID_PREFIX = "bootstrap-complete:";

export class SimulatedClient implements DmClient {
  readonly devId: string;
  readonly index: number;
  readonly number: number;
  readonly #ctx: DeviceContext;
  #doc: ClientStateDocument | undefined;
  #live: DmClient | undefined;
  #waking: Promise<DmClient> | undefined;
  #releasing: Promise<boolean> | undefined;
  #pins = 0;
  #state: "new" | "started" | "stopped" = "new";
  #listeners: ListenerEntry[] | undefined;
  #execs: ExecRegistration[] | undefined;
  #restWaiters: (() => void)[] | undefined;
  /**
   * Whether the saved state's tree is this device's own. Until something changes the tree beyond the DevID
   * leaves `#ownDevId` writes, the saved state keeps the template's tree (shared by every device) and the leaves
   * are written again each time a client comes to life: a device that only ran sessions keeps no tree nodes of
   * its own (the copied paths to its DevID leaves cost about 3 KB per device).
   */
  #treeOwn = false;
  /** The live client's tree changed (a server's REPLACE, an EXEC's effect): the next save keeps its tree. */
  #treeChanged = false;

  constructor(ctx: DeviceContext, index: number, number: number, devId: string) {
    this.#ctx = ctx;
    this.index = index;
    this.number = number;
    this.devId = devId;
  }

  /** Whether the device's saved state holds a tree of its own (a change beyond its DevID leaves was saved). */
  get ownsTree(): boolean {
    return this.#treeOwn;
  }

  /** Whether a real client runs for this device now. */
  get isLive(): boolean {
    return this.#live !== undefined;
  }

  /** Resolves when the device rests: at once when no client runs for it, else once its client is dropped. */
  resting(): Promise<void> {
    if (this.#live === undefined && this.#waking === undefined) return Promise.resolve();
    return new Promise((resolve) => (this.#restWaiters ??= []).push(resolve));
  }

  /**
   * Ready for calls; the client comes to life at the first one. With `sendBootstrapComplete` it does at once, to
   * open the sessions the device owes (§14 step 6), as DmClient.start does with the option.
   */
  async start(options: DmClientStartOptions = {}): Promise<void> {
    if (this.#state !== "new") throw new DmClientError(DmClientErrorCode.STATE, `cannot start a ${this.#state} client`);
    this.#state = "started";
    if (options.sendBootstrapComplete !== true) return;
    await this.#use((c) => {
      for (const srvId of c.bootstrapPending()) void c.runSession(srvId).catch(() => undefined);
    });
  }

  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    await this.#waking?.catch(() => undefined);
    await this.#releasing;
    const live = this.#live;
    this.#live = undefined;
    this.#detach();
    if (live !== undefined) {
      this.#ctx.rested();
      await live.stop();
    }
    this.#rest();
  }

  /** Forgets the dropped client's unsubscribe functions: each holds on to that client's listener sets. */
  #detach(): void {
    for (const e of this.#listeners ?? []) e.off = undefined;
    for (const e of this.#execs ?? []) e.off = undefined;
  }

  #rest(): void {
    const waiters = this.#restWaiters ?? [];
    this.#restWaiters = undefined;
    for (const w of waiters) w();
  }

  runSession(serverId?: string, trigger?: SessionTrigger) {
    return this.#use((c) => c.runSession(serverId, trigger));
  }

  bootstrap(serverId?: string) {
    return this.#use((c) => c.bootstrap(serverId));
  }

  receiveNotification(bytes: Uint8Array, source: NotificationSource, boundServerId?: string) {
    return this.#use((c) => c.receiveNotification(bytes, source, boundServerId));
  }

  async idle(): Promise<void> {
    await this.#waking?.catch(() => undefined);
    await this.#live?.idle();
  }

  on<K extends DmClientEventName>(name: K, listener: DmClientListener<K>): () => void {
    const entry: ListenerEntry = {
      l: [name, listener as DmClientListener<DmClientEventName>],
    };
    (this.#listeners ??= []).push(entry);
    if (this.#live !== undefined) entry.off = this.#live.on(name, listener);
    return () => {
      entry.off?.();
      this.#listeners = this.#listeners?.filter((e) => e !== entry);
    };
  }

  registerExec(...args: Parameters<DmClient["registerExec"]>): () => void {
    const entry: ExecRegistration = { args };
    (this.#execs ??= []).push(entry);
    if (this.#live !== undefined) entry.off = this.#live.registerExec(...args);
    return () => {
      entry.off?.();
      this.#execs = this.#execs?.filter((e) => e !== entry);
    };
  }

  /** The live client's tree; while the device rests, a copy of its saved tree (writes to it are not kept). */
  get tree(): DmTree {
    return this.#reader().tree;
  }

  accounts(): DmAccount[] {
    return this.#reader().accounts();
  }

  read(clientUri: string): Result<readonly ResolvedNode[]> {
    return this.#reader().read(clientUri);
  }

  getValue(clientUri: string): Result<LeafValue> {
    return this.#reader().getValue(clientUri);
  }

  setValue(clientUri: string, value: LeafValue | string): Promise<Result<WriteOutcome>> {
    return this.#use((c) => c.setValue(clientUri, value));
  }

  replace(clientUri: string, moData: MoDataObject): Promise<Result<WriteOutcome>> {
    return this.#use((c) => c.replace(clientUri, moData));
  }

  raiseAlert(serverId: string, alert: GenericAlert) {
    return this.#use((c) => c.raiseAlert(serverId, alert));
  }

  requestConfiguration(moid: string) {
    return this.#use((c) => c.requestConfiguration(moid));
  }

  flushSubscriptions(): Promise<void> {
    return this.#use((c) => c.flushSubscriptions());
  }

  // While the device rests these are read from its saved state, in the form state-bridge.ts saves them.
  pendingAlerts(serverId?: string) {
    if (this.#live !== undefined) return this.#live.pendingAlerts(serverId);
    const doc = this.#saved();
    return [
      ...doc.pendingAlerts
        .filter((a) => !(a.alert.AlertType === AT_BOOTSTRAP_COMPLETE && a.id.startsWith(BOOTSTRAP_ID_PREFIX)))
        .map((a) => ({ id: a.id, serverId: a.srvId, alert: a.alert })),
      ...doc.pendingReports.map((r) => ({
        id: r.id,
        serverId: r.srvId,
        alert: r.alert,
        ...(r.serverUri === undefined ? {} : { targetUri: r.serverUri }),
      })),
    ].filter((a) => serverId === undefined || a.serverId === serverId);
  }

  subscriptions(): readonly SubscriptionRecord[] {
    return this.#live?.subscriptions() ?? this.#saved().subscriptions;
  }

  defaults(): readonly DefaultUriRecord[] {
    return this.#live?.defaults() ?? this.#saved().defaults;
  }

  recentNotificationIds(): readonly NotificationIdRecord[] {
    return this.#live?.recentNotificationIds() ?? this.#saved().notificationIds;
  }

  bootstrapPending(): readonly string[] {
    if (this.#live !== undefined) return this.#live.bootstrapPending();
    return this.#saved()
      .pendingAlerts.filter((a) => a.alert.AlertType === AT_BOOTSTRAP_COMPLETE && a.id.startsWith(BOOTSTRAP_ID_PREFIX))
      .map((a) => a.srvId);
  }

  #saved(): ClientStateDocument {
    return this.#doc ?? this.#ctx.templateState;
  }

  /** The live client, or one that is never started, over a copy of the saved tree (for reads). */
  #reader(): DmClient {
    if (this.#live !== undefined) return this.#live;
    const reader = createDmClient(this.#clientDeps(), this.#ctx.config(this.devId));
    const restored = reader.tree.restore(this.#saved().tree);
    if (!restored.ok) throw restored.error;
    if (!this.#treeOwn) this.#ownDevId(reader.tree);
    return reader;
  }

  /** The template's state holds the template's DevID: this device's own goes where it stood (§9.1, §2.5). */
  #ownDevId(tree: DmTree): void {
    // A view on Node's shared Buffer pool (as leaf-value.ts's decodeBase64 gives): a copy of its own would cost an
    // ArrayBuffer and its backing store, about 400 bytes for a 20-byte DevID kept by every device for good.
    const b = Buffer.from(this.devId, "utf8");
    const id = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (const leaf of this.#ctx.devIdLeaves) {
      const r = tree.setValue(leaf.moid, leaf.miid, leaf.path, leaf.bytes ? id : this.devId);
      if (!r.ok) throw r.error;
    }
  }

  #clientDeps(): DmClientDeps {
    return {
      ...this.#ctx.deps(this),
      stateStore: {
        load: () => Promise.resolve(ok(this.#doc ?? this.#ctx.templateState)),
        save: (doc) => {
          if (this.#treeChanged) this.#treeOwn = true;
          this.#doc = this.#treeOwn ? doc : { ...doc, tree: this.#ctx.templateState.tree };
          return Promise.resolve(ok(undefined));
        },
      },
    };
  }

  /** Runs `op` on the live client (brought to life if needed); the client rests again once nothing is owed. */
  async #use<T>(op: Operation<T>): Promise<T> {
    this.#pins++;
    try {
      return await op(await this.#wake());
    } finally {
      this.#pins--;
      this.#settle();
    }
  }

  async #wake(): Promise<DmClient> {
    for (;;) {
      if (this.#live !== undefined) return this.#live;
      if (this.#waking !== undefined) return this.#waking;
      if (this.#releasing === undefined) break;
      await this.#releasing;
    }
    if (this.#state !== "started") {
      throw new DmClientError(DmClientErrorCode.STATE, "the client is not running (call start)");
    }
    this.#waking = this.#materialize().finally(() => {
      this.#waking = undefined;
    });
    return this.#waking;
  }

  async #materialize(): Promise<DmClient> {
    const client = createDmClient(this.#clientDeps(), this.#ctx.config(this.devId));
    for (const e of this.#listeners ?? []) e.off = client.on(e.l[0], e.l[1]);
    for (const e of this.#execs ?? []) e.off = client.registerExec(...e.args);
    const device: SimulatedDevice = { index: this.index, number: this.number, devId: this.devId, client };
    await this.#ctx.behaviour.setup(device);
    await client.start();
    if (!this.#treeOwn) this.#ownDevId(client.tree);
    // After the DevID leaves: any later change makes the tree the device's own (kept by the next save).
    this.#treeChanged = false;
    client.tree.onChange(() => {
      this.#treeChanged = true;
    });
    await this.#ctx.behaviour.started?.(device);
    // Before any session: the sessions start once this client is handed out.
    this.#ctx.live(client);
    this.#live = client;
    return client;
  }

  /** Once the live client is idle and owes nothing, it is stopped (its state saved) and dropped. */
  #settle(): void {
    const client = this.#live;
    if (client === undefined || this.#pins > 0 || this.#releasing !== undefined || this.#state !== "started") return;
    const releasing = (async (): Promise<boolean> => {
      await client.idle();
      if (this.#pins > 0 || this.#live !== client || this.#state !== "started") return false;
      if (!owesNothing(client)) {
        setTimeout(() => {
          this.#settle();
        }, RECHECK_MS).unref();
        return true;
      }
      this.#live = undefined;
      this.#detach();
      this.#ctx.rested();
      await client.stop();
      this.#rest();
      return true;
    })().catch((error: unknown) => {
      this.#ctx.deps(this).logger.warn({ devId: this.devId, error: String(error) }, "a simulated device did not rest");
      return true;
    });
    this.#releasing = releasing;
    void releasing.then((settled) => {
      this.#releasing = undefined;
      // A call came while the client went idle: it settles again when that call ends, or now if it ended.
      if (!settled) this.#settle();
    });
  }
}

/** Nothing waits for a later session: no alert or report queued, no SUB change unreported (§4.4, §4.10). */
function owesNothing(client: DmClient): boolean {
  return client.pendingAlerts().length === 0 && !client.subscriptions().some((s) => s.pendingSince !== undefined);
}
