// Shared pieces of the store contract suite: the harness every implementation provides, a controllable clock,
// and small helpers. See store-contract.ts.
import assert from "node:assert/strict";
import type { Clock, StoreDeps } from "../src/store/types.js";
import type { Store } from "../src/store/store.js";
import { isServerError, type ServerErrorCode } from "../src/errors.js";

/** One database an implementation can open (again and again, and twice at once: two server nodes). */
export interface StoreHarness {
  /** Opens a store over this harness's database; the same data every time, as after a restart. */
  open(deps: StoreDeps): Promise<Store>;
  /** Test hook: sets the stored NOTIFICATION-ID counter (to reach the uint16 wrap without 65535 calls). */
  setNotificationCounter(value: number): Promise<void>;
  /** Drops the database (temp dir, PostgreSQL schema). */
  dispose(): Promise<void>;
  /**
   * Whether two stores open at once may run transactions concurrently (memory, PostgreSQL). Not SQLite: two
   * better-sqlite3 connections in one process would wait for each other's lock on the one JS thread.
   */
  readonly concurrentNodes: boolean;
}

export type MakeHarness = () => Promise<StoreHarness>;

/** Time the test controls; starts at a fixed instant so stored times are predictable. */
export class TestClock implements Clock {
  #now: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): number {
    this.#now += ms;
    return this.#now;
  }
}

/** Ids that are unique and sort in creation order (helps reading failures); the store must not rely on it. */
export function sequentialIds(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(6, "0")}`;
}

export interface StoreFixture {
  readonly store: Store;
  readonly clock: TestClock;
  readonly harness: StoreHarness;
  readonly deps: StoreDeps;
  /** Closes the store and opens it again over the same data (a server restart). */
  reopen(): Promise<Store>;
  /** Opens a second store over the same data while the first stays open (a second server node). */
  openSecondNode(): Promise<Store>;
}

/** Runs `body` with a fresh database and store; always closes and disposes. */
export async function withStore(make: MakeHarness, body: (f: StoreFixture) => Promise<void>): Promise<void> {
  const harness = await make();
  const clock = new TestClock();
  const deps: StoreDeps = { clock, newId: sequentialIds("id") };
  const opened: Store[] = [];
  const open = async () => {
    const s = await harness.open(deps);
    opened.push(s);
    return s;
  };
  let current: Store | undefined;
  const fixture: StoreFixture = {
    get store() {
      if (current === undefined) throw new Error("the store did not open");
      return current;
    },
    clock,
    harness,
    deps,
    reopen: async () => {
      await current?.close();
      current = await open();
      return current;
    },
    openSecondNode: () => harness.open({ clock, newId: sequentialIds("node2") }).then((s) => (opened.push(s), s)),
  };
  try {
    // Opening inside the try: a store that fails to open (after creating its schema) is still disposed of.
    current = await open();
    await body(fixture);
  } finally {
    for (const s of opened) await s.close();
    await harness.dispose();
  }
}

/** Asserts that `promise` rejects with a ServerError of `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: ServerErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isServerError(error), `expected a ServerError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Byte equality regardless of Buffer vs Uint8Array. */
export function assertBytes(actual: Uint8Array, expected: Uint8Array): void {
  assert.ok(actual instanceof Uint8Array, "expected a Uint8Array");
  assert.deepEqual(Buffer.from(actual), Buffer.from(expected));
}

/** The contract area functions register tests with this. */
export type ContractTest = (name: string, body: (f: StoreFixture) => Promise<void>) => void;
