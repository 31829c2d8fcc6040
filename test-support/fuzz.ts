// The time-boxed fuzz loop the fuzz tests share: a replayable seed (OMADM_FUZZ_SEED), a small seeded PRNG for
// the mutations, and a loop that feeds inputs to a checker until a deadline or an iteration cap, whichever comes
// first — so a run is bounded in time on any machine and a failure names what to replay.

/** The run's seed: OMADM_FUZZ_SEED replays a run; otherwise one from the clock. */
export function fuzzSeed(): number {
  return Number(process.env["OMADM_FUZZ_SEED"] ?? Date.now() % 2 ** 31);
}

/** mulberry32: a small seeded PRNG so that a failing run can be replayed from its printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TimeBoxedFuzz<T> {
  readonly budgetMs: number;
  readonly maxIterations: number;
  /** The next input (usually a mutation drawn with the seeded PRNG). */
  readonly next: () => T;
  /** Throws (an assertion) when the input is mishandled. */
  readonly check: (input: T) => void;
  /** Turns a failure into the test's assertion, naming the input and its iteration; must throw. */
  readonly fail: (input: T, iteration: number, error: unknown) => never;
}

/** Runs `check` on `next()` until the budget is spent or the cap is reached; returns how many inputs ran. */
export function runTimeBoxed<T>(fuzz: TimeBoxedFuzz<T>): number {
  const deadline = performance.now() + fuzz.budgetMs;
  let iterations = 0;
  while (iterations < fuzz.maxIterations && performance.now() < deadline) {
    const input = fuzz.next();
    try {
      fuzz.check(input);
    } catch (error) {
      fuzz.fail(input, iterations, error);
    }
    iterations++;
  }
  return iterations;
}
