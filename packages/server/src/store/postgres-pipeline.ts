// Statements sent ahead of a query, in the same write and before the same Sync (PostgreSQL documentation,
// "Frontend/Backend Protocol", "Pipelining"): a transaction's held BEGIN (postgres-begin.ts) and the writes the
// store deferred to the transaction's next statement (postgres-deferred.ts). Each goes as Bind and Execute of a
// statement already prepared on the connection, so the batch needs no Parse of theirs, and pg's bookkeeping of
// which names a connection has parsed stays exact. PostgreSQL runs the messages in order; when one fails it skips
// the rest up to the Sync, and the query fails with that error (a SentAheadError: sql-errors.ts).
import pg from "pg";
import pgUtils from "pg/lib/utils.js";
import { SentAheadError } from "./sql/sql-errors.js";

/** A statement sent ahead: its name on the connection, its values, and its text (named in its error). */
export interface Ahead {
  readonly statement: string;
  readonly values: readonly unknown[];
  readonly text: string;
}

/** The parts of pg's Connection written to (pg/lib/connection.js). */
export interface Wire {
  readonly parsedStatements: Record<string, string | undefined>;
  bind(config: {
    portal: string;
    statement: string;
    values: readonly unknown[];
    valueMapper?: (value: unknown) => unknown;
  }): void;
  execute(config: { portal: string }): void;
}

interface QueryInternals {
  prepare: (this: QueryInternals, connection: Wire) => void;
  handleCommandComplete: (this: QueryInternals, msg: unknown, connection: Wire) => void;
  handleError: (this: QueryInternals, error: unknown, connection: Wire) => void;
}

/**
 * Whether this pg has the parts of its Query that `sendAhead` hooks (pg/lib/query.js, pg 8). Should a later pg
 * lack them, nothing is sent ahead: each statement takes its own round trip, slower, never wrong.
 */
export const QUERY_HOOKS = (() => {
  const proto = pg.Query.prototype as unknown as Partial<QueryInternals>;
  return (
    typeof proto.prepare === "function" &&
    typeof proto.handleCommandComplete === "function" &&
    typeof proto.handleError === "function" &&
    typeof pgUtils.prepareValue === "function"
  );
})();

/** Whether `connection` has parsed `text` under the name `statement` (pg notes each name it saw parsed). */
export function isPrepared(connection: unknown, statement: string, text: string): boolean {
  const parsed = (connection as Partial<Wire> | null)?.parsedStatements;
  return QUERY_HOOKS && typeof parsed === "object" && parsed[statement] === text;
}

/**
 * Makes `query` (not yet submitted) run `ahead` first, in the same batch. The extended protocol is forced, since a
 * statement without parameters would otherwise go out as a simple Query message, which cannot share a Sync.
 */
export function sendAhead(query: pg.Query, ahead: readonly Ahead[]): pg.Query {
  (query as unknown as { queryMode: string }).queryMode = "extended";
  const own = query as unknown as QueryInternals;
  const prepare = own.prepare;
  const complete = own.handleCommandComplete;
  const failed = own.handleError;
  let done = 0;
  own.prepare = function (this: QueryInternals, connection: Wire) {
    for (const a of ahead) {
      // Values as pg maps a query's own (JSON text for objects, a date's text, …).
      connection.bind({ portal: "", statement: a.statement, values: a.values, valueMapper: pgUtils.prepareValue });
      connection.execute({ portal: "" });
    }
    prepare.call(this, connection);
  };
  // The first CommandCompletes are those sent ahead: not results of the query.
  own.handleCommandComplete = function (this: QueryInternals, msg: unknown, connection: Wire) {
    if (done < ahead.length) {
      done++;
      return;
    }
    complete.call(this, msg, connection);
  };
  // A database error before they all completed is one of theirs, not the query's: a SentAheadError that names
  // the statement. (A lost connection stays what it is: the store tells its callers to try again later.)
  own.handleError = function (this: QueryInternals, error: unknown, connection: Wire) {
    const culprit = ahead[done];
    const theirs = culprit !== undefined && error instanceof pg.DatabaseError;
    failed.call(this, theirs ? new SentAheadError(excerpt(culprit.text), error) : error, connection);
  };
  return query;
}

function excerpt(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
