// A deadline on one awaited answer. The timer never outlives the race, so a settled operation leaves no handle
// that would keep the process (or a test's open-handle check) waiting.
import { TransportError, TransportErrorCode } from "./transport-error.js";

/**
 * Settles like `promise`, or rejects with `TransportError` `TIMEOUT` ("no <what> within <ms> ms") if it has not
 * settled within `ms`. The timer is cleared either way; the promise itself is not cancelled.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new TransportError(TransportErrorCode.TIMEOUT, `no ${what} within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export function isTimeout(error: unknown): boolean {
  return error instanceof TransportError && error.code === TransportErrorCode.TIMEOUT;
}
