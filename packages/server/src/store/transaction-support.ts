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

type PartMaker = <K extends keyof StoreParts>(name: K) => StoreParts[K];

/**
 * StoreParts whose parts are made when first used. Every transaction's `tx` is wrapped by each layer (the
 * store, metrics, events), and a DM package's transaction uses four of the fifteen parts: wrapping all of them
 * eagerly cost more than the package's SQL statements. An object literal with getters (not defineProperty,
 * which is slower than the wrapping it saves); spreading it makes every part.
 */
export function lazyParts(make: PartMaker): StoreParts {
  const made: { [K in keyof StoreParts]?: StoreParts[K] } = {};
  const part = <K extends keyof StoreParts>(name: K): StoreParts[K] => (made[name] ??= make(name));
  return {
    get devices() {
      return part("devices");
    },
    get commands() {
      return part("commands");
    },
    get sessions() {
      return part("sessions");
    },
    get alerts() {
      return part("alerts");
    },
    get notifications() {
      return part("notifications");
    },
    get repository() {
      return part("repository");
    },
    get uiSessions() {
      return part("uiSessions");
    },
    get apiTokens() {
      return part("apiTokens");
    },
    get bootstrap() {
      return part("bootstrap");
    },
    get groups() {
      return part("groups");
    },
    get capabilities() {
      return part("capabilities");
    },
    get audit() {
      return part("audit");
    },
    get firmware() {
      return part("firmware");
    },
    get campaigns() {
      return part("campaigns");
    },
    get consoleSignIns() {
      return part("consoleSignIns");
    },
  };
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
