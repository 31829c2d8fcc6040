// A transaction's StoreParts whose parts are made at their first use, for the store wrappers outside the store
// (metrics/store-metrics.ts, events/store-events.ts): each wraps every transaction's `tx` again, and a DM
// package's transaction uses four of the fifteen parts. Like the store's own lazyParts
// (store/transaction-support.ts), but the fifteen getters are defined once on a class prototype, so a
// transaction's wrapper is one object instead of an object literal with fifteen getter closures. Its parts are
// prototype getters, so spreading it copies none: the wrappers only ever read a `tx` part by part.
import type { StoreParts } from "./store/store.js";

type PartName = keyof StoreParts;

export type PartMaker = <K extends PartName>(name: K) => StoreParts[K];

/** Every part name: a Record, so that a part added to StoreParts and missing here fails to compile. */
const PARTS: Readonly<Record<PartName, null>> = {
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
  readonly [MADE]: { [K in PartName]?: StoreParts[K] } = {};

  constructor(make: PartMaker) {
    this[MAKE] = make;
  }
}

for (const name of Object.keys(PARTS) as PartName[]) {
  Object.defineProperty(LazyTxParts.prototype, name, {
    get(this: LazyTxParts) {
      const made = this[MADE] as Record<PartName, unknown>;
      return (made[name] ??= this[MAKE](name));
    },
    enumerable: true,
  });
}

/** StoreParts whose part `name` is `make(name)`, made when first read and then kept. */
export function lazyTxParts(make: PartMaker): StoreParts {
  return new LazyTxParts(make) as unknown as StoreParts;
}
