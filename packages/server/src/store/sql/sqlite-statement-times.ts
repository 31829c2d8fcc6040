// Where the SQLite store's time goes, statement by statement (`npm run bench:server -- --statements`): while
// switched on, every statement the store runs — prepared ones and the commit group's BEGIN, COMMIT and
// savepoints — is timed around its call into better-sqlite3 and summed per SQL text. Off (the default), the
// store's statements are not wrapped at all (sqlite.ts picks the untimed wrapper), so it costs nothing.

/** One SQL text's figures since timing was switched on. */
export interface StatementTime {
  readonly sql: string;
  readonly count: number;
  /** Wall time inside better-sqlite3, summed over every run, in microseconds. */
  readonly totalUs: number;
  /** The longest single run, in microseconds: how long this statement held the event loop at most. */
  readonly maxUs: number;
}

interface Tally {
  count: number;
  ms: number;
  maxMs: number;
}

export class StatementTimes {
  #on = false;
  #bySql = new Map<string, Tally>();
  readonly #listeners: (() => void)[] = [];

  /** `listener` is told when timing is switched (a connection drops the statements it wrapped the other way). */
  onSwitch(listener: () => void): void {
    this.#listeners.push(listener);
  }

  get on(): boolean {
    return this.#on;
  }

  /** Starts timing from zero (on), or stops it (off; the figures so far stay readable). */
  switch(on: boolean): void {
    if (on) this.#bySql = new Map();
    if (on === this.#on) return;
    this.#on = on;
    for (const listener of this.#listeners) listener();
  }

  add(sql: string, ms: number): void {
    const t = this.#bySql.get(sql);
    if (t === undefined) this.#bySql.set(sql, { count: 1, ms, maxMs: ms });
    else {
      t.count++;
      t.ms += ms;
      t.maxMs = Math.max(t.maxMs, ms);
    }
  }

  /** Runs `call` timed as one run of `sql`. */
  time<T>(sql: string, call: () => T): T {
    const start = performance.now();
    try {
      return call();
    } finally {
      this.add(sql, performance.now() - start);
    }
  }

  /** Every SQL text run since timing started, most total time first. */
  figures(): StatementTime[] {
    return [...this.#bySql]
      .map(([sql, t]) => ({ sql, count: t.count, totalUs: t.ms * 1000, maxUs: t.maxMs * 1000 }))
      .sort((a, b) => b.totalUs - a.totalUs);
  }
}
