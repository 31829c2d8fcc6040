// The one store interface of the DM Server. Nothing in the server logic knows which database is behind it:
// the memory store (tests), SQLite (default, embedded) and PostgreSQL (several server nodes) all implement it
// and all pass the same contract suite (packages/server/test/store-contract.ts).
//
// Guarantees every implementation gives (ARCHITECTURE.md invariants 5 and 6):
// - Every method that changes state has committed durably before its promise resolves.
// - A method that changes several rows does so in one transaction: all or nothing.
// - A refused change (typed `ServerError`) changes nothing.
// - Session state lives here, not in a process, so another server node can continue a session.
// - `get*`/`find*` return null for a missing record; changes to a missing record throw `*_NOT_FOUND`.
import type { ServerError } from "../errors.js";
import type { BootstrapStore } from "./bootstrap-store.js";
import type { EventLog } from "../events/event-types.js";
import type {
  AcceptedSelector,
  AsyncCompletion,
  Command,
  CommandQuery,
  CommandResultInput,
  CredentialKey,
  Device,
  DevicePatch,
  DeviceState,
  EnqueueResult,
  JsonValue,
  MosInventoryEntry,
  NewCommand,
  NewDevice,
  Page,
  PageQuery,
  TakeBatchInput,
} from "./types.js";
import type {
  AlertQuery,
  CloseOptions,
  CloseReason,
  CloseSessionResult,
  SessionWithDevice,
  NewAlert,
  NewNotificationRecord,
  NewSession,
  NotificationQuery,
  NotificationRecord,
  OpenSessionResult,
  Session,
  SessionKey,
  SessionPatch,
  SessionQuery,
  StoredAlert,
} from "./types-session.js";
import type {
  ApiToken,
  AuditQuery,
  AuditRecord,
  Capability,
  NewApiToken,
  NewAuditRecord,
  NewCapability,
  NewRepositoryItem,
  NewUiSession,
  NewUpload,
  RepositoryItem,
  RepositoryItemInfo,
  RepositoryPutOptions,
  RepositoryQuery,
  RepositoryUsage,
  UiSession,
  UiSessionQuery,
  Upload,
  UploadInfo,
  UploadQuery,
} from "./types-content.js";
import type { RetentionStore } from "./types-retention.js";
import type { LeaseStore } from "./types-lease.js";
import type { WebhookStore } from "./types-webhooks.js";

/** One batch of a background sweep. */
export interface SweepOptions {
  /** Most records changed by this call (a whole number ≥ 1); default: every one due. */
  readonly limit?: number | undefined;
}
import type {
  DeviceGroup,
  DeviceGroupPatch,
  DeviceListQuery,
  DeviceSelection,
  MembershipChange,
  NewDeviceGroup,
} from "./types-selection.js";
import type { DeviceImportResult, DeviceImportRow } from "./types-import.js";
import type { FirmwareStore } from "./types-firmware.js";
import type { CampaignStore } from "./types-campaign.js";
import type { ConsoleSignInStore } from "./types-console.js";

export const StoreKind = { Memory: "memory", Sqlite: "sqlite", Postgres: "postgres" } as const;
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind];

/** The record stores, each method atomic on its own. */
export interface StoreParts {
  readonly devices: DeviceStore;
  readonly commands: CommandStore;
  readonly sessions: SessionStore;
  readonly alerts: AlertStore;
  readonly notifications: NotificationStore;
  readonly repository: RepositoryStore;
  readonly uiSessions: UiSessionStore;
  readonly apiTokens: ApiTokenStore;
  readonly bootstrap: BootstrapStore;
  readonly groups: GroupStore;
  readonly capabilities: CapabilityStore;
  readonly audit: AuditStore;
  /** Firmware image metadata (docs/firmware.md); the bytes are files in the data directory. */
  readonly firmware: FirmwareStore;
  /** Campaigns and bulk wakes with their per-device progress (docs/campaigns.md). */
  readonly campaigns: CampaignStore;
  /** Web console sign-ins, by the hash of the cookie's secret (docs/console.md). */
  readonly consoleSignIns: ConsoleSignInStore;
}

export interface Store extends StoreParts {
  readonly kind: StoreKind;
  /** Pruning of old finished records and space reclamation (retention/retention.ts); not inside a transaction. */
  readonly retention: RetentionStore;
  /**
   * Named leases, so that a background job runs on one server node at a time (types-lease.ts); each call is
   * atomic on its own and never inside `transaction`, so it is not one of the `StoreParts`.
   */
  readonly leases: LeaseStore;
  /**
   * The server event log (events/event-types.ts): appended after the changes it reports have committed, never
   * inside `transaction`, so it is not one of the `StoreParts`.
   */
  readonly events: EventLog;
  /** Webhook subscriptions, their cursors and dead letters (types-webhooks.ts); not inside `transaction`. */
  readonly webhooks: WebhookStore;
  /**
   * Runs several operations as one atomic, durable unit (one commit, one fsync): e.g. applying a Package#3,
   * taking the next batch and saving the session state. `fn` must use only the `tx` it is given — calling
   * this store from inside `fn` throws TRANSACTION_MISUSE, and so does using `tx` after `fn` returned.
   * If `fn` throws, nothing it did is kept. A refusal by a method of `tx` (a typed error it throws before it
   * changes anything: every refusal the store makes on purpose) changes nothing, so `fn` may catch it and go on;
   * a `tx` method that fails after it wrote refuses the whole transaction with that error (SQLite), or is undone
   * alone by a savepoint (PostgreSQL). Other callers see the changes all at once after the commit.
   */
  transaction<T>(fn: (tx: StoreParts) => Promise<T>): Promise<T>;
  /** Releases the database. Later calls throw STORE_CLOSED. Idempotent. */
  close(): Promise<void>;
}

export interface DeviceStore {
  /** Pre-provisions a device (state `provisioned`). DEVICE_EXISTS, CREDENTIAL_CONFLICT. */
  create(input: NewDevice): Promise<Device>;
  get(id: string): Promise<Device | null>;
  findByCredential(key: CredentialKey): Promise<Device | null>;
  /**
   * A Package#1 arrived from `id`: stamps first/last contact and moves `provisioned` to `registered`.
   * An unknown device is created `registered` when `autoRegister`, else null is returned and nothing
   * changes. A disabled device stays disabled (the caller refuses it) but its contact time is recorded.
   * `mos`: the MOS inventory the Package#1 carried (docs/protocol.md §3.1), stored with the contact in the same
   * write (and `mosAt` stamped), as `update(id, { mos })` would, unless the device is disabled; INVALID_INPUT for
   * a malformed one (nothing changes).
   */
  recordContact(id: string, options: ContactOptions): Promise<Device | null>;
  /** The device's state alone (no JSON column read), or null for an unknown device. */
  stateOf(id: string): Promise<DeviceState | null>;
  /**
   * Merges DevInfo values read from the device over its stored DevInfo (leaves read earlier and not now are
   * kept), stamping `devInfoAt`; read and write under the device's lock. false (nothing written) for an unknown
   * device.
   */
  mergeDevInfo(id: string, values: Readonly<Record<string, JsonValue>>): Promise<boolean>;
  /** DEVICE_NOT_FOUND, CREDENTIAL_CONFLICT. */
  update(id: string, patch: DevicePatch): Promise<Device>;
  /** Deletes the device with its commands, sessions, alerts, notifications, uploads, own repository items and
   *  UI sessions. false when it did not exist. */
  delete(id: string): Promise<boolean>;
  /** Ordered by id; narrowed by a selection (docs/filters.md). GROUP_NOT_FOUND for an unknown group. */
  list(query?: DeviceListQuery): Promise<Page<Device>>;
  /** How many devices the selection holds (counts them: linear in the matches). GROUP_NOT_FOUND. */
  count(query?: DeviceSelection): Promise<number>;
  /**
   * Creates or updates up to MAX_IMPORT_BATCH devices in one transaction, row by row in order (a device named
   * twice ends as if its rows ran one after another). A row that is malformed or whose credential another
   * device uses (CREDENTIAL_CONFLICT) is refused alone: its result carries the error and it changes nothing.
   * A row that changes nothing writes nothing (`unchanged`), so importing the same rows again is harmless.
   */
  importBatch(rows: readonly DeviceImportRow[]): Promise<readonly DeviceImportResult[]>;
}

export interface ContactOptions {
  /** Register an unknown device (state `registered`); else an unknown device gets null and nothing changes. */
  readonly autoRegister: boolean;
  readonly mos?: readonly MosInventoryEntry[] | undefined;
}

/** Saved device groups (docs/filters.md "Groups"); their devices are listed with `devices.list({ group })`. */
export interface GroupStore {
  /** GROUP_EXISTS; INVALID_INPUT; FILTER_INVALID for a dynamic group's filter. */
  create(input: NewDeviceGroup): Promise<DeviceGroup>;
  get(id: string): Promise<DeviceGroup | null>;
  /** GROUP_NOT_FOUND; GROUP_KIND_MISMATCH for a filter on a static group; FILTER_INVALID. */
  update(id: string, patch: DeviceGroupPatch): Promise<DeviceGroup>;
  /** Deletes the group and its member list (never the devices). false when it did not exist. */
  delete(id: string): Promise<boolean>;
  /** Ordered by id. */
  list(query?: PageQuery): Promise<Page<DeviceGroup>>;
  /**
   * Adds devices to a static group, all or nothing: GROUP_NOT_FOUND, GROUP_KIND_MISMATCH for a dynamic group,
   * DEVICE_NOT_FOUND naming the first unknown id; ids already members are skipped.
   */
  addMembers(id: string, deviceIds: readonly string[]): Promise<MembershipChange>;
  /** Removes devices from a static group; ids that are not members are skipped. GROUP_NOT_FOUND, GROUP_KIND_MISMATCH. */
  removeMembers(id: string, deviceIds: readonly string[]): Promise<MembershipChange>;
}

export interface CommandStore {
  /**
   * Appends a command to the device's queue (state `queued`). With an idempotency key already used for this
   * device, returns that command with `created: false` — or IDEMPOTENCY_CONFLICT when name or params differ.
   * DEVICE_NOT_FOUND.
   */
  enqueue(input: NewCommand): Promise<EnqueueResult>;
  /**
   * `enqueue` for each input, in order, in one atomic step (a few statements whatever the count; PostgreSQL
   * only): each input is refused alone (DEVICE_NOT_FOUND, IDEMPOTENCY_CONFLICT as its result) and changes
   * nothing else. A store without it queues a list with `enqueue` calls in one transaction.
   */
  enqueueMany?(inputs: readonly NewCommand[]): Promise<readonly (EnqueueResult | { readonly error: ServerError })[]>;
  get(id: string): Promise<Command | null>;
  findByIdempotencyKey(deviceId: string, key: string): Promise<Command | null>;
  /**
   * Atomically takes up to `max` queued commands of the device, oldest first, and marks them `sent` in the
   * given session, package and positions. Queued commands past their expiry become `expired` instead.
   * Refused with SESSION_NOT_OPEN unless the session is the device's open one and not idle-expired, so a
   * superseded session can never take commands. Returns [] when the queue is empty.
   */
  takeBatch(input: TakeBatchInput): Promise<readonly Command[]>;
  /**
   * Applies Package#3 status items atomically. Every command must be `sent` in `sessionId` (or cancelled while
   * sent there, not yet answered), else
   * COMMAND_ILLEGAL_TRANSITION (COMMAND_NOT_FOUND for an unknown id) and nothing changes.
   */
  recordResults(sessionId: string, results: readonly CommandResultInput[]): Promise<readonly Command[]>;
  /**
   * Completes an `accepted` command from its asynchronous alert (§4.4, §4.12): by id, or the oldest accepted
   * command of the device whose correlation sourceUri matches. null when none matches (selector by URI);
   * COMMAND_NOT_FOUND / COMMAND_ILLEGAL_TRANSITION for a selector by id.
   */
  completeAccepted(selector: AcceptedSelector, completion: AsyncCompletion): Promise<Command | null>;
  /**
   * Ends what the session has in flight as its session ending would (delivery-rules.ts): each `sent` command
   * goes back to `queued` (clearing session, package and position) or, out of deliveries, ends `failed` or
   * `unknown`. Returns the requeued ones.
   */
  requeueSession(sessionId: string): Promise<readonly Command[]>;
  /** Marks queued commands whose expiry has passed `expired` (at most `limit`, default all); returns how many.
   *  The sweeper calls it in batches until fewer than `limit` come back, so no call holds the store long. */
  expireDue(options?: SweepOptions): Promise<number>;
  /**
   * queued | sent | accepted → cancelled; COMMAND_NOT_FOUND, COMMAND_ILLEGAL_TRANSITION otherwise. A command
   * cancelled while sent keeps its session, is never sent again, and its answer, if it still comes in that
   * session, is recorded by `recordResults` (it stays cancelled).
   */
  cancel(id: string): Promise<Command>;
  /** Ordered by enqueue order. */
  list(query?: CommandQuery): Promise<Page<Command>>;
}

export interface SessionStore {
  /**
   * Opens a session for a device. Atomically: the device's previous open session (if any) becomes
   * `superseded`, the commands it had in flight go back to the queue, and the new session is stored.
   * DEVICE_NOT_FOUND; INVALID_INPUT for a cookie or CONT token already in use.
   */
  open(input: NewSession): Promise<OpenSessionResult>;
  get(id: string): Promise<Session | null>;
  findByCookie(cookie: string): Promise<Session | null>;
  findByContToken(token: string): Promise<Session | null>;
  /** The device's open session (which may be idle-expired but not yet swept), or null. */
  findOpen(deviceId: string): Promise<Session | null>;
  /**
   * The session `findByContToken`, `findByCookie` or `findOpen` would give, with its device's state read in the
   * same statement (one round trip on PostgreSQL): a Package#3's lookup and its device check at once. Null when
   * there is no such session.
   */
  findWithDevice(key: SessionKey): Promise<SessionWithDevice | null>;
  /**
   * Changes a live session and refreshes its activity time and idle expiry. SESSION_NOT_FOUND;
   * SESSION_NOT_OPEN when closed or idle-expired; SESSION_CONFLICT when `expectedVersion` is stale.
   */
  update(id: string, patch: SessionPatch, options?: { readonly expectedVersion?: number }): Promise<Session>;
  /**
   * Closes an open session and requeues its in-flight commands atomically. SESSION_NOT_OPEN if closed. With
   * `final`, first changes it as `update` would (SESSION_NOT_OPEN when idle-expired too) in the same step: a
   * session's last package saves and ends it in one write. SESSION_CONFLICT when `expectedVersion` is stale.
   */
  close(id: string, reason: CloseReason, options?: CloseOptions): Promise<CloseSessionResult>;
  /** Closes (`expired`) open sessions past their idle expiry (at most `limit`, oldest first), requeueing their
   *  in-flight commands. */
  expireIdle(options?: SweepOptions): Promise<readonly CloseSessionResult[]>;
  /** Ordered by creation time. */
  list(query?: SessionQuery): Promise<Page<Session>>;
  /**
   * Open sessions whose idle expiry is still ahead, across every node sharing the store (the wake pacer's fleet
   * gauge, campaigns/pacer.ts). A session a stop cut off stops counting once superseded or idle-expired. One
   * range count off the open sessions' idle-expiry index.
   */
  countLive(): Promise<number>;
  /**
   * Of these devices, those with a live open session (open, idle expiry ahead), in no particular order: how a
   * node learns that a session it admitted went on and ended on another node (edge/admission.ts). Off the
   * one-open-session-per-device index; any number of ids (read in chunks).
   */
  liveAmong(deviceIds: readonly string[]): Promise<readonly string[]>;
}

export interface AlertStore {
  /** Stores Generic Alerts atomically, in order. DEVICE_NOT_FOUND. */
  record(alerts: readonly NewAlert[]): Promise<readonly StoredAlert[]>;
  get(id: string): Promise<StoredAlert | null>;
  /** Ordered by arrival. */
  list(query?: AlertQuery): Promise<Page<StoredAlert>>;
}

export interface NotificationStore {
  /**
   * The next NOTIFICATION-ID of this server (1, 2, … 65535, 0, 1, …): atomic and persistent. With `count`, takes
   * that many consecutive ids at once (1 to 1024; they wrap like the others) and returns the first.
   */
  nextId(count?: number): Promise<number>;
  record(input: NewNotificationRecord): Promise<NotificationRecord>;
  /** Ordered by time sent. */
  list(query?: NotificationQuery): Promise<Page<NotificationRecord>>;
}

export interface RepositoryStore {
  /** Creates or replaces an item; a new ETag every time. REPOSITORY_PRECONDITION_FAILED on `ifMatch`. */
  put(input: NewRepositoryItem, options?: RepositoryPutOptions): Promise<RepositoryItem>;
  get(path: string, deviceId: string | null): Promise<RepositoryItem | null>;
  delete(path: string, deviceId: string | null): Promise<boolean>;
  /** Metadata only, ordered by (shared first, then device id) and path. */
  list(query?: RepositoryQuery): Promise<Page<RepositoryItemInfo>>;
  /** Appends to the device's upload log. DEVICE_NOT_FOUND. */
  recordUpload(input: NewUpload): Promise<Upload>;
  getUpload(id: string): Promise<Upload | null>;
  /** Metadata only, ordered by arrival. */
  listUploads(query?: UploadQuery): Promise<Page<UploadInfo>>;
  /** What one device's repository space holds: its items and its uploads, bytes and records together. */
  usage(deviceId: string): Promise<RepositoryUsage>;
}

export interface UiSessionStore {
  /** Creates a `pending` UI session. DEVICE_NOT_FOUND. */
  create(input: NewUiSession): Promise<UiSession>;
  get(id: string): Promise<UiSession | null>;
  /** Links the SHOW command that carries the page. UI_SESSION_NOT_FOUND. */
  linkCommand(id: string, commandId: string): Promise<UiSession>;
  /** pending | opened → opened (first open time kept). UI_SESSION_ILLEGAL_TRANSITION otherwise. */
  markOpened(id: string): Promise<UiSession>;
  /** pending | opened → completed with the user's answer. UI_SESSION_ILLEGAL_TRANSITION otherwise. */
  complete(id: string, result: unknown): Promise<UiSession>;
  /** pending | opened past `expiresAt` → expired (at most `limit`); returns how many. */
  expireDue(options?: SweepOptions): Promise<number>;
  /** Ordered by creation time. */
  list(query?: UiSessionQuery): Promise<Page<UiSession>>;
}

export interface ApiTokenStore {
  /** INVALID_INPUT when the hash is already stored. */
  create(input: NewApiToken): Promise<ApiToken>;
  /** Authenticates: the unrevoked token with this hash, its `lastUsedAt` stamped now; else null. */
  use(tokenHash: string): Promise<ApiToken | null>;
  /** API_TOKEN_NOT_FOUND. Revoking twice keeps the first time. */
  revoke(id: string): Promise<ApiToken>;
  /** Every token, ordered by creation time. */
  list(): Promise<readonly ApiToken[]>;
}

/** Per-command capability tokens, by hash (docs/repository.md "Capability URLs"). */
export interface CapabilityStore {
  /** Records one. DEVICE_NOT_FOUND; INVALID_INPUT when the hash is already stored. */
  issue(input: NewCapability): Promise<Capability>;
  /** The capability with this token hash, or null. */
  find(tokenHash: string): Promise<Capability | null>;
}

/** The audit log of operator writes (docs/operators.md "Audit"). Records are never changed, only pruned. */
export interface AuditStore {
  record(input: NewAuditRecord): Promise<AuditRecord>;
  /** Keyset pages, newest first unless `order` is asc. */
  list(query?: AuditQuery): Promise<Page<AuditRecord>>;
}
