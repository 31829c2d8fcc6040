// Named (server-side prepared) statements for the PostgreSQL store's repeated queries. Kysely's driver sends
// every query as an unnamed statement, so PostgreSQL parses and plans it again on each call and pg builds a
// Parse message each time. The hot path's SQL texts are few and fixed (prepared.ts compiles them once), so a
// text sent with parameters a second time gets a name: each connection then parses it once and afterwards
// only binds and executes it (PostgreSQL documentation, "Frontend/Backend Protocol", "Extended Query"). One-off
// texts (migrations, list queries with unusual filters) stay unnamed; the number of names is bounded, since each
// one lives on every pooled connection until it closes.
//
// A named statement's rows always come with the same row description, so what pg derives from it (a type
// parser per column, the empty row every row is copied from) is derived once per statement and reused: pg
// spends more on that per query than on parsing a short row.
//
// A schema change on another node (a migration adding a column) makes PostgreSQL refuse a prepared `select *`
// once ("cached plan must not change result type", 0A000): that text then gets a new name, so the next call
// prepares it afresh instead of failing again.
import pg from "pg";
import { BEGIN_AHEAD, beginPrepared, HeldBegin, preparingBegin } from "./postgres-begin.js";
import { COMMIT_STATEMENT, DeferredWrites } from "./postgres-deferred.js";
import { sendAhead, type Ahead } from "./postgres-pipeline.js";

/** Distinct named texts at most; later texts stay unnamed (a pooled connection keeps each name it prepared). */
const MAX_NAMED = 500;
/** Texts seen once and remembered to be named on their second use; cleared when full. */
const MAX_SEEN = 5000;
/** SQLSTATE feature_not_supported: what PostgreSQL says when a prepared statement's result type changed. */
const PLAN_CHANGED = "0A000";

/** The parts of a RowDescription field pg's Result derives its row shape from. */
interface FieldDescription {
  readonly name: string;
  readonly dataTypeID: number;
  readonly format: string;
}

/** What pg's Result (pg/lib/result.js) derives from a row description in `addFields`. */
interface ResultFields {
  fields: readonly FieldDescription[];
  _parsers: unknown;
  _prebuiltEmptyResultObject: unknown;
  addFields: (this: ResultFields, fields: readonly FieldDescription[]) => void;
}

interface Statement {
  readonly name: string;
  /** The last row description seen and what pg derived from it. */
  shape: { readonly fields: readonly FieldDescription[]; readonly parsers: unknown; readonly empty: unknown } | null;
}

/** Which SQL texts are sent as named statements, shared by every connection of one pool. */
export class StatementNames {
  readonly #statements = new Map<string, Statement>();
  readonly #seen = new Set<string>();
  #next = 0;

  /** The statement for `text`, or undefined while it is not (yet) worth a name. */
  statementOf(text: string): Statement | undefined {
    const known = this.#statements.get(text);
    if (known !== undefined) return known;
    if (this.#statements.size >= MAX_NAMED) return undefined;
    if (!this.#seen.has(text)) {
      if (this.#seen.size >= MAX_SEEN) this.#seen.clear();
      this.#seen.add(text);
      return undefined;
    }
    this.#seen.delete(text);
    const fresh: Statement = { name: `omadm_${++this.#next}`, shape: null };
    this.#statements.set(text, fresh);
    return fresh;
  }

  /** The named statement of `text` went stale on the server: the next call prepares it under a new name. */
  forget(text: string): void {
    this.#statements.delete(text);
    this.#seen.add(text);
  }
}

function sameFields(a: readonly FieldDescription[], b: readonly FieldDescription[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return false;
    if (x.name !== y.name || x.dataTypeID !== y.dataTypeID || x.format !== y.format) return false;
  }
  return true;
}

/** Lets `result` reuse the statement's row shape when the description is the one seen before. */
function reuseRowShape(result: ResultFields, statement: Statement): void {
  const derive = result.addFields;
  // Only where pg's Result looks as expected (pg 8): otherwise it derives the shape itself, as always.
  if (typeof derive !== "function" || !("_parsers" in result) || !("_prebuiltEmptyResultObject" in result)) return;
  result.addFields = function (this: ResultFields, fields) {
    const shape = statement.shape;
    if (shape !== null && sameFields(shape.fields, fields)) {
      this.fields = fields;
      this._parsers = shape.parsers;
      this._prebuiltEmptyResultObject = shape.empty;
      return;
    }
    derive.call(this, fields);
    statement.shape = { fields, parsers: this._parsers, empty: this._prebuiltEmptyResultObject };
  };
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}

/** `begin`, `commit`, `rollback` (any case, trimmed), or "" for any other text. */
function transactionWord(text: string): string {
  return text.length <= 10 ? text.trim().toLowerCase() : "";
}

/**
 * A pg.Client class whose `query(text, values)` (Kysely's only form) names the texts `names` chooses, holds a
 * transaction's BEGIN back until its first statement (postgres-begin.ts), and holds the writes the store marked
 * deferrable back until the statement after them (postgres-deferred.ts); what is held goes out ahead of that
 * statement, in the same write (postgres-pipeline.ts).
 */
export function namingClient(names: StatementNames): typeof pg.Client {
  return class NamingClient extends pg.Client implements Held {
    readonly heldBegin = new HeldBegin();
    readonly deferred = new DeferredWrites();

    // pg's query has many overloads; only the (text, values) promise form is rewritten, the rest passes through.
    override query(...args: unknown[]): never {
      const [text, values, callback] = args;
      const plain = typeof text === "string" && Array.isArray(values) && callback === undefined;
      if (plain && values.length === 0) {
        const word = transactionWord(text);
        if (word !== "") this.deferred.observe(word);
        const local = this.heldBegin.answer(text);
        if (local !== undefined) return local as never;
      }
      const statement = plain && values.length > 0 ? names.statementOf(text) : undefined;
      if (statement !== undefined) {
        const held = this.deferred.defer(
          this.connection,
          statement.name,
          text as string,
          values as unknown[],
          this.heldBegin.held,
        );
        if (held !== undefined) return held as never;
      }
      const submit = super.query.bind(this) as (...a: unknown[]) => never;
      let begin = this.heldBegin.take();
      if (begin && (!plain || !beginPrepared(this.connection))) {
        // BEGIN goes out on its own first (pg sends queued queries in order); preparing it on the way. An error
        // of its own shows again on the statement behind it, which then runs outside a transaction block.
        submit(preparingBegin(() => undefined));
        begin = false;
      }
      let ahead: readonly Ahead[] = this.deferred.take();
      if (!plain && ahead.length > 0) {
        // Not Kysely's form (nothing of the store's sends it inside a transaction): the held writes go first, each
        // on its own, still in order. A failure of theirs leaves the transaction aborted, which the statement
        // behind them reports.
        for (const a of ahead) {
          submit(new pg.Query({ name: a.statement, text: a.text, values: [...a.values] }, undefined, () => undefined));
        }
        ahead = [];
      }
      if (begin) ahead = [BEGIN_AHEAD, ...ahead];
      if (!plain || (statement === undefined && ahead.length === 0)) return submit(...args);
      return new Promise((resolve, reject) => {
        const done = (error: Error | null | undefined, result: pg.QueryResult) => {
          if (error === undefined || error === null) {
            resolve(result);
            return;
          }
          if (statement !== undefined && hasCode(error, PLAN_CHANGED)) names.forget(text);
          reject(error);
        };
        // The (text, values) form: pg copies a config object property by property, which costs more.
        const query = new pg.Query(text, values as unknown[], done);
        if (statement !== undefined) (query as unknown as { name: string }).name = statement.name;
        else if (ahead.length > 0 && transactionWord(text) === "commit") {
          (query as unknown as { name: string }).name = COMMIT_STATEMENT;
        }
        if (ahead.length > 0) sendAhead(query, ahead);
        const result = (query as unknown as { _result?: ResultFields })._result;
        if (result !== undefined && statement !== undefined) reuseRowShape(result, statement);
        submit(query);
      }) as never;
    }
  };
}

/** A pooled client of the store's: the BEGIN and the writes it may hold (cleared when the pool takes it back). */
export interface Held {
  readonly heldBegin: HeldBegin;
  readonly deferred: DeferredWrites;
}

/** Forgets what `client` holds back: it went back to the pool, so its transaction is over either way. */
export function released(client: unknown): void {
  if (client instanceof pg.Client && "heldBegin" in client) {
    (client as unknown as Held).heldBegin.clear();
    (client as unknown as Held).deferred.clear();
  }
}
