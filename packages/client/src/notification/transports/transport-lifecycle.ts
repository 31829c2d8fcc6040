// Start/stop bookkeeping shared by the client transports: operations run one after another (a `stop` issued
// while `start` is still binding waits for it, then undoes it), `start` is idempotent for the same handler, and
// `stop` is idempotent. Each transport supplies only how to open and close its own resource.

import type { NotificationHandler, NotificationLogger, NotificationSource } from "./notification-transport.js";
import { NotificationTransportError, NotificationTransportErrorCode } from "./transport-error.js";

export class TransportLifecycle<Resource> {
  readonly #transport: string;
  #queue: Promise<unknown> = Promise.resolve();
  #running: { readonly handler: NotificationHandler; readonly resource: Resource } | undefined;

  constructor(transport: string) {
    this.#transport = transport;
  }

  /** The open resource while started. */
  get resource(): Resource | undefined {
    return this.#running?.resource;
  }

  start(handler: NotificationHandler, open: () => Promise<Resource>): Promise<void> {
    return this.#serial(async () => {
      if (this.#running !== undefined) {
        if (this.#running.handler === handler) return;
        throw new NotificationTransportError(
          NotificationTransportErrorCode.ALREADY_STARTED,
          this.#transport,
          "already started with another handler; stop it first",
        );
      }
      this.#running = { handler, resource: await open() };
    });
  }

  stop(close: (resource: Resource) => Promise<void>): Promise<void> {
    return this.#serial(async () => {
      const running = this.#running;
      if (running === undefined) return;
      this.#running = undefined;
      await close(running.resource);
    });
  }

  #serial(operation: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => undefined); // a failed start must not block the next operation
    return run;
  }
}

/**
 * Hands one notification to the handler; a throw or a rejection is logged, never propagated, because it
 * would otherwise kill the socket's event loop callback or become an unhandled rejection.
 */
export function deliver(
  handler: NotificationHandler,
  bytes: Uint8Array,
  source: NotificationSource,
  logger: NotificationLogger,
): void {
  const report = (error: unknown): void => {
    logger.warn({ ...source, error }, "notification handler failed");
  };
  try {
    const result = handler(bytes, source);
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}
