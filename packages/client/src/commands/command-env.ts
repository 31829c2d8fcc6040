// What the client side of the DM commands (docs/protocol.md §4) runs on: the DM Tree, access control, the HTTP seam
// to DM Servers and Data Repositories, the alert outbox, and the injected clock, timers and logger (design
// invariant 1: no I/O of its own). Shared by the command handlers, the DEFAULT fallback and the SUB reporter.
import type { StatusItem } from "@omadm/protocol";
import type { AccessControl } from "../access/access-control.js";
import type { HttpClient } from "../http/http-client.js";
import type { DmTree } from "../tree/dm-tree.js";
import { type MoCodec, type MoCodecSet, createMoCodecSet, jsonMoCodec } from "./mo-codec.js";
import { type ServerAcceptStore, createServerAcceptStore } from "./server-accept.js";

/** pino's `logger.warn(obj, msg)` fits; `info` and `debug` are optional. */
export interface CommandLogger {
  warn(details: Record<string, unknown>, message: string): void;
  info?(details: Record<string, unknown>, message: string): void;
  debug?(details: Record<string, unknown>, message: string): void;
}

export interface CommandClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The timer functions the SUB debounce uses; inject a fake in tests (no sleeps). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's own timers, unref'd so a pending SUB report never keeps a process alive on its own. */
export const systemTimers: Timers = {
  setTimeout(callback, ms) {
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** docs/protocol.md §1.5 (omadm's choice): Data-Repository transfers 300 s. */
export const DEFAULT_TRANSFER_TIMEOUT_MS = 300_000;
/** How long a SHOW waits for the Web Browser Component to start (not for the UI session, §4.6). */
export const DEFAULT_LAUNCH_TIMEOUT_MS = 10_000;
/** Largest MO data body an HGET accepts (`413` above it). */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

export interface CommandTimeouts {
  /** HGET/HPUT/HPOST/SUB transfers to a Data Repository (default 300 s). */
  readonly transferMs?: number;
  /** SHOW: starting the Web Browser Component (default 10 s). */
  readonly launchMs?: number;
}

/** Everything a command handler needs, resolved once by createCommandExecutor. */
export interface CommandEnv {
  readonly tree: DmTree;
  readonly access: AccessControl;
  readonly http: HttpClient;
  readonly devId: string;
  readonly clock: CommandClock;
  readonly timers: Timers;
  readonly logger: CommandLogger;
  readonly codecs: MoCodecSet;
  readonly serverAccept: ServerAcceptStore;
  readonly allowHttp: boolean;
  readonly maxBodyBytes: number;
  readonly transferTimeoutMs: number;
  readonly launchTimeoutMs: number;
}

/** A status item with only `sc`. */
export function sc(code: number): StatusItem {
  return { sc: code };
}

/** The parts of the executor's and the SUB reporter's deps that make a CommandEnv. */
export interface CommandEnvDeps {
  readonly tree: DmTree;
  readonly access: AccessControl;
  readonly http: HttpClient;
  readonly devId: string;
  readonly clock: CommandClock;
  readonly logger: CommandLogger;
  /** Default: Node's timers (unref'd). */
  readonly timers?: Timers;
  /** Share one store between the executor and the SUB reporter so both use the servers' OMADM-Accept lists. */
  readonly serverAccept?: ServerAcceptStore;
}

export interface CommandEnvOptions {
  /** Accept plain-http ServerURIs (tests, loopback); default https only (docs/protocol.md §6.2). */
  readonly allowHttp?: boolean;
  /** MO formats read and written, most preferred first (default: the JSON types, `application/dmmo+json` first). */
  readonly moMediaTypes?: readonly string[];
  /** Codecs for formats beyond the built-in JSON serialization. */
  readonly codecs?: readonly MoCodec[];
  /** Largest MO data body accepted from a repository (default 1 MiB; 413 above it). */
  readonly maxBodyBytes?: number;
  readonly timeouts?: CommandTimeouts;
}

export function createCommandEnv(deps: CommandEnvDeps, options: CommandEnvOptions = {}): CommandEnv {
  return {
    tree: deps.tree,
    access: deps.access,
    http: deps.http,
    devId: deps.devId,
    clock: deps.clock,
    timers: deps.timers ?? systemTimers,
    logger: deps.logger,
    codecs: createMoCodecSet(options.codecs ?? [jsonMoCodec], options.moMediaTypes),
    serverAccept: deps.serverAccept ?? createServerAcceptStore(),
    allowHttp: options.allowHttp === true,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    transferTimeoutMs: options.timeouts?.transferMs ?? DEFAULT_TRANSFER_TIMEOUT_MS,
    launchTimeoutMs: options.timeouts?.launchMs ?? DEFAULT_LAUNCH_TIMEOUT_MS,
  };
}
