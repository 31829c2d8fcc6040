// DM sessions of one client run one at a time, in the order they were asked for: they share one DM Tree, and a
// server's commands must see the effects of the session before (docs/protocol.md §1.2: commands strictly in order).
// Jobs may be keyed so that a follow-up asked for twice (e.g. two asynchronous EXEC results bound for the same
// ServerURI) runs once, carrying everything pending when it starts.

export interface SessionQueue {
  /** Runs `job` after every job queued before it; its result or rejection is the returned promise's. */
  run<T>(job: () => Promise<T>): Promise<T>;
  /** As run, but a job with the same key still waiting (not yet started) is not queued twice. */
  runOnce(key: string, job: () => Promise<unknown>): void;
  /** Resolves when no job is running or waiting (jobs queued meanwhile are waited for too). */
  idle(): Promise<void>;
  readonly size: number;
}

export function createSessionQueue(onJobError: (error: unknown) => void): SessionQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let size = 0;
  const waiting = new Set<string>();

  const run = <T>(job: () => Promise<T>): Promise<T> => {
    size++;
    const result = tail.then(job);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    tail = settled.finally(() => {
      size--;
    });
    return result;
  };

  return {
    run,
    runOnce(key, job) {
      if (waiting.has(key)) return;
      waiting.add(key);
      run(() => {
        waiting.delete(key);
        return job();
      }).catch(onJobError);
    },
    async idle() {
      while (size > 0) await tail;
    },
    get size() {
      return size;
    },
  };
}
