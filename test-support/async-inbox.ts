// Shared test helpers for event-driven code: wait on what arrives instead of sleeping (never sleep and
// hope), record log lines, and check that a test left no socket or timer open.

/** A FIFO that callbacks push into and a test awaits; `next()` resolves with the oldest unread item. */
export interface Inbox<T> {
  push(item: T): void;
  next(): Promise<T>;
  /** Items pushed and not yet taken by `next()`. */
  readonly buffered: readonly T[];
}

export function createInbox<T>(): Inbox<T> {
  const items: T[] = [];
  const waiters: ((item: T) => void)[] = [];
  return {
    push(item) {
      const waiter = waiters.shift();
      if (waiter === undefined) items.push(item);
      else waiter(item);
    },
    next() {
      if (items.length > 0) return Promise.resolve(items.shift() as T);
      return new Promise<T>((resolve) => waiters.push(resolve));
    },
    get buffered() {
      return items;
    },
  };
}

export interface LogEntry {
  readonly details: Record<string, unknown>;
  readonly message: string;
}

/** A pino-shaped `{ warn(details, message) }` logger whose lines a test can await. */
export function createRecordingLogger(): {
  logger: { warn(details: Record<string, unknown>, message: string): void };
  entries: Inbox<LogEntry>;
} {
  const entries = createInbox<LogEntry>();
  return {
    logger: {
      warn(details, message) {
        entries.push({ details, message });
      },
    },
    entries,
  };
}

const LEAK_KINDS = new Set(["UDPWrap", "TCPWrap", "TCPSocketWrap", "TCPServerWrap", "ConnectWrap", "Timeout"]);

/**
 * The sockets and timers still alive in this process (call it from `after()`, once everything was stopped).
 * A `close()` callback runs before libuv has released the handle (that happens in a later loop phase), so this
 * lets the event loop turn a few times, returning as soon as nothing is left.
 */
export async function openHandles(): Promise<string[]> {
  let open: string[] = [];
  for (let turn = 0; turn < 10; turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    open = process.getActiveResourcesInfo().filter((kind) => LEAK_KINDS.has(kind));
    if (open.length === 0) break;
  }
  return open;
}
