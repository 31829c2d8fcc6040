// The wake pacer of `npm run bench:fleet`: keeps a window of woken devices whose session has not completed, sized
// from the completion rate it measures, so that the server is never handed more devices than it can serve before
// their Package#2 time-out. A device that does not complete within `retryAfterMs` is woken again (a lost
// datagram, a refused session), at most `maxWakes` times.
export interface PacerOptions {
  readonly deviceIds: readonly string[];
  /** Sends one Package#0 (through the API); a rejection counts as a failed wake and is retried later. */
  readonly wake: (deviceId: string) => Promise<void>;
  /** Seconds of work to keep in flight: window = completions/s × this (bounded by minWindow, maxWindow). */
  readonly budgetSeconds: number;
  readonly minWindow: number;
  readonly maxWindow: number;
  readonly retryAfterMs: number;
  readonly maxWakes: number;
  readonly deadlineMs: number;
}

export interface PacerResult {
  readonly wakes: number;
  readonly failedWakes: number;
  readonly maxWindow: number;
}

/** The deadline passed with devices not done: how far it got (the bench prints a partial last line from it). */
export class PacerDeadline extends Error {
  readonly done: number;
  constructor(done: number, notDone: number, deadlineMs: number) {
    super(`${notDone} devices not done after ${Math.round(deadlineMs / 1000)} s`);
    this.done = done;
  }
}

export interface Pacer {
  /** The device's session completed (its command is done). */
  completed(deviceId: string): void;
  run(): Promise<PacerResult>;
}

export function createPacer(o: PacerOptions): Pacer {
  const waiting = [...o.deviceIds].reverse();
  const inFlight = new Map<string, { at: number; wakes: number }>();
  const done = new Set<string>();
  let window = o.minWindow;
  let widest = window;
  let wakes = 0;
  let failedWakes = 0;
  let completions = 0;
  let wakeUp: (() => void) | undefined;

  const send = (id: string, wakesSoFar: number) => {
    inFlight.set(id, { at: performance.now(), wakes: wakesSoFar + 1 });
    wakes++;
    o.wake(id).catch(() => {
      failedWakes++;
    });
  };

  return {
    completed(id) {
      if (done.has(id)) return;
      done.add(id);
      completions++;
      inFlight.delete(id);
      wakeUp?.();
    },
    async run() {
      const started = performance.now();
      let rateFrom = started;
      let rateCount = 0;
      while (done.size < o.deviceIds.length) {
        const now = performance.now();
        if (now - started > o.deadlineMs) {
          throw new PacerDeadline(done.size, o.deviceIds.length - done.size, o.deadlineMs);
        }
        if (now - rateFrom >= 1000) {
          const rate = ((completions - rateCount) * 1000) / (now - rateFrom);
          window = Math.max(o.minWindow, Math.min(o.maxWindow, Math.round(rate * o.budgetSeconds)));
          widest = Math.max(widest, window);
          rateFrom = now;
          rateCount = completions;
        }
        for (const [id, f] of inFlight) {
          if (now - f.at < o.retryAfterMs) continue;
          if (f.wakes >= o.maxWakes) throw new Error(`device ${id} did not complete after ${f.wakes} wakes`);
          send(id, f.wakes);
        }
        while (inFlight.size < window && waiting.length > 0) send(waiting.pop() as string, 0);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return { wakes, failedWakes, maxWindow: widest };
    },
  };
}
