// Shared fixtures for the command, EXEC and SUB tests: a device tree (DevInfo, two DM accounts, the acme-sensor MO
// of docs/protocol.md §6.1 and a small firmware MO with executable nodes), a Data Repository on real loopback HTTP
// (node:http on 127.0.0.1, port 0) whose answers each test scripts, a manual timer for the SUB windows, and a
// logger that keeps what it was told.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before } from "node:test";
import { MOID_DMACC, type Command } from "@omadm/protocol";
import { createAccessControl, type AccessControl } from "../src/access/access-control.js";
import {
  createCommandExecutor,
  type CommandExecutorOptions,
  type DmCommandExecutor,
} from "../src/commands/command-executor.js";
import { createDefaultUriStore, type DefaultUriStore } from "../src/commands/default-uri-store.js";
import { createServerAcceptStore, type ServerAcceptStore } from "../src/commands/server-accept.js";
import type { BrowserLauncher } from "../src/commands/browser-launcher.js";
import type { CommandLogger, Timers } from "../src/commands/command-env.js";
import { createExecRegistry, type ExecRegistry } from "../src/commands/exec-registry.js";
import { createUndiciHttpClient, type UndiciHttpClient } from "../src/http/undici-http-client.js";
import { createAlertOutbox, type MemoryAlertOutbox } from "../src/session/alert-outbox.js";
import type { CommandContext } from "../src/session/contracts.js";
import { createSubscriptionRegistry, type SubscriptionRegistry } from "../src/subscriptions/subscription-registry.js";
import { LOCAL } from "../src/tree/actor.js";
import { createDevInfo } from "../src/tree/devinfo.js";
import { createDmAccount } from "../src/tree/dmacc.js";
import { createDmTree, type DmTree } from "../src/tree/dm-tree.js";
import { createMoRegistry } from "../src/tree/mo-registry.js";
import { defineInterior, defineLeaf, defineMo } from "../src/tree/define.js";
import { readShippedDdf } from "../src/tree/shipped-ddf.js";
import { registerStandardMos } from "../src/tree/standard-ddf.js";
import { SENSOR, must, sensorRoot } from "./tree-fixtures.js";

export { SENSOR, must };
export const FW = "urn:oma:mo:acme-fw:1.0";
/** Provisioned for srvA, registered, no instance yet (HGET creates one). */
export const APP = "urn:oma:mo:acme-app:1.0";
/** Registered and instantiated, but provisioned for no server. */
export const HIDDEN = "urn:oma:mo:acme-hidden:1.0";
export const DEVINFO_V10 = "urn:oma:mo:oma-dm-devinfo:1.0";
export const DEV_ID = "IMEI:493005100592800";

const RW = ["Add", "Delete", "Get", "Replace"] as const;

/** A firmware MO: Update and Ops/<x>/Run are executable, Status is not. */
export function fwRoot() {
  return defineInterior(
    undefined,
    [
      defineLeaf("PkgURL", "chr", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Update", "chr", { access: ["Exec", "Get"], occurrence: "ZeroOrOne" }),
      defineLeaf("Status", "chr", { access: ["Get"], occurrence: "ZeroOrOne" }),
      defineInterior(
        "Ops",
        [
          defineInterior(undefined, [defineLeaf("Run", "chr", { access: ["Exec", "Get"], occurrence: "ZeroOrOne" })], {
            access: RW,
            occurrence: "ZeroOrMore",
          }),
        ],
        { access: RW, occurrence: "ZeroOrOne" },
      ),
    ],
    { access: RW, occurrence: "ZeroOrMore" },
  );
}

export interface Device {
  readonly tree: DmTree;
  readonly access: AccessControl;
}

/**
 * srvA may manage DevInfo, SENSOR, FW and DMAcc; srvB only SENSOR. SENSOR has two device-created instances
 * ("left", "right", so every provisioned server has full rights, §10 rule 6) as in docs/protocol.md §6.1; FW has "fw1".
 */
export function device(): Device {
  const registry = createMoRegistry();
  must(registerStandardMos(registry, readShippedDdf));
  must(registry.register(defineMo(SENSOR, sensorRoot()), { ddfUrl: "https://ddf.example/acme-sensor.ddf" }));
  must(registry.register(defineMo(FW, fwRoot())));
  must(registry.register(defineMo(HIDDEN, fwRoot())));
  must(registry.register(defineMo(APP, fwRoot())));
  const tree = createDmTree({ registry });
  must(
    createDevInfo(tree, {
      devId: DEV_ID,
      man: "Acme",
      mod: "S1",
      lang: "en-US",
      devType: "sensor",
      oem: "Acme",
      fwV: "1.0",
      swV: "1.0",
      hwV: "1.0",
    }),
  );
  must(
    createDmAccount(tree, {
      srvId: "srvA",
      srvUri: "https://a.example/dm",
      name: "A",
      permittedMoids: [DEVINFO_V10, SENSOR, FW, APP, MOID_DMACC],
      miid: "accA",
    }),
  );
  must(
    createDmAccount(tree, {
      srvId: "srvB",
      srvUri: "https://b.example/dm",
      name: "B",
      permittedMoids: [SENSOR],
      miid: "accB",
    }),
  );
  must(
    tree.addInstance(SENSOR, {
      actor: LOCAL,
      miid: "left",
      moData: {
        r: {
          ID: "GPS",
          Setting: "0xA1",
          Serial: "S-1",
          Secret: "AQID",
          Marker: null,
          Data: { "1": { Date: "12.1", Value: "a" }, "2": { Date: "12.2", Value: "b" } },
        },
      },
    }),
  );
  must(
    tree.addInstance(SENSOR, {
      actor: LOCAL,
      miid: "right",
      moData: { r: { ID: "Temperature", Setting: "0xB2", Data: { "1": { Date: "12.1", Value: "c" } } } },
    }),
  );
  must(
    tree.addInstance(FW, {
      actor: LOCAL,
      miid: "fw1",
      moData: { f: { PkgURL: "https://pkg.example/1", Update: "", Status: "idle", Ops: { o1: { Run: "" } } } },
    }),
  );
  must(tree.addInstance(HIDDEN, { actor: LOCAL, miid: "h1", moData: { h: { Status: "x" } } }));
  return { tree, access: createAccessControl({ tree }) };
}

/** A logger that keeps every line. */
export interface RecordingLogger extends CommandLogger {
  readonly lines: { level: string; details: Record<string, unknown>; message: string }[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger["lines"] = [];
  return {
    lines,
    warn: (details, message) => lines.push({ level: "warn", details, message }),
    info: (details, message) => lines.push({ level: "info", details, message }),
  };
}

export function context(serverId = "srvA", signal: AbortSignal = new AbortController().signal): CommandContext {
  return { serverId, sessionId: "session-1", signal };
}

export interface Harness extends Device {
  readonly executor: DmCommandExecutor;
  readonly http: UndiciHttpClient;
  readonly outbox: MemoryAlertOutbox;
  readonly exec: ExecRegistry;
  readonly subscriptions: SubscriptionRegistry;
  readonly defaults: DefaultUriStore;
  readonly serverAccept: ServerAcceptStore;
  readonly logger: RecordingLogger;
  run(command: Command, serverId?: string): ReturnType<DmCommandExecutor["execute"]>;
  close(): Promise<void>;
}

export function harness(
  options: {
    readonly browser?: BrowserLauncher;
    readonly timers?: Timers;
    readonly executor?: CommandExecutorOptions;
  } = {},
): Harness {
  const dev = device();
  const http = createUndiciHttpClient({ allowHttp: true, requestTimeoutMs: 10_000 });
  const outbox = createAlertOutbox();
  const exec = createExecRegistry();
  const clock = { now: () => 1_700_000_000_000 };
  const subscriptions = createSubscriptionRegistry({ clock });
  const defaults = createDefaultUriStore();
  const serverAccept = createServerAcceptStore();
  const logger = recordingLogger();
  const executor = createCommandExecutor(
    {
      ...dev,
      http,
      outbox,
      execHandlers: exec,
      subscriptions,
      defaults,
      serverAccept,
      devId: DEV_ID,
      clock,
      logger,
      ...(options.browser === undefined ? {} : { browser: options.browser }),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
    },
    { allowHttp: true, ...options.executor },
  );
  return {
    ...dev,
    executor,
    http,
    outbox,
    exec,
    subscriptions,
    defaults,
    serverAccept,
    logger,
    run: (command, serverId = "srvA") => executor.execute(command, context(serverId)),
    close: () => http.close(),
  };
}

/** `harness(options)`, closed when the test `t` ends. */
export function testHarness(
  t: { after(fn: () => unknown): void },
  options: Parameters<typeof harness>[0] = {},
): Harness {
  const h = harness(options);
  t.after(() => h.close());
  return h;
}

// ---------------------------------------------------------------------------------------------------------------
// The Data Repository: a real HTTP server on loopback whose answers the test scripts per path.

export interface RepoRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RepoResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** "hang": never answer (the client's timeout or the test's close ends the exchange). */
export type RepoHandler = (req: RepoRequest, nth: number) => RepoResponse | "hang";

export interface Repository {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly requests: RepoRequest[];
  /** Answers requests for `path`; `nth` counts the requests to that path from 0. Unrouted paths get 404. */
  route(path: string, handler: RepoHandler): void;
  /** Resolves once at least `count` requests have arrived (in total). */
  waitForRequests(count: number): Promise<readonly RepoRequest[]>;
  close(): Promise<void>;
}

export async function startRepository(): Promise<Repository> {
  const routes = new Map<string, RepoHandler>();
  const counts = new Map<string, number>();
  const requests: RepoRequest[] = [];
  const waiters: { count: number; resolve: (r: readonly RepoRequest[]) => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const r: RepoRequest = { method: req.method ?? "", path, headers: req.headers, body: Buffer.concat(chunks) };
      const nth = counts.get(path) ?? 0;
      counts.set(path, nth + 1);
      requests.push(r);
      const handler = routes.get(path);
      const answer = handler === undefined ? { status: 404, body: "no such resource" } : handler(r, nth);
      if (answer !== "hang") {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? "");
      }
      for (const w of [...waiters]) {
        if (requests.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve([...requests]);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    route: (path, handler) => routes.set(path, handler),
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve([...requests]);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The Data Repository of one test file, with fresh paths so that tests never see each other's requests. */
export interface FileRepository extends Repository {
  /** `<prefix>-1`, `<prefix>-2`, … */
  readonly path: () => string;
  /** The requests that arrived for `path`. */
  readonly requestsTo: (path: string) => RepoRequest[];
}

/** A repository started before the file's tests and closed after them (use it only inside tests). */
export function repositoryForFile(pathPrefix: string): FileRepository {
  let started: Repository | undefined;
  before(async () => {
    started = await startRepository();
  });
  after(async () => {
    await started?.close();
  });
  const repo = (): Repository => {
    if (started === undefined) throw new Error("the test repository is started by the file's before() hook");
    return started;
  };
  let n = 0;
  return {
    get base() {
      return repo().base;
    },
    get requests() {
      return repo().requests;
    },
    route: (path, handler) => {
      repo().route(path, handler);
    },
    waitForRequests: (count) => repo().waitForRequests(count),
    close: () => repo().close(),
    path: () => `${pathPrefix}-${++n}`,
    requestsTo: (path) => repo().requests.filter((r) => r.path === path),
  };
}

/** A loopback URL where nothing listens (a port just released): connection refused. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return `http://127.0.0.1:${port}/gone`;
}

export const MO_JSON = { "Content-Type": "application/dmmo+json" };

export function json(body: unknown, status = 200): RepoResponse {
  return { status, headers: MO_JSON, body: JSON.stringify(body) };
}

export function bodyJson(req: RepoRequest): unknown {
  return JSON.parse(req.body.toString("utf8"));
}

// ---------------------------------------------------------------------------------------------------------------
// A manual clock for the SUB windows: timers fire only when the test advances time.

export class ManualTimers implements Timers {
  #now = 0;
  #next = 1;
  readonly #due = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#due.set(id, { at: this.#now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === "number") this.#due.delete(handle);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#due.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let first: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#due)
        if (entry[1].at <= end && (first === undefined || entry[1].at < first[1].at)) first = entry;
      if (first === undefined) break;
      this.#due.delete(first[0]);
      this.#now = first[1].at;
      first[1].callback();
    }
    this.#now = end;
  }
}
