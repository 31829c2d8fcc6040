// SUB reporting (docs/protocol.md §4.10, omadm's choice): on a change in a subscribed part of the tree,
// PUT the subtree at the ClientURI to the subscription's ServerURI, serialized as §7.1 ("No Get" data left out,
// only what the subscriber may still read, §10).
// - Changes are coalesced: the first change starts a window (default 2 s); everything until it closes goes out in
//   one PUT of the data as it is then. Changes during a PUT start a new window after it.
// - 415 + OMADM-Accept → the PUT is retried in a listed type this client writes (remembered for the URI).
// - A failed PUT is logged and the change stays pending: it is sent on the next window (a later change, the retry
//   timer, or flush()).
// - Nothing is lost across a restart either: a seen change marks the subscription's persisted record
//   (`pendingSince`, saved through the registry's onChange); the mark is cleared only after a PUT succeeded with
//   no newer change waiting, and start() (or a restore while running) opens a window for every marked record.
// - A subtree that no longer exists is reported as an empty serialization `[]`.
// Timers are injected, so tests drive the windows without sleeping.
import { type ClientUri, type ResolvedNode, parseClientUri, resolveClientUri } from "@omadm/protocol";
import {
  type CommandEnv,
  type CommandEnvDeps,
  type CommandEnvOptions,
  createCommandEnv,
} from "../commands/command-env.js";
import { itemsFor } from "../commands/targets.js";
import { sendMoData } from "../commands/transfer.js";
import type { SubscriptionRecord } from "../state/client-state.js";
import { changeTouches } from "./change-match.js";
import type { SubscriptionChange, SubscriptionRegistry } from "./subscription-registry.js";

/** The reason the stop aborts with: made once, since a default one (a DOMException) captures a stack each stop. */
const STOPPED = new Error("the client stopped");

/** docs/protocol.md §4.10 (omadm's choice): change notifications are coalesced over 2 s. */
export const DEFAULT_SUB_DEBOUNCE_MS = 2_000;
/** After a failed report, try again this much later (also on any new change). */
export const DEFAULT_SUB_RETRY_MS = 60_000;

export interface SubscriptionReporterDeps extends CommandEnvDeps {
  readonly subscriptions: SubscriptionRegistry;
}

export interface SubscriptionReporterOptions extends CommandEnvOptions {
  readonly debounceMs?: number;
  /** Delay before retrying a failed report; 0 disables the timer (the next change or flush() retries). */
  readonly retryMs?: number;
}

export interface SubscriptionReporter {
  /** Follows the tree's changes; idempotent. */
  start(): void;
  /** Stops following changes, cancels the windows and abandons PUTs in flight (pending changes stay pending). */
  stop(): void;
  /** Reports every pending subscription now (windows cut short) and waits for the PUTs. */
  flush(): Promise<void>;
  /** Resolves when no report is running (pending windows may remain). */
  settled(): Promise<void>;
  /** Subscriptions with a change not yet reported (also one persisted by an earlier run, before start()). */
  pending(): readonly SubscriptionRecord[];
}

interface PendingState {
  dirty: boolean;
  timer: unknown;
  running: Promise<void> | undefined;
}

const keyOf = (srvId: string, clientUri: string): string => `${srvId}\u0000${clientUri}`;

export function createSubscriptionReporter(
  deps: SubscriptionReporterDeps,
  options: SubscriptionReporterOptions = {},
): SubscriptionReporter {
  const env: CommandEnv = createCommandEnv(deps, options);
  const debounceMs = options.debounceMs ?? DEFAULT_SUB_DEBOUNCE_MS;
  const retryMs = options.retryMs ?? DEFAULT_SUB_RETRY_MS;
  const states = new Map<string, PendingState>();
  const parsed = new Map<string, ClientUri | undefined>();
  let offTree: (() => void) | undefined;
  let offRegistry: (() => void) | undefined;
  // Made when a report first goes out: most clients of a fleet never send one, and each costs a signal.
  let abort: AbortController | undefined;
  let active = false;

  const uriOf = (text: string): ClientUri | undefined => {
    if (!parsed.has(text)) {
      const r = parseClientUri(text);
      parsed.set(text, r.ok ? r.value : undefined);
    }
    return parsed.get(text);
  };

  const stateOf = (key: string): PendingState => {
    let st = states.get(key);
    if (st === undefined) {
      st = { dirty: false, timer: undefined, running: undefined };
      states.set(key, st);
    }
    return st;
  };

  const schedule = (key: string, st: PendingState, ms: number): void => {
    if (!active || st.timer !== undefined || st.running !== undefined) return;
    st.timer = env.timers.setTimeout(() => {
      st.timer = undefined;
      run(key);
    }, ms);
  };

  /** A change to report: persisted first (so it survives a restart), then a window opens. */
  const mark = (record: SubscriptionRecord): void => {
    deps.subscriptions.markPending(record.srvId, record.clientUri);
    resume(keyOf(record.srvId, record.clientUri));
  };

  /** Opens a window for a change already marked (seen now, or persisted by an earlier run). */
  const resume = (key: string): void => {
    const st = stateOf(key);
    st.dirty = true;
    schedule(key, st, debounceMs);
  };

  const resumeMarked = (): void => {
    for (const r of deps.subscriptions.list()) if (r.pendingSince !== undefined) resume(keyOf(r.srvId, r.clientUri));
  };

  /** The data of the subscribed subtree as the subscriber may see it (empty when it is gone). */
  const nodesFor = (record: SubscriptionRecord, uri: ClientUri): ResolvedNode[] => {
    if (!env.access.isProvisioned(record.srvId, uri.moid)) return [];
    const resolved = resolveClientUri(uri, env.tree);
    if (!resolved.ok) return [];
    return resolved.value.filter(
      (n) => env.access.checkTarget(record.srvId, "SUB", { moid: n.moid, miid: n.miid, path: n.path }).ok,
    );
  };

  /** One report; true when it was delivered (or there is nothing it could ever deliver). */
  const report = async (record: SubscriptionRecord): Promise<boolean> => {
    const uri = uriOf(record.clientUri);
    if (uri === undefined) {
      env.logger.warn({ clientUri: record.clientUri }, "SUB: the ClientURI does not parse; nothing to report");
      return true;
    }
    const items = itemsFor(env, nodesFor(record, uri));
    if (!items.ok) {
      env.logger.warn({ clientUri: record.clientUri, message: items.message }, "SUB: the subtree could not be read");
      return false;
    }
    const outcome = await sendMoData(env, {
      method: "PUT",
      url: record.serverUri,
      items: items.value,
      serverId: record.srvId,
      signal: (abort ??= new AbortController()).signal,
    });
    if (outcome.kind === "sent") {
      env.logger.info?.({ clientUri: record.clientUri, serverUri: record.serverUri }, "SUB report delivered");
      return true;
    }
    env.logger.warn(
      { clientUri: record.clientUri, serverUri: record.serverUri, outcome },
      "SUB report failed; the change stays pending",
    );
    return false;
  };

  function run(key: string): void {
    const st = states.get(key);
    if (st === undefined || st.running !== undefined) return;
    const record = deps.subscriptions.list().find((r) => keyOf(r.srvId, r.clientUri) === key);
    if (record === undefined) {
      states.delete(key);
      return;
    }
    st.dirty = false;
    const running = report(record)
      .catch((error: unknown) => {
        env.logger.warn({ clientUri: record.clientUri, error: String(error) }, "SUB report threw");
        return false;
      })
      .then((delivered) => {
        st.running = undefined;
        if (states.get(key) !== st) return; // unsubscribed meanwhile
        if (!delivered) {
          st.dirty = true;
          if (retryMs > 0) schedule(key, st, retryMs);
        } else if (st.dirty) {
          schedule(key, st, debounceMs);
        } else {
          // Delivered with no newer change waiting: only now is the persisted mark cleared.
          deps.subscriptions.clearPending(record.srvId, record.clientUri);
          states.delete(key);
        }
      });
    st.running = running;
  }

  const onRegistry = (change: SubscriptionChange): void => {
    if (change.kind === "removed") {
      parsed.delete(change.record.clientUri);
      const key = keyOf(change.record.srvId, change.record.clientUri);
      const st = states.get(key);
      if (st !== undefined) env.timers.clearTimeout(st.timer);
      states.delete(key);
    } else if (change.kind === "restored") {
      const live = new Set(deps.subscriptions.list().map((r) => keyOf(r.srvId, r.clientUri)));
      for (const [key, st] of states) {
        if (live.has(key)) continue;
        env.timers.clearTimeout(st.timer);
        states.delete(key);
      }
      if (active) resumeMarked();
    }
  };

  return {
    start() {
      if (offTree !== undefined) return;
      abort = undefined;
      active = true;
      offTree = env.tree.onChange((event) => {
        for (const r of deps.subscriptions.list()) {
          const uri = uriOf(r.clientUri);
          if (uri !== undefined && changeTouches(uri, event)) mark(r);
        }
      });
      offRegistry = deps.subscriptions.onChange(onRegistry);
      resumeMarked();
    },
    stop() {
      offTree?.();
      offRegistry?.();
      offTree = undefined;
      offRegistry = undefined;
      active = false;
      abort?.abort(STOPPED);
      for (const st of states.values()) {
        env.timers.clearTimeout(st.timer);
        st.timer = undefined;
      }
    },
    async flush() {
      const runNow = (key: string, st: PendingState): void => {
        env.timers.clearTimeout(st.timer);
        st.timer = undefined;
        run(key);
      };
      // A subscription whose PUT was already running when flush() began is reported again once it finished.
      const busy = [...states].filter(([, st]) => st.running !== undefined).map(([key]) => key);
      for (const [key, st] of [...states]) if (st.dirty && st.running === undefined) runNow(key, st);
      await this.settled();
      for (const key of busy) {
        const st = states.get(key);
        if (st?.dirty === true && st.running === undefined) runNow(key, st);
      }
      await this.settled();
    },
    async settled() {
      for (;;) {
        const running = [...states.values()].flatMap((s) => (s.running === undefined ? [] : [s.running]));
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
    pending() {
      return deps.subscriptions.list().filter((r) => {
        const st = states.get(keyOf(r.srvId, r.clientUri));
        return r.pendingSince !== undefined || (st !== undefined && (st.dirty || st.running !== undefined));
      });
    },
  };
}
