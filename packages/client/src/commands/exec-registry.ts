// Where device software plugs in what EXEC does (docs/protocol.md §4.4): one handler per executable
// node. A handler answers synchronously with the final status, or asynchronously with a promise of it; the
// executor turns an asynchronous answer into 202 now and a Generic Alert later (docs/protocol.md §4.12).
import type { Mark } from "@omadm/protocol";

export interface ExecRequest {
  readonly moid: string;
  readonly miid: string;
  /** Node names below the instance root. */
  readonly path: readonly string[];
  /** The concrete ClientURI executed (the SourceURI of the result alert). */
  readonly clientUri: string;
  /** SrvID of the DM Server that sent the EXEC. */
  readonly serverId: string;
  readonly sessionId: string;
  /** The EXEC's ServerURI, when it gave one (the result alert goes there, §4.4). */
  readonly serverUri?: string;
  /** True when the result will be reported asynchronously whatever the handler answers (a ServerURI was given). */
  readonly asyncRequired: boolean;
  /** Aborted with the DM session; an asynchronous operation outlives the session and should not use it. */
  readonly signal: AbortSignal;
}

/** The final result of an operation. */
export interface ExecCompletion {
  /** The final status code (100–599; docs/protocol.md §5). */
  readonly sc: number;
  /** An MO-defined Generic Alert type for the result; default `urn:oma:at:dm:2.0:ExecComplete` (§3.5). */
  readonly alertType?: string;
  /** The alert's Data for an MO-defined type (default `{"sc": …}`). */
  readonly data?: unknown;
  /** The media type of `data` (default `application/json`). */
  readonly dataType?: string;
  readonly mark?: Mark;
}

/** Synchronous: the final result now. Asynchronous: `{ async }`, settled when the operation completes. */
export type ExecResult = ExecCompletion | { readonly async: Promise<ExecCompletion> };

export type ExecHandler = (request: ExecRequest) => ExecResult | Promise<ExecResult>;

export interface ExecRegistry {
  /**
   * Registers the handler of the node at `path` below the root of `moid`'s instances ("A/B/C" or
   * ["A", "B", "C"]; a `*` segment matches any one node name, e.g. a package id). A second registration for the
   * same pattern replaces the first. Returns a function that removes this registration.
   */
  register(moid: string, path: string | readonly string[], handler: ExecHandler): () => void;
  /** The handler for a node: an exact registration first, else the first-registered matching pattern. */
  lookup(moid: string, path: readonly string[]): ExecHandler | undefined;
}

interface Entry {
  readonly moid: string;
  readonly pattern: readonly string[];
  readonly handler: ExecHandler;
}

const keyOf = (moid: string, pattern: readonly string[]): string => JSON.stringify([moid, ...pattern]);

function matches(pattern: readonly string[], path: readonly string[]): boolean {
  return pattern.length === path.length && pattern.every((p, i) => p === "*" || p === path[i]);
}

export function createExecRegistry(): ExecRegistry {
  const entries = new Map<string, Entry>();
  return {
    register(moid, path, handler) {
      const pattern = typeof path === "string" ? path.split("/").filter((s) => s !== "") : [...path];
      const key = keyOf(moid, pattern);
      const entry: Entry = { moid, pattern, handler };
      entries.delete(key);
      entries.set(key, entry);
      return () => {
        if (entries.get(key) === entry) entries.delete(key);
      };
    },
    lookup(moid, path) {
      const exact = entries.get(keyOf(moid, path));
      if (exact !== undefined) return exact.handler;
      for (const e of entries.values()) {
        if (e.moid === moid && matches(e.pattern, path)) return e.handler;
      }
      return undefined;
    },
  };
}
