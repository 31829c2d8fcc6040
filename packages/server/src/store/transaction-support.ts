// Pieces every store uses to implement `Store.transaction` and to wrap its methods uniformly.
import { AsyncLocalStorage } from "node:async_hooks";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { StoreParts } from "./store.js";

/** Runs one store method call: `call` is the method applied to `args`. */
export type Around = (call: () => Promise<unknown>, method: string, args: readonly unknown[]) => Promise<unknown>;

/** The same object with every function property routed through `around`. */
export function wrapMethods<T extends object>(target: T, around: Around): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    out[name] = (...args: unknown[]) => around(() => method(...args), name, args);
  }
  return out as T;
}

/** Every part of StoreParts (a Record: a part added to StoreParts and not here fails to compile). */
const PARTS: Record<keyof StoreParts, true> = {
  devices: true,
  commands: true,
  sessions: true,
  alerts: true,
  notifications: true,
  repository: true,
  uiSessions: true,
  apiTokens: true,
  bootstrap: true,
  groups: true,
  capabilities: true,
  audit: true,
  firmware: true,
  campaigns: true,
  consoleSignIns: true,
};
const PART_NAMES = Object.keys(PARTS) as (keyof StoreParts)[];

type PartMaker = <K extends keyof StoreParts>(name: K) => StoreParts[K];
const LAZY = Symbol("lazy parts");
interface LazyState {
  readonly make: PartMaker;
  readonly made: Partial<Record<keyof StoreParts, unknown>>;
}
/** One getter per part, shared by every lazy object: the part is made at its first use, then kept. */
const LAZY_PARTS: PropertyDescriptorMap = Object.fromEntries(
  PART_NAMES.map((name) => [
    name,
    {
      enumerable: true,
      get(this: { [LAZY]: LazyState }) {
        const state = this[LAZY];
        return (state.made[name] ??= state.make(name));
      },
    },
  ]),
);

/**
 * StoreParts whose parts are made when first used. Every transaction's `tx` is wrapped by each layer (the
 * store, metrics, events), and a DM package's transaction uses four of the fifteen parts: wrapping all of them
 * eagerly cost more than the package's SQL statements. Spreading the object makes every part.
 */
export function lazyParts(make: PartMaker): StoreParts {
  const out = Object.defineProperty({}, LAZY, { value: { make, made: {} } satisfies LazyState });
  return Object.defineProperties(out, LAZY_PARTS) as unknown as StoreParts;
}

export function wrapParts(parts: StoreParts, around: Around): StoreParts {
  return lazyParts((name) => wrapMethods(parts[name], around));
}

export function transactionMisuse(message: string): ServerError {
  return new ServerError(ServerErrorCode.TRANSACTION_MISUSE, message);
}

/** Whether a transaction callback is still running; shared by its `tx` and the store's misuse check. */
export interface TransactionState {
  active: boolean;
}

/**
 * Tracks which transaction callback (if any) the current async context runs in, so that a call to the store
 * itself from inside one — which would wait forever for the transaction it is part of — fails at once.
 */
export class TransactionScope {
  readonly #als = new AsyncLocalStorage<TransactionState>();

  run<T>(state: TransactionState, fn: () => Promise<T>): Promise<T> {
    return this.#als.run(state, fn);
  }

  /** Throws TRANSACTION_MISUSE when called inside a running transaction callback of this store. */
  checkOutside(): void {
    if (this.#als.getStore()?.active === true) {
      throw transactionMisuse("inside store.transaction(fn), use the tx passed to fn, not the store");
    }
  }
}

/** Throws TRANSACTION_MISUSE when a `tx` is used after its transaction callback returned. */
export function checkActive(state: TransactionState): void {
  if (!state.active) throw transactionMisuse("this transaction has ended; its tx cannot be used any more");
}

/** Runs calls one after another (a transaction's statements share one connection and one savepoint stack). */
export function serialize(): <T>(call: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(call: () => Promise<T>): Promise<T> => {
    const next = tail.then(call, call);
    tail = next.catch(() => undefined);
    return next;
  };
}
