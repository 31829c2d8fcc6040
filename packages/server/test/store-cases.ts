// The stores an HTTP-level test runs each case on: the memory store and a real SQLite file in a temp dir, so a
// component (Data Repository, Web Server Component) is checked on both implementations of the Store contract.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryStore } from "../src/store/memory-store.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Clock } from "../src/store/types.js";
import type { Store } from "../src/store/store.js";

export interface StoreCase {
  readonly name: string;
  /** Opens a fresh, empty store; `dispose` removes what it left on disk (after the store is closed). */
  open(clock: Clock): Promise<{ readonly store: Store; readonly dispose: () => Promise<void> }>;
}

/** The memory store and SQLite; the SQLite files go to a temp dir named `<tempPrefix>XXXXXX`. */
export function storeCases(tempPrefix: string): readonly StoreCase[] {
  return [
    {
      name: "memory",
      open: (clock) => Promise.resolve({ store: createMemoryStore({ clock }), dispose: () => Promise.resolve() }),
    },
    {
      name: "sqlite",
      open: async (clock) => {
        const dataDir = await mkdtemp(join(tmpdir(), tempPrefix));
        const store = await openSqliteStore({ clock }, { dataDir });
        return { store, dispose: () => rm(dataDir, { recursive: true, force: true }) };
      },
    },
  ];
}
