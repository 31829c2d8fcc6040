// The wake pacer of `npm run bench:fleet`: keeps a window of woken devices whose session has not completed, sized
// from the completion rate it measures, so that the server is never handed more devices than it can serve before
// their Package#2 time-out. A device that does not complete within `retryAfterMs` is woken again (a lost
// datagram, a session aborted on the way), at most `maxWakes` times.
//
// A session refused with 503 (admission control: `dm.maxOpenSessions` per node, or the load shedder) is "not
// served, try again later", not a spent wake: the device is woken again after a back-off without counting against
// `maxWakes` (at most `maxRefusals` times, then the run fails naming it), and the window is halved and no device
// woken for that back-off, then grows back a little every second (additive increase, multiplicative decrease, as
// the server's own campaign pacer does: packages/server/src/campaigns/pacer.ts). With several server workers the
// window's ceiling is the fleet's (workers × per-node limit), but sessions land on the nodes unevenly, so some
// 503s are expected and absorbed here.
export interface PacerOptions {
  readonly deviceIds: readonly string[];
  /** Sends one Package#0 (through the API); a rejection counts as a failed wake and is retried later. */
  readonly wake: (deviceId: string) => Promise<void>;
  /** Seconds of work to keep in flight: window = completions/s × this (bounded by minWindow, maxWindow). */
  readonly budgetSeconds: number;
  readonly minWindow: number;
  /** The fleet's session limit: server workers × `dm.maxOpenSessions`. */
  readonly maxWindow: number;
  readonly retryAfterMs: number;
  readonly maxWakes: number;
  /**
   * After a 503: the wait before the device is woken again, and before any wake (the server's Retry-After is
   * `http.retryAfterSeconds` plus up to as much again of jitter; the simulator's session outcome does not carry
   * it, so the bench passes that base and the pacer adds the same jitter, which also spreads the re-wakes).
   */
  readonly backoffMs: number;
  /** 503s one device may get before the run gives up on it. */
  readonly maxRefusals: number;
  readonly deadlineMs: number;
  /** The clock (ms) and the loop's tick; tests pass their own. Default performance.now, 50 ms. */
  readonly now?: () => number;
  readonly tickMs?: number;
  /** In [0, 1): the jitter of the back-off. Default Math.random. */
  readonly random?: () => number;
  /** Called about once a second with where the run stands (the bench prints it as a progress line). */
  readonly onSecond?: (p: PacerProgress) => void;
}

export interface PacerProgress {
  readonly done: number;
  readonly inFlight: number;
  /** Refused devices waiting for their back-off. */
  readonly backlog: number;
  /** The window in force: the measured one times the share left after 503 halvings. */
  readonly window: number;
  /** Completions per second over the last second. */
  readonly rate: number;
  readonly refused: number;
}

export interface PacerResult {
  readonly wakes: number;
  readonly failedWakes: number;
  /** Sessions refused with 503 (each device woken again later). */
  readonly refused: number;
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
  /** The device's session was refused with 503 (Package#1 not served): wake it again later, not as a spent wake. */
  refused(deviceId: string): void;
  run(): Promise<PacerResult>;
}

/** The least share of the measured window kept after halvings, and what each second wins back. */
const MIN_SHARE = 0.05;
const SHARE_STEP = 0.1;

interface Woken {
  at: number;
  wakes: number;
  refusals: number;
}

export function createPacer(o: PacerOptions): Pacer {
  const now = o.now ?? (() => performance.now());
  const random = o.random ?? Math.random;
  const waiting = [...o.deviceIds].reverse();
  const inFlight = new Map<string, Woken>();
  // Refused devices, each with the time it may be woken again (insertion order is refusal order).
  const backlog = new Map<string, Woken & { due: number }>();
  const done = new Set<string>();
  let window = o.minWindow;
  let widest = window;
  let share = 1;
  let quietUntil = -Infinity;
  let wakes = 0;
  let failedWakes = 0;
  let refused = 0;
  let completions = 0;
  let gaveUp: Error | undefined;
  let wakeUp: (() => void) | undefined;

  const send = (id: string, w: Omit<Woken, "at">) => {
    inFlight.set(id, { at: now(), wakes: w.wakes + 1, refusals: w.refusals });
    wakes++;
    o.wake(id).catch(() => {
      failedWakes++;
    });
  };
  const effective = () => Math.max(o.minWindow, Math.round(window * share));

  return {
    completed(id) {
      if (done.has(id)) return;
      done.add(id);
      completions++;
      inFlight.delete(id);
      backlog.delete(id);
      wakeUp?.();
    },
    refused(id) {
      const w = inFlight.get(id);
      if (w === undefined || done.has(id)) return;
      inFlight.delete(id);
      refused++;
      const t = now();
      // One halving per back-off: a burst of refusals is one signal, not fifty.
      if (t >= quietUntil) {
        share = Math.max(MIN_SHARE, share / 2);
        quietUntil = t + o.backoffMs;
      }
      // The refused wake is given back: the device was not served, so it has not used up a wake.
      const again = { at: w.at, wakes: w.wakes - 1, refusals: w.refusals + 1 };
      if (again.refusals > o.maxRefusals) {
        gaveUp ??= new Error(`device ${id} was refused with 503 ${again.refusals} times (the server stayed full)`);
      }
      backlog.set(id, { ...again, due: t + o.backoffMs * (1 + random()) });
      wakeUp?.();
    },
    async run() {
      const started = now();
      let rateFrom = started;
      let rateCount = 0;
      while (done.size < o.deviceIds.length) {
        if (gaveUp !== undefined) throw gaveUp;
        const t = now();
        if (t - started > o.deadlineMs) {
          throw new PacerDeadline(done.size, o.deviceIds.length - done.size, o.deadlineMs);
        }
        if (t - rateFrom >= 1000) {
          const rate = ((completions - rateCount) * 1000) / (t - rateFrom);
          window = Math.max(o.minWindow, Math.min(o.maxWindow, Math.round(rate * o.budgetSeconds)));
          if (t >= quietUntil) share = Math.min(1, share + SHARE_STEP);
          widest = Math.max(widest, effective());
          o.onSecond?.({
            done: done.size,
            inFlight: inFlight.size,
            backlog: backlog.size,
            window: effective(),
            rate,
            refused,
          });
          rateFrom = t;
          rateCount = completions;
        }
        for (const [id, f] of inFlight) {
          if (t - f.at < o.retryAfterMs) continue;
          if (f.wakes >= o.maxWakes) throw new Error(`device ${id} did not complete after ${f.wakes} wakes`);
          send(id, f);
        }
        if (t >= quietUntil) {
          const room = effective();
          // Refused devices first, once their back-off is over: they have waited longest.
          for (const [id, f] of backlog) {
            if (inFlight.size >= room) break;
            if (t < f.due) continue;
            backlog.delete(id);
            send(id, f);
          }
          while (inFlight.size < room && waiting.length > 0) send(waiting.pop() as string, { wakes: 0, refusals: 0 });
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, o.tickMs ?? 50);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return { wakes, failedWakes, refused, maxWindow: widest };
    },
  };
}
