// The omadm target of `npm run bench:server`, loaded by target-child.ts only when asked for (so the ceiling
// process never loads the server): the real DM Server — createOmadmServer with the configuration an operator
// gets by default, listening on 127.0.0.1 port 0, logging off — over a SQLite store in a fresh temp data dir
// (or, with a PostgreSQL URL, a fresh schema there, dropped at the end), with the simulated devices
// pre-provisioned. On PostgreSQL every query the pg client sends is one round trip: counted (pg-round-trips.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOmadmServer, type OmadmServer } from "../src/app.js";
import { loadServerConfig } from "../src/config.js";
import {
  openSqliteStore,
  sqliteStatementTimes,
  sqliteStoreStatistics,
  type SqliteSynchronous,
} from "../src/store/sqlite.js";
import { openBenchPostgres } from "./pg-round-trips.js";
import type { Store } from "../src/store/store.js";
import { CommandState } from "../src/store/types.js";
import { SessionStatus } from "../src/store/types-session.js";
import { benchCommands, type BenchCommand } from "./bench-wire.js";
import type { StatementTime, StoreCounts, StoreFigures } from "./target-ipc.js";

export interface RunningTarget {
  readonly baseUrl: string;
  readonly dataDir: string | null;
  refill(deviceId: string): Promise<void>;
  storeFigures(): Promise<StoreFigures | null>;
  /** PostgreSQL: ANALYZE the store's tables (a no-op on SQLite). */
  analyze(): Promise<void>;
  /** Statements and commits so far (null for the ceiling). */
  storeCounts(): Promise<StoreCounts | null>;
  /** Starts timing each statement (on), or stops and returns the figures (off); null where nothing is timed. */
  timeStatements(on: boolean): readonly StatementTime[] | null;
  close(): Promise<void>;
}

export async function startOmadmTarget(
  host: string,
  deviceIds: readonly string[],
  synchronous: SqliteSynchronous,
  postgresUrl?: string,
  pgConnections?: number,
): Promise<RunningTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), "omadm-bench-"));
  const clock = { now: () => Date.now() };
  const pg = postgresUrl === undefined ? null : await openBenchPostgres({ clock }, postgresUrl, pgConnections);
  const store = pg?.store ?? (await openSqliteStore({ clock }, { dataDir, synchronous }));
  let server: OmadmServer | null = null;
  try {
    for (const id of deviceIds) await store.devices.create({ id });
    const loaded = loadServerConfig({ overrides: { listen: { host, port: 0 }, dataDir, logLevel: "silent" } });
    if (!loaded.ok) throw loaded.error;
    // No logger in deps: fastify's logger is off.
    server = createOmadmServer({ store, clock }, loaded.value);
    const { urls } = await server.start();
    const commands = benchCommands(urls.base);
    const started = server;
    return {
      baseUrl: urls.base,
      dataDir,
      refill: (deviceId) => queueThree(store, deviceId, commands),
      storeFigures: () => countStore(store),
      analyze: () => pg?.analyze() ?? Promise.resolve(),
      storeCounts: async () => {
        if (pg !== null) return pg.counts();
        const stats = sqliteStoreStatistics(store);
        if (stats === null) return null;
        const { statements, commits, lockWaits, lockWaitMs } = stats;
        return { statements, commits, lockWaits, lockWaitMs };
      },
      timeStatements: (on) => {
        const times = pg?.times ?? sqliteStatementTimes(store);
        if (times === null) return null;
        times.switch(on);
        return on ? null : times.figures();
      },
      async close() {
        await started.stop();
        await store.close();
        await pg?.dropSchema();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await store.close();
    await pg?.dropSchema();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The next session's commands, queued through the store one by one, as the REST API's command service does
 * (three store calls, each answered after the group commit that holds it).
 */
async function queueThree(store: Store, deviceId: string, commands: readonly BenchCommand[]): Promise<void> {
  for (const c of commands) await store.commands.enqueue({ deviceId, name: c.name, params: c.params });
}

async function countStore(store: Store): Promise<StoreFigures> {
  const commandsByState: Record<string, number> = {};
  for (const state of Object.values(CommandState)) {
    commandsByState[state] = await countPages((cursor) => store.commands.list({ state, limit: 1000, cursor }));
  }
  const sessionsByStatus: Record<string, number> = {};
  for (const status of Object.values(SessionStatus)) {
    sessionsByStatus[status] = await countPages((cursor) => store.sessions.list({ status, limit: 1000, cursor }));
  }
  return { commandsByState, sessionsByStatus };
}

async function countPages(
  page: (cursor: string | undefined) => Promise<{ items: readonly unknown[]; nextCursor: string | null }>,
): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  for (;;) {
    const p = await page(cursor);
    n += p.items.length;
    if (p.nextCursor === null) return n;
    cursor = p.nextCursor;
  }
}
