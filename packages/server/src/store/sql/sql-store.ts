// Composes the per-concern SQL modules into one Store over a Kysely handle (SQLite or PostgreSQL). Every
// method runs through sqlGuard (typed errors); `transaction` rebinds the same modules to one transaction.
import { CompiledQuery, type Selectable } from "kysely";
import { StoreKind, type Store, type StoreParts } from "../store.js";
import { checkActive, serialize, TransactionScope, wrapMethods, wrapParts } from "../transaction-support.js";
import { SqlDialect } from "./migrations.js";
import type { TransactionState } from "../transaction-support.js";
import type { Db, SqlContext } from "./sql-context.js";
import type { SessionsTable } from "./schema.js";
import { isSentAheadFailure, mapDbError, sqlGuard } from "./sql-errors.js";
import { createSqlAudit, createSqlCapabilities } from "./sql-store-access.js";
import { createSqlBootstrap } from "./sql-store-bootstrap.js";
import { createSqlAlerts, createSqlNotifications } from "./sql-store-alerts.js";
import { createSqlCommands } from "./sql-store-commands.js";
import { createSqlDevices } from "./sql-store-devices.js";
import { createSqlGroups } from "./sql-store-groups.js";
import { createSqlFirmware } from "./sql-store-firmware.js";
import { createSqlCampaigns } from "./sql-store-campaigns.js";
import { createSqlConsoleSignIns } from "./sql-console-sign-ins.js";
import { createSqlImport } from "./sql-store-import.js";
import { createSqlRepository } from "./sql-store-repository.js";
import { createSqlSessions } from "./sql-store-sessions.js";
import { createSqlRetention } from "./sql-retention.js";
import { createSqlEventLog } from "./sql-events.js";
import { createSqlWebhooks } from "./sql-webhooks.js";
import { createSqlLeases } from "./sql-leases.js";
import { createSqlApiTokens, createSqlUiSessions } from "./sql-store-ui-tokens.js";

export function createParts(ctx: SqlContext): StoreParts {
  return {
    devices: { ...createSqlDevices(ctx), importBatch: createSqlImport(ctx) },
    commands: createSqlCommands(ctx),
    sessions: createSqlSessions(ctx),
    alerts: createSqlAlerts(ctx),
    notifications: createSqlNotifications(ctx),
    repository: createSqlRepository(ctx),
    uiSessions: createSqlUiSessions(ctx),
    apiTokens: createSqlApiTokens(ctx),
    bootstrap: createSqlBootstrap(ctx),
    groups: createSqlGroups(ctx),
    capabilities: createSqlCapabilities(ctx),
    audit: createSqlAudit(ctx),
    firmware: createSqlFirmware(ctx),
    campaigns: createSqlCampaigns(ctx),
    consoleSignIns: createSqlConsoleSignIns(ctx),
  };
}

/** What one transaction remembers between its calls (PostgreSQL round trips it can spare). */
interface TxMemo {
  /** Keys this transaction holds the advisory lock of: a later call on the same key takes none. */
  readonly locked: Set<string>;
  /** Devices whose row lock this transaction holds: a later call on the same device takes none. */
  readonly devices: Set<string>;
  /** Savepoints established and not released. */
  open: number;
  /** Set when a call left the transaction unable to go on (sql-context.ts `poison`): it rolls back. */
  poisoned: { readonly error: unknown } | null;
  /** The device whose queue a call saw empty under its row lock, while only calls that cannot queue followed. */
  emptyQueue: string | null;
  /** The row of the session this transaction opened, as last written, while only calls that keep it followed. */
  openedSession: Selectable<SessionsTable> | null;
}

/**
 * Where a transaction's modules find their transaction. The modules are built once per binding, not once per
 * transaction (building all of them costs more CPU than a round trip): a binding is reused by a later
 * transaction only after the previous one ended and none of its calls is still running.
 */
interface Binding {
  trx: Db | null;
  state: TransactionState;
  memo: TxMemo;
  readonly parts: StoreParts;
}

/** The state of a binding between transactions: every use of it is TRANSACTION_MISUSE. */
const UNBOUND: TransactionState = { active: false };
/** A transaction's memo as it starts: nothing locked, nothing seen. */
const newMemo = (): TxMemo => ({
  locked: new Set(),
  devices: new Set(),
  open: 0,
  poisoned: null,
  emptyQueue: null,
  openedSession: null,
});
const NO_MEMO: TxMemo = newMemo();
/** Bindings kept for reuse; more are built while more transactions run at once (one per pooled connection). */
const MAX_FREE_BINDINGS = 64;

/**
 * The modules' view inside a transaction: every query on the bound `trx`; their own transactions join it; a
 * key locked once stays locked until the transaction ends (PostgreSQL advisory transaction locks, row locks),
 * so it is locked once.
 */
function innerContext(ctx: SqlContext, b: Omit<Binding, "parts">): SqlContext {
  const trx = (): Db => {
    checkActive(b.state);
    if (b.trx === null) throw new Error("a transaction binding was used while unbound");
    return b.trx;
  };
  return {
    dialect: ctx.dialect,
    now: ctx.now,
    newId: ctx.newId,
    lock: async (t, key) => {
      const memo = b.memo;
      if (memo.locked.has(key)) return;
      await ctx.lock(t, key);
      memo.locked.add(key);
    },
    lockDevice: async (t, deviceId) => {
      const memo = b.memo;
      if (memo.devices.has(deviceId)) return;
      await ctx.lockDevice(t, deviceId);
      memo.devices.add(deviceId);
    },
    deviceLocked: (deviceId) => b.memo.devices.add(deviceId),
    holdsDevice: (deviceId) => b.memo.devices.has(deviceId),
    queueSeenEmpty: (deviceId) => {
      b.memo.emptyQueue = deviceId;
    },
    knowsQueueEmpty: (deviceId) => b.memo.emptyQueue === deviceId,
    sessionOpened: (row) => {
      b.memo.openedSession = row;
    },
    openedSession: (id) => {
      const row = b.memo.openedSession;
      return row !== null && row.id === id ? row : undefined;
    },
    poison: (error) => {
      b.memo.poisoned ??= { error };
    },
    db: trx,
    transaction: (fn) => fn(trx()),
  };
}

function newBinding(ctx: SqlContext): Binding {
  const b = { trx: null, state: UNBOUND, memo: NO_MEMO } as Omit<Binding, "parts"> & { parts?: StoreParts };
  b.parts = createParts(innerContext(ctx, b));
  return b as Binding;
}

/**
 * Calls that need no savepoint on PostgreSQL (two round trips saved on each, and these are the DM session's):
 * each either refuses before it writes anything, or writes with statements whose refusal changes nothing, or
 * poisons the transaction itself when it cannot be undone alone. A statement that fails in one of them leaves
 * PostgreSQL's transaction aborted; `withoutSavepoint` finds that out and rolls the whole transaction back.
 */
const WITHOUT_SAVEPOINT = new Set([
  "devices.get",
  "devices.recordContact",
  "devices.stateOf",
  "sessions.open",
  "sessions.update",
  "sessions.close",
  "alerts.record",
  "commands.enqueue",
  "commands.enqueueMany",
  "commands.takeBatch",
  "commands.recordResults",
]);

/**
 * Calls that cannot put a command in `queued`: a device's queue seen empty by an earlier call of the transaction
 * (under the device's row lock, which every writer of the queue takes) stays empty across them. Any other call
 * forgets it at its start, so in practice the fact serves the DM flow's Package#3 only: its results, the DevInfo
 * they carried, its alerts, then the next batch, found empty without a statement (sql-commands-pg-session.ts).
 */
const KEEPS_QUEUE_EMPTY = new Set([
  "devices.get",
  "devices.stateOf",
  "devices.mergeDevInfo",
  "alerts.record",
  "commands.takeBatch",
]);

/**
 * Calls that cannot change a session's row: the row of the session a transaction opened, as written, stays its row
 * across them (a later `sessions.update` of it then needs no row back: sql-store-sessions.ts). Any other call
 * forgets it at its start; in practice it serves the DM flow's Package#1: the session opened, its alerts stored,
 * the first batch taken, then the session's state saved.
 */
const KEEPS_OPENED_SESSION = new Set([
  "devices.get",
  "devices.stateOf",
  "alerts.record",
  "commands.takeBatch",
  "capabilities.issue",
  "sessions.update",
]);

const PROBE = CompiledQuery.raw("select 1");

/** A call without a savepoint: if it fails and its transaction can no longer run statements, poison it. */
async function withoutSavepoint(trx: Db, memo: TxMemo, call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    // The error path only: one round trip to learn whether PostgreSQL still accepts statements.
    if (memo.poisoned === null) await trx.executeQuery(PROBE).catch(() => (memo.poisoned = { error }));
    throw error;
  }
}

/** Routes each method of each part through `around`, named "part.method". */
function wrapNamed(
  parts: StoreParts,
  around: (call: () => Promise<unknown>, name: string, method: string, args: readonly unknown[]) => Promise<unknown>,
): StoreParts {
  const out: Record<string, unknown> = {};
  for (const [part, methods] of Object.entries(parts)) {
    out[part] = wrapMethods(methods as object, (call, method, args) => around(call, `${part}.${method}`, method, args));
  }
  return out as unknown as StoreParts;
}

// One name serves every savepoint: a transaction's calls run one at a time and never nest, so at most one is
// open. Precompiled once: these run around every call on a `tx` (two statements per call on the DM hot path).
const SAVEPOINT = CompiledQuery.raw("savepoint omadm_sp");
const ROLLBACK_TO_SAVEPOINT = CompiledQuery.raw("rollback to savepoint omadm_sp");
const RELEASE_SAVEPOINT = CompiledQuery.raw("release savepoint omadm_sp");

/**
 * Savepoints a transaction keeps before it releases them again. An unreleased savepoint costs nothing until the
 * commit, and ROLLBACK TO names the newest of its name, so a call's savepoint need not be released: one round
 * trip less per call. Past this depth each is released, so a long transaction never holds more (PostgreSQL keeps
 * 64 subtransactions per backend in shared memory before it spills).
 */
const MAX_OPEN_SAVEPOINTS = 32;

/** One method call inside a transaction, in a savepoint: if it throws, only its own changes are undone. */
async function inSavepoint(trx: Db, memo: TxMemo, call: () => Promise<unknown>): Promise<unknown> {
  await trx.executeQuery(SAVEPOINT);
  memo.open++;
  let result: unknown;
  try {
    result = await call();
  } catch (error) {
    await trx.executeQuery(ROLLBACK_TO_SAVEPOINT);
    // Locks taken after the savepoint went with it (advisory and row locks alike), and what was seen under them.
    memo.locked.clear();
    memo.devices.clear();
    memo.emptyQueue = null;
    memo.openedSession = null;
    throw error;
  }
  if (memo.open > MAX_OPEN_SAVEPOINTS) {
    await trx.executeQuery(RELEASE_SAVEPOINT);
    memo.open--;
  }
  return result;
}

export function createSqlStore(
  kind: typeof StoreKind.Sqlite | typeof StoreKind.Postgres,
  ctx: SqlContext & { markClosed(): void },
  destroy: () => Promise<void>,
): Store {
  const scope = new TransactionScope();
  const free: Binding[] = [];
  let closing: Promise<void> | undefined;
  const guardOutside = async (call: () => Promise<unknown>, method: string, args: readonly unknown[]) => {
    scope.checkOutside();
    return sqlGuard(call, method, args);
  };
  const outside = wrapParts(createParts(ctx), guardOutside);
  return {
    kind,
    ...outside,
    retention: wrapMethods(createSqlRetention(ctx), guardOutside),
    leases: wrapMethods(createSqlLeases(ctx), guardOutside),
    events: createSqlEventLog(ctx),
    webhooks: createSqlWebhooks(ctx),
    transaction: async (fn) => {
      scope.checkOutside();
      try {
        return await ctx.transaction(async (trx) => {
          const state: TransactionState = { active: true };
          const memo = newMemo();
          const binding = free.pop() ?? newBinding(ctx);
          binding.trx = trx;
          binding.state = state;
          binding.memo = memo;
          // Back to the free list once the callback ended and no call of this transaction still runs.
          let running = 0;
          const unbind = () => {
            if (state.active || running > 0) return;
            binding.trx = null;
            binding.state = UNBOUND;
            binding.memo = NO_MEMO;
            if (free.length < MAX_FREE_BINDINGS) free.push(binding);
          };
          const oneAtATime = serialize();
          const postgres = ctx.dialect === SqlDialect.Postgres;
          const tx = wrapNamed(binding.parts, (call, name, method, args) =>
            oneAtATime(async () => {
              checkActive(state);
              if (memo.poisoned !== null) throw memo.poisoned.error;
              running++;
              if (!KEEPS_QUEUE_EMPTY.has(name)) memo.emptyQueue = null;
              if (!KEEPS_OPENED_SESSION.has(name)) memo.openedSession = null;
              try {
                const guarded = () => sqlGuard(call, method, args);
                if (postgres && WITHOUT_SAVEPOINT.has(name)) return await withoutSavepoint(trx, memo, guarded);
                return await inSavepoint(trx, memo, guarded);
              } catch (error) {
                // A write deferred by an earlier call failed (postgres-deferred.ts): that call was answered as if
                // it had succeeded, so the transaction must not commit, even if this failure is caught.
                if (isSentAheadFailure(error)) memo.poisoned ??= { error };
                throw error;
              } finally {
                running--;
                unbind();
              }
            }),
          );
          try {
            const result = await scope.run(state, () => fn(tx));
            // The callback caught a failure that cannot be undone alone: roll back (never a silent half-commit).
            if (memo.poisoned !== null) throw memo.poisoned.error;
            return result;
          } finally {
            state.active = false;
            unbind();
          }
        });
      } catch (error) {
        throw mapDbError(error);
      }
    },
    close: () => {
      if (closing === undefined) {
        ctx.markClosed();
        closing = destroy();
      }
      return closing;
    },
  };
}
