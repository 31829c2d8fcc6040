// `omadm server --workers N`: N server processes (node:cluster workers) on one port, sharing one PostgreSQL store
// (docs/operations.md "Several nodes"). Every worker is a whole server node: the state of a DM session lives in
// the store (ARCHITECTURE.md invariant 6), so a session begun on one worker goes on on whichever worker the next
// connection lands on, and the background jobs run once per fleet under store leases. The primary only forks,
// prints where the server is once every worker listens, replaces a worker that dies, and stops them all on
// SIGINT/SIGTERM. A store only one process can hold (SQLite, memory) is refused before anything starts.
import cluster, { type Worker } from "node:cluster";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { freePort, StoreChoice, type ServerConfig, type ServerUrls } from "@omadm/server";
import type { ServerCommandDeps } from "./server-command-types.js";

/** What a worker tells the primary once it listens. */
interface StartedMessage {
  readonly kind: "omadm-worker-started";
  readonly urls: ServerUrls;
}

function isStarted(message: unknown): message is StartedMessage {
  return (
    typeof message === "object" && message !== null && "kind" in message && message.kind === "omadm-worker-started"
  );
}

/** Why `workers` server processes cannot share this configuration's store, or null when they can. */
export function workersRefusal(workers: number, config: ServerConfig): string | null {
  if (workers <= 1 || config.store.kind === StoreChoice.Postgres) return null;
  const why =
    config.store.kind === StoreChoice.Sqlite
      ? "SQLite is one file written by one process (its commit group holds the write lock)"
      : "a memory store lives inside one process";
  return `--workers ${workers} needs store.kind postgres: ${why}; run one process, or use PostgreSQL`;
}

/** In a worker: tell the primary where the server is. */
export function reportWorkerStarted(urls: ServerUrls): void {
  const message: StartedMessage = { kind: "omadm-worker-started", urls };
  process.send?.(message);
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** The young generation's semi-space the workers get, in MB, unless the operator chose one (docs/operations.md). */
export const WORKER_SEMI_SPACE_MB = 64;

/**
 * The workers' node options: the primary's, with 64 MB semi-spaces unless `--max-semi-space-size` is already
 * among them or in NODE_OPTIONS. With V8's default (16 MB), the objects of the packages waiting for a group
 * commit outlive a scavenge, are promoted and die in the old generation; bench:server measured a few percent
 * more sessions per second and a p99 about a fifth lower with 64 MB, for about 100 MB more resident memory.
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const flag = "--max-semi-space-size";
  const chosen = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].some((a) => a === flag || a.startsWith(`${flag}=`));
  return chosen ? [...execArgv] : [...execArgv, `${flag}=${WORKER_SEMI_SPACE_MB}`];
}

/**
 * The primary: forks `workers` processes running this same command with the port fixed (a free one chosen here
 * when the configuration says 0, so every worker binds the same), and resolves once they all listen. A worker
 * that exits before it listens stops the others and fails the start.
 */
export async function runPrimary(config: ServerConfig, workers: number, deps: ServerCommandDeps): Promise<void> {
  const port = config.listen.port === 0 ? await freePort(config.listen.host) : config.listen.port;
  // Commander keeps the last value of an option: the appended --port wins over one given before.
  cluster.setupPrimary({
    args: [...process.argv.slice(2), "--port", String(port)],
    execArgv: workerExecArgv(process.execArgv, process.env["NODE_OPTIONS"]),
  });
  let stopping = false;
  const live = new Set<Worker>();
  const fork = (): Promise<ServerUrls> => {
    const worker = cluster.fork();
    live.add(worker);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on("message", (message: unknown) => {
        if (isStarted(message)) {
          started = true;
          resolve(message.urls);
        }
      });
      worker.once("exit", (code, signal) => {
        live.delete(worker);
        if (!started) {
          reject(new Error(`a server worker exited before it listened (code ${String(code)}, signal ${signal})`));
          return;
        }
        if (stopping) return;
        deps.err(
          `omadm server: worker ${String(worker.process.pid)} exited (code ${String(code)}, signal ${signal}); starting another\n`,
        );
        fork().catch((error: unknown) => {
          deps.err(`omadm server: could not replace the worker: ${errorMessage(error)}\n`);
        });
      });
    });
  };
  const stopAll = async (): Promise<void> => {
    stopping = true;
    const exits = [...live].map(
      (w) =>
        new Promise<void>((resolve) =>
          w.once("exit", () => {
            resolve();
          }),
        ),
    );
    for (const w of live) w.process.kill("SIGTERM");
    await Promise.all(exits);
  };
  let urls: ServerUrls;
  try {
    [urls] = (await Promise.all(Array.from({ length: workers }, fork))) as [ServerUrls, ...ServerUrls[]];
  } catch (error) {
    await stopAll();
    throw error;
  }
  deps.out(
    [
      `omadm server ${config.serverId} is running: ${workers} worker processes on one port (store: postgres)`,
      ...Object.entries(urls).map(([name, url]) => `  ${name.padEnd(11)} ${url ?? "(off)"}`),
      "",
    ].join("\n"),
  );
  const onSignal = (signal: string): void => {
    process.stderr.write(`omadm server: ${signal}, stopping ${live.size} workers\n`);
    stopAll().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => {
    onSignal("SIGINT");
  });
  process.once("SIGTERM", () => {
    onSignal("SIGTERM");
  });
}
