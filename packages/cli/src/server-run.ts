// What `omadm server` does once its arguments are parsed: configuration (defaults < JSON file < OMADM_*
// environment < flags), the store, the server, the printed URLs, and a clean stop on SIGINT/SIGTERM (the store
// is closed last, so nothing acknowledged is lost — ARCHITECTURE invariant 5). Loaded by server-command.ts only
// when the command runs.
import { resolve } from "node:path";
import { errorMessage } from "@omadm/protocol/omadm-error";
import {
  createMemoryStore,
  createOmadmServer,
  loadServerConfig,
  openPostgresStore,
  openSqliteStore,
  StoreChoice,
  type OmadmServer,
  type ServerConfig,
  type ServerConfigInput,
  type Store,
} from "@omadm/server";
import type { RunningServer, ServerCommandDeps, ServerFlags } from "./server-command-types.js";
import { serverLogger } from "./log-format.js";
import { isClusterWorker, reportWorkerStarted, runPrimary, workersRefusal } from "./server-workers.js";

export async function runServerCommand(flags: ServerFlags, deps: ServerCommandDeps): Promise<void> {
  const setExit = deps.setExitCode ?? ((code: number) => (process.exitCode = code));
  const overrides = flagsToConfig(flags);
  if (typeof overrides === "string") {
    deps.err(`error: ${overrides}\n`);
    setExit(2);
    return;
  }
  const loaded = loadServerConfig({ file: flags.config, env: deps.env ?? process.env, overrides });
  if (!loaded.ok) {
    deps.err(`error: ${loaded.error.message}\n`);
    for (const p of loaded.problems) deps.err(`  ${p.key} (${p.source}): ${p.message}\n`);
    setExit(2);
    return;
  }
  for (const w of loaded.warnings) deps.err(`warning: ${w}\n`);
  const workers = flags.workers === undefined ? 1 : Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    deps.err(`error: --workers must be a whole number from 1 to 64, got ${flags.workers ?? ""}\n`);
    setExit(2);
    return;
  }
  const refusal = workersRefusal(workers, loaded.value);
  if (refusal !== null) {
    deps.err(`error: ${refusal}\n`);
    setExit(2);
    return;
  }
  try {
    if (workers > 1 && !isClusterWorker()) {
      await runPrimary(loaded.value, workers, deps);
      return;
    }
    // A worker of --workers: the primary prints the URLs once for all of them.
    const worker = isClusterWorker();
    const running = await startServer(loaded.value, worker ? { out: () => undefined } : deps);
    if (worker) reportWorkerStarted(running.urls);
    (deps.onStarted ?? stopOnSignals)(running);
  } catch (e) {
    deps.err(`error: ${errorMessage(e)}\n`);
    setExit(1);
  }
}

/** Opens the configured store, starts the server and prints its URLs. */
export async function startServer(config: ServerConfig, deps: Pick<ServerCommandDeps, "out">): Promise<RunningServer> {
  const clock = { now: () => Date.now() };
  const store = await openStore(config, clock);
  const logger = serverLogger({ level: config.logLevel, format: config.logFormat }, process.stdout);
  let server: OmadmServer;
  let urls: RunningServer["urls"];
  try {
    // Composing reads the TLS files: an unusable one is refused here, naming it, and the store is closed.
    server = createOmadmServer({ store, clock, logger }, config);
    ({ urls } = await server.start());
  } catch (e) {
    await store.close();
    throw e;
  }
  const where = config.store.kind === StoreChoice.Sqlite ? resolve(config.dataDir) : config.store.kind;
  deps.out(
    [
      `omadm server ${config.serverId} is running (store: ${config.store.kind}${config.store.kind === StoreChoice.Sqlite ? ` in ${where}` : ""})`,
      ...Object.entries(urls).map(([name, url]) => `  ${name.padEnd(11)} ${url ?? "(off)"}`),
      "",
    ].join("\n"),
  );
  let stopping: Promise<void> | undefined;
  return {
    server,
    urls,
    stop: () => {
      stopping ??= server.stop().finally(() => store.close());
      return stopping;
    },
  };
}

async function openStore(config: ServerConfig, clock: { now(): number }): Promise<Store> {
  switch (config.store.kind) {
    case StoreChoice.Memory:
      return createMemoryStore({ clock });
    case StoreChoice.Postgres:
      if (config.store.postgresUrl === null) throw new Error("store.kind is postgres but store.postgresUrl is not set");
      return openPostgresStore(
        { clock },
        {
          connectionString: config.store.postgresUrl,
          preparedStatements: config.store.postgresPreparedStatements,
          maxConnections: config.store.postgresMaxConnections,
        },
      );
    case StoreChoice.Sqlite:
      return openSqliteStore({ clock }, { dataDir: config.dataDir });
  }
}

function stopOnSignals(running: RunningServer): void {
  const stop = (signal: string): void => {
    process.stderr.write(`omadm server: ${signal}, stopping\n`);
    running.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`omadm server: stop failed: ${errorMessage(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => {
    stop("SIGINT");
  });
  process.once("SIGTERM", () => {
    stop("SIGTERM");
  });
}

function flagsToConfig(flags: ServerFlags): ServerConfigInput | string {
  // Only the keys given; loadServerConfig validates every value.
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return `--port must be 0-65535, got ${flags.port}`;
  }
  const store = flags.store;
  if (store !== undefined && !Object.values(StoreChoice).includes(store as StoreChoice)) {
    return `--store must be one of ${Object.values(StoreChoice).join(", ")}, got ${store}`;
  }
  const listen = { ...(flags.host !== undefined && { host: flags.host }), ...(port !== undefined && { port }) };
  const tls = {
    ...(flags.tlsCert !== undefined && { certFile: flags.tlsCert }),
    ...(flags.tlsKey !== undefined && { keyFile: flags.tlsKey }),
    ...(flags.tlsCa !== undefined && { caFile: flags.tlsCa }),
  };
  const storeInput = {
    ...(store !== undefined && { kind: store as StoreChoice }),
    ...(flags.postgresUrl !== undefined && { postgresUrl: flags.postgresUrl }),
  };
  return {
    ...(Object.keys(listen).length > 0 && { listen }),
    ...(Object.keys(storeInput).length > 0 && { store: storeInput }),
    ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
    ...(flags.serverId !== undefined && { serverId: flags.serverId }),
    ...(flags.mqttUrl !== undefined && { notifier: { mqttUrl: flags.mqttUrl } }),
    // A server certificate on the command line means HTTPS.
    ...(Object.keys(tls).length > 0 && { tls: { ...tls, ...(flags.tlsCert !== undefined && { enabled: true }) } }),
  };
}
