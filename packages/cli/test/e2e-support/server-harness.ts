// The DM Server as the end-to-end tests run it: the real composition root (`createOmadmServer`) over a real
// SQLite store in a temporary data directory, listening on 127.0.0.1, with the notifier on (UDP, and MQTT when a
// broker URL is given) — wired like `omadm server` (packages/cli/src/server-command.ts `startServer`). A restart
// is a stop (the store closed last) followed by a new server over the same directory on the same port, so the
// devices' SrvURI and the session CONT URLs stay valid (as behind a fixed DNS name).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createOmadmServer,
  loadServerConfig,
  openSqliteStore,
  type OmadmServer,
  type ServerConfig,
  type Store,
} from "@omadm/server";
import { createApiClient, type ApiClient } from "./api-client.js";

/** The SERVER-ID of the test server: the devices' DMAcc SrvID. */
export const SERVER_ID = "omadm-e2e";

export interface E2eServerOptions {
  readonly dataDir: string;
  /** 0 (default): a free port; a restart passes the port of the server it replaces. */
  readonly port?: number;
  /** The URL devices reach the server at, when something (a proxy) stands in front of it. */
  readonly publicBaseUrl?: string;
  readonly mqttUrl?: string;
  readonly clock?: { now(): number };
  /** docs/protocol.md §1.5 (omadm's choice) default 600 s. */
  readonly idleTimeoutMs?: number;
  /** Most commands per Package#2 (default 20). */
  readonly batchSize?: number;
  /** Send Package#0 whenever a command is queued (debounce 0). */
  readonly wakeOnQueue?: boolean;
  /** The store (default: SQLite in `dataDir`); closed by `stop()`. */
  readonly openStore?: (clock: { now(): number }) => Promise<Store>;
  /** How often the campaign driver runs (default the server's). */
  readonly campaignTickMs?: number;
  /** `http.maxEventLoopDelayMs` (default the server's; 0: the load shedder off). */
  readonly maxEventLoopDelayMs?: number;
  /** Device authentication modes (default none). */
  readonly deviceAuth?: readonly ("basic" | "digest")[];
}

export interface E2eServer {
  readonly server: OmadmServer;
  readonly store: Store;
  readonly config: ServerConfig;
  /** Where the server itself listens (the operator's API is called here, never through a proxy). */
  readonly origin: string;
  readonly port: number;
  /** The URL devices use: `${publicBaseUrl}/dm`. */
  readonly dmUrl: string;
  readonly api: ApiClient;
  /** Stops the server, then closes the store (nothing acknowledged is lost). Idempotent. */
  stop(): Promise<void>;
}

export async function startE2eServer(options: E2eServerOptions): Promise<E2eServer> {
  const loaded = loadServerConfig({
    overrides: {
      listen: { host: "127.0.0.1", port: options.port ?? 0 },
      ...(options.publicBaseUrl === undefined ? {} : { publicBaseUrl: options.publicBaseUrl }),
      dataDir: options.dataDir,
      serverId: SERVER_ID,
      dm: {
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      },
      ...(options.deviceAuth === undefined ? {} : { deviceAuth: { modes: [...options.deviceAuth] } }),
      ...(options.maxEventLoopDelayMs === undefined
        ? {}
        : { http: { maxEventLoopDelayMs: options.maxEventLoopDelayMs } }),
      // The background sweep stays out of the way (tests sweep explicitly when they mean to).
      sweepIntervalMs: 3_600_000,
      notifier: {
        udp: true,
        mqttUrl: options.mqttUrl ?? null,
        wakeOnQueue: options.wakeOnQueue === true,
        wakeDebounceMs: 0,
      },
      logLevel: "silent",
      ...(options.campaignTickMs === undefined ? {} : { campaigns: { tickMs: options.campaignTickMs } }),
    },
  });
  if (!loaded.ok) throw loaded.error;
  const config = loaded.value;
  const clock = options.clock ?? { now: () => Date.now() };
  const store =
    options.openStore === undefined
      ? await openSqliteStore({ clock }, { dataDir: config.dataDir })
      : await options.openStore(clock);
  const server = createOmadmServer({ store, clock }, config);
  try {
    await server.start();
  } catch (error) {
    await store.close();
    throw error;
  }
  const address = server.app.server.address();
  if (address === null || typeof address !== "object") throw new Error("the server has no TCP address");
  const origin = `http://127.0.0.1:${address.port}`;
  let stopping: Promise<void> | undefined;
  return {
    server,
    store,
    config,
    origin,
    port: address.port,
    dmUrl: `${server.publicBaseUrl()}/dm`,
    api: createApiClient(origin),
    stop: () => (stopping ??= server.stop().finally(() => store.close())),
  };
}

/** A temporary directory, removed by `remove()`. */
export function tempDir(prefix: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
