// The wake pacer (docs/campaigns.md "Paced wake-up"): how many devices this node may wake now so that it never
// hands the DM endpoint more devices than it can serve before their Package#2 time-out. It follows the open DM
// sessions against the admission limit (edge/admission.ts): devices already woken and not yet in session
// count as sessions about to open, and only the room left under `headroom` × limit is granted. A 503 from
// admission control (the session limit or the load shedder) halves the share it aims for and stops wakes for
// a back-off; each grant after that wins a little back (additive increase, multiplicative decrease). Node-local,
// like admission control. Pure apart from the injected clock and gauge.

export interface WakePacerDeps {
  readonly now: () => number;
  /** DM sessions open on this node now (`SessionAdmission.size()`). */
  readonly openSessions: () => number;
}

export interface WakePacerOptions {
  /** `dm.maxOpenSessions`. */
  readonly limit: number;
  /** Share of the limit aimed for (default 0.8): room for devices that come on their own. */
  readonly headroom?: number;
  /** No wake for this long after a 503 (default: `http.retryAfterSeconds`). */
  readonly backoffMs: number;
}

export interface WakePacer {
  /** How many of `want` new devices may be woken now, with `waking` already woken and not yet in session. */
  grant(want: number, waking: number): number;
  /** A Package#1 was refused with 503 and Retry-After. */
  shed(): void;
  /** The share of the limit aimed for now, and the limit. */
  state(): { readonly share: number; readonly limit: number; readonly open: number };
}

export function createWakePacer(deps: WakePacerDeps, options: WakePacerOptions): WakePacer {
  const target = options.headroom ?? 0.8;
  let share = target;
  let quietUntil = 0;
  return {
    grant(want, waking) {
      const now = deps.now();
      if (now < quietUntil) return 0;
      share = Math.min(target, share + 0.02);
      const room = Math.floor(options.limit * share) - deps.openSessions() - waking;
      return Math.max(0, Math.min(want, room));
    },
    shed() {
      // One halving per back-off: a burst of refusals is one signal, not fifty.
      if (deps.now() < quietUntil) return;
      share = Math.max(0.05, share / 2);
      quietUntil = deps.now() + options.backoffMs;
    },
    state: () => ({ share, limit: options.limit, open: deps.openSessions() }),
  };
}
