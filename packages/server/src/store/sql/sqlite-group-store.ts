// The SQLite store over a CommitGroup (sqlite-commit-group.ts): every method call and every
// `store.transaction(fn)` is one member of the shared write transaction, answered after the commit that holds
// it. One set of SQL modules serves all of them, bound to the one connection: inside a member there is nothing
// to nest, so a module's own `ctx.transaction` just runs its callback, and a call on a `tx` opens no savepoint.
// A `tx` call that throws after it wrote something cannot be undone alone: the whole transaction is then
// refused with that error (rolled back to the member's savepoint) even if `fn` catches it — refusals that check
// before they write, which is every refusal the store makes on purpose, leave `fn` free to go on.
import type { Store } from "../store.js";
import { StoreKind } from "../store.js";
import { checkActive, serialize, wrapMethods, wrapParts, type TransactionState } from "../transaction-support.js";
import type { SqlContext } from "./sql-context.js";
import { mapDbError, sqlGuard } from "./sql-errors.js";
import { createSqlEventLog } from "./sql-events.js";
import { createSqlWebhooks } from "./sql-webhooks.js";
import { createSqlRetention } from "./sql-retention.js";
import { createSqlLeases } from "./sql-leases.js";
import { createParts } from "./sql-store.js";
import { MemberKind, type CommitGroup } from "./sqlite-commit-group.js";

/** Methods that only read (they run without the write lock when no group is open). */
const READ_METHOD = /^(get|find|list)/;
/** Methods that make at most one write statement: no savepoint (MemberKind.OneWrite). */
const ONE_WRITE_METHODS: ReadonlySet<string> = new Set(["enqueue"]);

function memberKind(method: string): MemberKind {
  if (READ_METHOD.test(method)) return MemberKind.Read;
  return ONE_WRITE_METHODS.has(method) ? MemberKind.OneWrite : MemberKind.Write;
}

interface TxState extends TransactionState {
  /** The error of a `tx` call that failed after it wrote: the transaction cannot commit any more. */
  refused: Error | undefined;
}

export function createSqliteGroupStore(
  ctx: SqlContext & { markClosed(): void },
  group: CommitGroup,
  destroy: () => Promise<void>,
): Store {
  const member: SqlContext = {
    dialect: ctx.dialect,
    db: ctx.db,
    now: ctx.now,
    newId: ctx.newId,
    lock: ctx.lock,
    lockDevice: ctx.lockDevice,
    deviceLocked: ctx.deviceLocked,
    holdsDevice: ctx.holdsDevice,
    queueSeenEmpty: ctx.queueSeenEmpty,
    knowsQueueEmpty: ctx.knowsQueueEmpty,
    sessionOpened: ctx.sessionOpened,
    openedSession: ctx.openedSession,
    poison: ctx.poison,
    transaction: (fn) => fn(ctx.db()),
  };
  const parts = createParts(member);
  let closing: Promise<void> | undefined;
  const around = async (call: () => Promise<unknown>, method: string, args: readonly unknown[]) => {
    ctx.db(); // STORE_CLOSED after close, before anything waits for the lock
    return group.run(memberKind(method), () => sqlGuard(call, method, args));
  };
  const outside = wrapParts(parts, around);
  return {
    kind: StoreKind.Sqlite,
    ...outside,
    // Retention's batches are members like any other write: a prune commits with the group it joined.
    retention: wrapMethods(createSqlRetention(member), around),
    leases: wrapMethods(createSqlLeases(member), around),
    // The event log is written outside any store.transaction, but on SQLite every write joins the commit group.
    events: wrapMethods(createSqlEventLog(member), around),
    // Webhooks are written outside any store.transaction too; reads (get, list) skip the write lock.
    webhooks: wrapMethods(createSqlWebhooks(member), around),
    transaction: async (fn) => {
      try {
        ctx.db();
        return await group.run(MemberKind.Write, async () => {
          const state: TxState = { active: true, refused: undefined };
          const oneAtATime = serialize();
          const tx = wrapParts(parts, (call, method, args) =>
            oneAtATime(async () => {
              checkActive(state);
              if (state.refused !== undefined) throw state.refused;
              const writes = group.writes;
              try {
                return await sqlGuard(call, method, args);
              } catch (error) {
                if (group.writes !== writes) state.refused = error instanceof Error ? error : new Error(String(error));
                throw error;
              }
            }),
          );
          try {
            const value = await fn(tx);
            if (state.refused !== undefined) throw state.refused;
            return value;
          } finally {
            state.active = false;
          }
        });
      } catch (error) {
        throw mapDbError(error);
      }
    },
    close: () => {
      if (closing === undefined) {
        ctx.markClosed();
        closing = group.idle().then(destroy);
      }
      return closing;
    },
  };
}
