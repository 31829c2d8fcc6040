// Puts the bus's events into the event log, in publish order, and tells the live readers (SSE streams,
// webhooks) when new ids are there. Appends run one batch at a time (everything published while the previous
// batch was being written goes in the next), so the log's order is the bus's order. Every `pruneEvery` batches
// the log is cut to the newest `retain` events (config `events.retain`): beside the appends, not in front of
// them, and `pruneBatch` events per store call, so no call holds the event loop for long whatever piled up (each
// call waits for its commit, and the sessions' requests run in between).
//
// A failed append is logged and its events dropped: the store's records (commands, sessions, alerts) stay the
// truth, and a stalled log must not hold memory without bound. A crash between a commit and its append loses
// that event the same way.
import type { EventBus } from "./event-bus.js";
import type { EventLog, NewServerEvent, ServerEvent } from "./event-types.js";

export interface EventRecorderLogger {
  warn(obj: object, msg: string): void;
}

export interface EventRecorder {
  /** Called with each appended batch, after it is in the log. Returns the unsubscribe function. */
  onAppended(listener: (events: readonly ServerEvent[]) => void): () => void;
  /** Resolves when everything published so far is in the log (or was dropped). */
  flush(): Promise<void>;
  /** Stops listening to the bus and waits for the last append. */
  close(): Promise<void>;
}

export interface EventRecorderOptions {
  /** Newest events kept in the log. */
  readonly retain: number;
  /** Prune after this many appended batches (default 100). */
  readonly pruneEvery?: number | undefined;
  /** Events deleted per store call while pruning (default PRUNE_BATCH). */
  readonly pruneBatch?: number | undefined;
}

/**
 * Events deleted per store call. On SQLite a DELETE of 500 took 1.7 ms on average (plus about 1 ms for its
 * share of the COMMIT); 200 keep both under a millisecond, and one call per group still deletes far more events
 * per second than a busy server appends.
 */
export const PRUNE_BATCH = 200;

export function createEventRecorder(
  deps: { readonly bus: EventBus; readonly log: EventLog; readonly logger?: EventRecorderLogger | undefined },
  options: EventRecorderOptions,
): EventRecorder {
  const listeners = new Set<(events: readonly ServerEvent[]) => void>();
  const pruneEvery = options.pruneEvery ?? 100;
  const pruneBatch = options.pruneBatch ?? PRUNE_BATCH;
  let pending: NewServerEvent[] = [];
  let running: Promise<void> | null = null;
  let pruning: Promise<void> | null = null;
  let pruneAgain = false;
  let batches = 0;

  async function prune(): Promise<void> {
    try {
      while ((await deps.log.prune(options.retain, pruneBatch)) >= pruneBatch) {
        // More to delete: the next batch is another store call, after this one's commit.
      }
    } catch (error) {
      deps.logger?.warn({ err: error }, "could not prune the event log");
    }
  }

  /** One prune run at a time; one asked for meanwhile runs after it (the log has grown since it looked). */
  function startPrune(): void {
    if (pruning !== null) {
      pruneAgain = true;
      return;
    }
    // A function, not the variable: startPrune sets it meanwhile, which a narrowed read would not see.
    const askedAgain = () => pruneAgain;
    pruning = (async () => {
      do {
        pruneAgain = false;
        await prune();
      } while (askedAgain());
    })().finally(() => {
      pruning = null;
    });
  }

  async function drain(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        const stored = await deps.log.append(batch);
        for (const listener of [...listeners]) listener(stored);
        if (++batches % pruneEvery === 0) startPrune();
      } catch (error) {
        deps.logger?.warn({ err: error, dropped: batch.length }, "could not append server events to the event log");
      }
    }
  }

  function kick(): void {
    if (running !== null) return;
    running = drain().finally(() => {
      running = null;
      // Published after the loop saw an empty queue but before this ran: go again.
      if (pending.length > 0) kick();
    });
  }

  const unsubscribe = deps.bus.subscribe((event) => {
    pending.push(event);
    kick();
  });

  return {
    onAppended(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async flush() {
      while (running !== null || pruning !== null) await (running ?? pruning);
    },
    async close() {
      unsubscribe();
      while (running !== null || pruning !== null) await (running ?? pruning);
    },
  };
}
