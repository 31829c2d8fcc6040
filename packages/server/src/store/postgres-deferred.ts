// Writes a transaction lets go out with its next statement instead of on their own (postgres-pipeline.ts): one
// round trip less each. The store marks a write's SQL text as deferrable (DEFERRED_MARK, prepared.ts) only where
// it needs nothing back (no rows, no count) and where it cannot fail for a reason its caller must tell apart (a
// row of a device whose lock the transaction holds, a session it opened itself). The pooled client defers such a
// write only inside a transaction whose BEGIN has gone out, and only once the connection has the statement
// prepared, so that Bind and Execute are all it takes.
//
// The write runs on the server exactly where it would have run: right before the transaction's next statement,
// in order. Only the moment its caller hears of a failure changes: the next statement (or the COMMIT) fails with
// the write's error, which names it, and the transaction rolls back, so nothing of it is committed. A ROLLBACK
// drops what is still deferred: it never ran, which is what rolling it back would have left.
import { DEFERRED_MARK } from "./sql/prepared.js";
import { isPrepared, type Ahead } from "./postgres-pipeline.js";

/**
 * The statement name of a COMMIT that takes deferred writes along (it then goes in the extended protocol): prepared
 * by its first such COMMIT on a connection, in the same batch, and only bound and executed after that.
 */
export const COMMIT_STATEMENT = "omadm_commit";

/** What Kysely's driver reads of a deferred write's answer: no command tag it counts rows of, no rows. */
const DEFERRED_ANSWER = Object.freeze({ command: "DEFERRED", rowCount: null, rows: [], fields: [] });

/** Writes held back by one pooled client, and whether its transaction is open on the server. */
export class DeferredWrites {
  #open = false;
  #writes: Ahead[] = [];

  /** Notes a statement without parameters before it is answered or sent: `begin`, `commit`, `rollback`. */
  observe(word: string): void {
    if (word === "begin") this.#open = true;
    else if (word === "commit" || word === "rollback") {
      this.#open = false;
      if (word === "rollback") this.#writes = [];
    }
  }

  /**
   * Holds `text` back when it is marked deferrable, the transaction is open on the server (`beginHeld` false)
   * and the connection has it prepared as `statement`; the answer to give its caller, or undefined to send it.
   */
  defer(
    connection: unknown,
    statement: string,
    text: string,
    values: readonly unknown[],
    beginHeld: boolean,
  ): Promise<typeof DEFERRED_ANSWER> | undefined {
    if (!this.#open || beginHeld || !text.startsWith(DEFERRED_MARK)) return undefined;
    if (!isPrepared(connection, statement, text)) return undefined;
    this.#writes.push({ statement, values, text });
    return Promise.resolve(DEFERRED_ANSWER);
  }

  /** The writes to send ahead of the next statement; they are then no longer held. */
  take(): readonly Ahead[] {
    if (this.#writes.length === 0) return NONE;
    const writes = this.#writes;
    this.#writes = [];
    return writes;
  }

  /** Forgets everything: the connection went back to the pool, its transaction over either way. */
  clear(): void {
    this.#open = false;
    this.#writes = [];
  }
}

const NONE: readonly Ahead[] = Object.freeze([]);
