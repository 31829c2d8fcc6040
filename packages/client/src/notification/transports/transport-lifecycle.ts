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

/**
 * Hands one received payload (an MQTT message, a UDP datagram, …) to the handler as a plain Uint8Array view —
 * consumers compare and slice it without Buffer's different semantics — unless it is larger than `maxBytes`:
 * then it is dropped and logged with reason "oversize" (`unit` names what was dropped in the log line).
 */
export function deliverWithinLimit(
  handler: NotificationHandler,
  payload: Buffer,
  source: NotificationSource,
  limits: { readonly maxBytes: number; readonly unit: string },
  logger: NotificationLogger,
): void {
  const { maxBytes, unit } = limits;
  if (payload.byteLength > maxBytes) {
    logger.warn(
      { ...source, bytes: payload.byteLength, limit: maxBytes, reason: "oversize" },
      `dropped a ${payload.byteLength}-byte ${unit}: larger than the ${maxBytes}-byte notification limit`,
    );
    return;
  }
  deliver(handler, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), source, logger);
}
