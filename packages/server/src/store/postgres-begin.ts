// A transaction's BEGIN sent with its first statement, one round trip instead of two. Kysely opens a transaction
// with a statement of its own (`begin`) and waits for the answer before the callback sends anything; that answer
// carries nothing the store needs. So the pooled client (postgres-statements.ts) answers `begin` itself and holds
// it: the transaction's first statement then goes out behind a Bind and Execute of BEGIN, in the same write and
// before the same Sync. PostgreSQL runs the messages in order, so BEGIN opens a transaction block that the
// statement runs in and that stays open after the Sync (PostgreSQL documentation, "Frontend/Backend Protocol",
// "Pipelining": a BEGIN in the pipeline turns its implicit transaction into a regular transaction block).
// A COMMIT or ROLLBACK while BEGIN is still held (a transaction that sent nothing) is answered locally too:
// nothing was opened on the server, so there is nothing to end.
//
// BEGIN is a named statement, prepared once per connection by a BEGIN of its own (the first transaction on a
// connection still takes its two round trips), so the held BEGIN adds no Parse to the batch and pg's bookkeeping
// of which names a connection has parsed (one ParseComplete per Parse, credited to the running query's name)
// stays exact. If the statement fails, PostgreSQL skips the rest up to the Sync and the transaction block is
// left aborted, as with a separate BEGIN: the caller rolls back as always.
import pg from "pg";
import { isPrepared, type Ahead } from "./postgres-pipeline.js";

/** The statement name of BEGIN on every connection of the store's pool. */
export const BEGIN_STATEMENT = "omadm_begin";

/** What Kysely's driver reads of an answer to BEGIN, COMMIT or ROLLBACK (a command tag, no rows). */
export interface LocalAnswer {
  readonly command: string;
  readonly rowCount: null;
  readonly rows: never[];
  readonly fields: never[];
}

const answer = (command: string): LocalAnswer => ({ command, rowCount: null, rows: [], fields: [] });

/** Whether `connection` has BEGIN prepared under BEGIN_STATEMENT. */
export function beginPrepared(connection: unknown): boolean {
  return isPrepared(connection, BEGIN_STATEMENT, "begin");
}

/** A BEGIN of its own, which also prepares BEGIN_STATEMENT on the connection. */
export function preparingBegin(callback: (error: Error | null | undefined) => void): pg.Query {
  return new pg.Query({ name: BEGIN_STATEMENT, text: "begin" }, undefined, callback);
}

/** BEGIN_STATEMENT sent ahead of a statement (postgres-pipeline.ts). */
export const BEGIN_AHEAD: Ahead = { statement: BEGIN_STATEMENT, values: [], text: "begin" };

/** The BEGIN a client holds back until its next statement, answering `begin`, `commit`, `rollback` locally. */
export class HeldBegin {
  #held = false;

  /**
   * The local answer to a statement without parameters, or undefined when it must go to the server. `begin`
   * is held (a second one while held goes out, for PostgreSQL to warn about as it would).
   */
  answer(text: string): Promise<LocalAnswer> | undefined {
    const word = text.length <= 8 ? text.trim().toLowerCase() : "";
    if (word === "begin" && !this.#held) {
      this.#held = true;
      return Promise.resolve(answer("BEGIN"));
    }
    if (this.#held && (word === "commit" || word === "rollback")) {
      this.#held = false;
      return Promise.resolve(answer(word.toUpperCase()));
    }
    return undefined;
  }

  /** Whether a BEGIN is held (nothing of the transaction has gone to the server yet). */
  get held(): boolean {
    return this.#held;
  }

  /** Whether a BEGIN is held; it is then released: the caller sends it with (or before) the next statement. */
  take(): boolean {
    const held = this.#held;
    this.#held = false;
    return held;
  }

  /** Forgets a held BEGIN (the connection went back to the pool without ending its transaction). */
  clear(): void {
    this.#held = false;
  }
}
