// The public shape of the DmClient facade (dm-client.ts): its dependencies, options, events and API.
import type { GenericAlert, ResolvedNode, Result } from "@omadm/protocol";
import type { BrowserLauncher } from "../commands/browser-launcher.js";
import type { Timers } from "../commands/command-env.js";
import type { MoCodec } from "../commands/mo-codec.js";
import type { ConfigurationOutcome } from "../commands/default-command.js";
import type { ExecHandler } from "../commands/exec-registry.js";
import type { HttpClient } from "../http/http-client.js";
import type { BearerAvailability } from "../notification/bearer.js";
import type { IntakeDecision } from "../notification/intake.js";
import type { NotificationSource, NotificationTransport } from "../notification/transports/notification-transport.js";
import type { OutboxAlert } from "../session/contracts.js";
import type { SessionOutcome, SessionTrigger } from "../session/session-types.js";
import type { DefaultUriRecord, NotificationIdRecord, SubscriptionRecord } from "../state/client-state.js";
import type { StateStore } from "../state/state-store.js";
import type { DmAccount } from "../tree/dmacc.js";
import type { DmTree, WriteOutcome } from "../tree/dm-tree.js";
import type { LeafValue, MoDataObject } from "../tree/leaf-value.js";
import type { MoRegistry } from "../tree/mo-registry.js";
import type { DdfLoader } from "../tree/standard-ddf.js";
import type { DmClientEventName, DmClientListener } from "./events.js";
import type { ProcessRunner } from "./exec-behaviours.js";

/** pino's `logger.info(obj, msg)` / `logger.warn(obj, msg)` fit. */
export interface DmClientLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  debug?(details: Record<string, unknown>, message: string): void;
}

/** A transport whose notifications without SERVER-ID belong to one account (docs/protocol.md §2.7 step 1). */
export interface BoundNotificationTransport {
  readonly transport: NotificationTransport;
  readonly serverId: string;
}

export interface DmClientDeps {
  readonly stateStore: StateStore;
  /** DM sessions, Data Repository transfers and SUB reports (one client; TLS configured by the caller). */
  readonly http: HttpClient;
  readonly transports?: readonly (NotificationTransport | BoundNotificationTransport)[];
  /** The Web Browser Component for SHOW; absent → SHOW answers 501. */
  readonly browser?: BrowserLauncher;
  /** Bearer availability; default: the config's `notifications.bearers`, fixed. */
  readonly bearer?: BearerAvailability;
  readonly clock: { now(): number };
  readonly timers: Timers;
  readonly random: (size: number) => Uint8Array;
  readonly logger: DmClientLogger;
  /**
   * The MO definitions, shared by many clients of one device template (a fleet simulator): built once by
   * `createDeviceMoRegistry(config)` and never changed after. Default: one built for this client.
   */
  readonly registry?: MoRegistry;
  /** Loads the shipped standard DDFs; default readShippedDdf. */
  readonly loadDdf?: DdfLoader;
  /** Runs the processes of `{ "command": … }` EXEC behaviours; default node:child_process. */
  readonly runProcess?: ProcessRunner;
}

export interface DmClientOptions {
  /** Package#2 wait per POST (default 300 s, docs/protocol.md §1.5). */
  readonly responseTimeoutMs?: number;
  /** Data Repository transfers (default 300 s). */
  readonly transferTimeoutMs?: number;
  /** Delay before retrying a failed SUB report (default 60 s; 0 = only on the next change or flush). */
  readonly subRetryMs?: number;
  /**
   * The fallback of docs/bootstrap.md: after this many sessions in a row that a management server refused for
   * authentication (401 twice, or 403), bootstrap again with the bootstrap server's account (default 3; 0 never).
   */
  readonly bootstrapAfterAuthFailures?: number;
  /** MO formats beyond the built-in JSON serialization (e.g. a TNDS codec) for HGET/HPUT/HPOST/SUB bodies. */
  readonly moCodecs?: readonly MoCodec[];
  /** The MO formats read and written, most preferred first (default: the codecs' types, then JSON; §1.6). */
  readonly moMediaTypes?: readonly string[];
}

export interface DmClientStartOptions {
  readonly sendBootstrapComplete?: boolean;
}

export interface DmClient {
  /**
   * Loads the saved state (or builds the tree from the config), then listens on the transports. With
   * `sendBootstrapComplete`, a session is queued for every account still owed its BootstrapComplete (§14 step 6).
   */
  start(options?: DmClientStartOptions): Promise<void>;
  /** Stops listening, cancels a running session (its alerts stay queued) and saves the state. */
  stop(): Promise<void>;
  /**
   * Runs one session with a DM Server (default: the only account) after any session already queued.
   * ClientInitiatedMgmt by default; BootstrapComplete instead when the account is still owed it (§14).
   */
  runSession(serverId?: string, trigger?: SessionTrigger): Promise<SessionOutcome>;
  /**
   * Client-initiated bootstrap (docs/protocol.md §14): a session with the bootstrap server's account (default: the
   * only account holding Auth/Bootstrap keys) at its Auth/Bootstrap/ServerURI. The accounts it creates are then
   * owed BootstrapComplete sessions, which are queued at once.
   */
  bootstrap(serverId?: string): Promise<SessionOutcome>;
  /** Feeds one Package#0 as if a transport had received it (transports call this). */
  receiveNotification(bytes: Uint8Array, source: NotificationSource, boundServerId?: string): Promise<IntakeDecision>;
  /** Resolves when no session is running or queued, no asynchronous EXEC is in flight and the state is saved. */
  idle(): Promise<void>;
  on<K extends DmClientEventName>(name: K, listener: DmClientListener<K>): () => void;

  readonly tree: DmTree;
  readonly devId: string;
  accounts(): DmAccount[];
  /** MO data of every node a ClientURI selects (local view: nothing is hidden). */
  read(clientUri: string): Result<readonly ResolvedNode[]>;
  getValue(clientUri: string): Result<LeafValue>;
  /** Writes a leaf as the device (text is read per the leaf's DDF format); creates missing nodes; saved. */
  setValue(clientUri: string, value: LeafValue | string): Promise<Result<WriteOutcome>>;
  /** Replaces a subtree with MO data (§7.1) as the device; saved. */
  replace(clientUri: string, moData: MoDataObject): Promise<Result<WriteOutcome>>;
  registerExec(moid: string, path: string | readonly string[], handler: ExecHandler): () => void;
  /** Queues a Generic Alert for the next session with `serverId` (docs/protocol.md §3.4); saved. */
  raiseAlert(serverId: string, alert: GenericAlert): Promise<Result<OutboxAlert>>;
  /** DEFAULT fallback (docs/protocol.md §4.9): HGET from the MOID's DEFAULT URI when the tree has no instance. */
  requestConfiguration(moid: string): Promise<ConfigurationOutcome>;
  /** Reports every SUB with a pending change now. */
  flushSubscriptions(): Promise<void>;

  pendingAlerts(serverId?: string): readonly OutboxAlert[];
  subscriptions(): readonly SubscriptionRecord[];
  defaults(): readonly DefaultUriRecord[];
  recentNotificationIds(): readonly NotificationIdRecord[];
  /** SrvIDs whose next session is a BootstrapComplete one. */
  bootstrapPending(): readonly string[];
}
