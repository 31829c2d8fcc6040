// Pieces every store uses to implement `Store.transaction` and to wrap its methods uniformly.
import { AsyncLocalStorage } from "node:async_hooks";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { StoreParts } from "./store.js";

/** Runs one store method call: `call` is the method applied to `args`. */
export type Around = (call: () => Promise<unknown>, method: string, args: readonly unknown[]) => Promise<unknown>;

/** The same object with every function property routed through `around`. */
export function wrapMethods<T extends object>(target: T, around: Around): T {
  const out: Record<string, unknown> = {};
  const from = target as Record<string, unknown>;
  // Object.keys, not Object.entries: a transaction wraps each part it uses again, and entries made an array per
  // property each time.
  for (const name of Object.keys(from)) {
    const value = from[name];
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    out[name] = (...args: unknown[]) => around(() => method(...args), name, args);
  }
  return out as T;
}

export type PartMaker = <K extends keyof StoreParts>(name: K) => StoreParts[K];

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

// The same for a transaction's `tx`, which the wrappers outside the store (metrics/store-metrics.ts,
// events/store-events.ts) wrap again for every transaction: the fifteen getters are defined once on a class
// prototype, so a transaction's wrapper is one object instead of fifteen getter closures. Spreading it copies no
// part (they are prototype getters), so it is for a `tx`, which is only ever read part by part.
/** Every part name: a Record, so that a part added to StoreParts and missing here fails to compile. */
const PARTS: Readonly<Record<keyof StoreParts, null>> = {
  devices: null,
  commands: null,
  sessions: null,
  alerts: null,
  notifications: null,
  repository: null,
  uiSessions: null,
  apiTokens: null,
  bootstrap: null,
  groups: null,
  capabilities: null,
  audit: null,
  firmware: null,
  campaigns: null,
  consoleSignIns: null,
};

const MAKE = Symbol("make");
const MADE = Symbol("made");

class LazyTxParts {
  readonly [MAKE]: PartMaker;
  readonly [MADE]: { [K in keyof StoreParts]?: StoreParts[K] } = {};

  constructor(make: PartMaker) {
    this[MAKE] = make;
  }
}

for (const name of Object.keys(PARTS) as (keyof StoreParts)[]) {
  Object.defineProperty(LazyTxParts.prototype, name, {
    get(this: LazyTxParts) {
      const made = this[MADE] as Record<keyof StoreParts, unknown>;
      return (made[name] ??= this[MAKE](name));
    },
    enumerable: true,
  });
}

/** StoreParts whose part `name` is `make(name)`, made when first read and then kept. */
export function lazyTxParts(make: PartMaker): StoreParts {
  return new LazyTxParts(make) as unknown as StoreParts;
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
