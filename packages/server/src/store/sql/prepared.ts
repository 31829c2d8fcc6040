// Prepared queries for the hot paths: a Kysely query is built and compiled once per dialect, with a marker
// where each value goes, and each call only puts its values into the compiled parameter list. Building and
// compiling a Kysely query costs far more than running it on SQLite; the SQL text is the same every time, so
// better-sqlite3's prepared statement (and PostgreSQL's plan cache) is reused too. On a database registered
// with `runDirectly` (the SQLite store) the compiled text goes straight to its statements, past Kysely's
// executor and connection mutex — the commit group already runs one member at a time.
import { CompiledQuery, type Compilable, type QueryResult } from "kysely";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** The same as sql-context.ts's `Db`, named here so the two modules do not import each other. */
type Db = Kysely<Database>;

/**
 * The start of a write's SQL text that PostgreSQL's pooled client may hold back until the transaction's next
 * statement (postgres-deferred.ts): a comment, so the text is the same statement to any database.
 */
export const DEFERRED_MARK = "/* deferred */ ";

/** Runs compiled SQL on a database directly (SQLite: synchronously, wrapped in a resolved promise). */
export type DirectRunner = (sqlText: string, parameters: readonly unknown[]) => QueryResult<unknown>;

const direct = new WeakMap<object, DirectRunner>();

/** Lets prepared queries on `db` skip Kysely's executor. */
export function runDirectly(db: Db, runner: DirectRunner): void {
  direct.set(db, runner);
}

class Param {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/** A multi-row write's marker: the value of `column` in the caller's row number `row` (preparedRows). */
class RowParam {
  readonly row: number;
  readonly column: string;
  constructor(row: number, column: string) {
    this.row = row;
    this.column = column;
  }
}

interface Compiled {
  readonly sql: string;
  /** Per parameter position: where the caller's value is, or a constant fixed at build time. */
  readonly slots: readonly (Param | RowParam | { readonly constant: unknown })[];
}

export interface PreparedOptions {
  /**
   * A write that needs nothing back (no rows, no count): marked so that PostgreSQL's client may send it with the
   * transaction's next statement (DEFERRED_MARK). Its `run` then answers 0: use it only where no count is read.
   */
  readonly deferred?: boolean | undefined;
}

export interface Prepared<P, R> {
  all(db: Db, params: P): Promise<R[]>;
  first(db: Db, params: P): Promise<R | undefined>;
  /** Rows changed (for a statement without RETURNING). */
  run(db: Db, params: P): Promise<number>;
}

/**
 * `build(db, p)` builds the query once; `p.name` stands for the caller's `params.name`. Only plain values may
 * be parameters (not lists: a list's length changes the SQL — key such queries by length with `preparedBy`).
 */
export function prepared<P extends object, R>(
  build: (db: Db, p: P) => Compilable<R>,
  options: PreparedOptions = {},
): Prepared<P, R> {
  const byAdapter = new WeakMap<object, Compiled>();
  const markers = new Proxy({} as P, { get: (_t, name) => new Param(String(name)) });
  const compiledFor = (db: Db): Compiled => {
    const adapter = db.getExecutor().adapter;
    let c = byAdapter.get(adapter);
    if (c === undefined) {
      const q = build(db, markers).compile();
      c = {
        sql: options.deferred === true ? DEFERRED_MARK + q.sql : q.sql,
        slots: q.parameters.map((v) => (v instanceof Param || v instanceof RowParam ? v : { constant: v })),
      };
      byAdapter.set(adapter, c);
    }
    return c;
  };
  const execute = async (db: Db, params: P): Promise<QueryResult<R>> => {
    const c = compiledFor(db);
    const values = c.slots.map((s) =>
      s instanceof Param
        ? (params as Record<string, unknown>)[s.name]
        : s instanceof RowParam
          ? (params as readonly Record<string, unknown>[])[s.row]?.[s.column]
          : s.constant,
    );
    const runner = direct.get(db);
    if (runner !== undefined) return runner(c.sql, values) as QueryResult<R>;
    return db.executeQuery<R>(CompiledQuery.raw(c.sql, values));
  };
  return {
    all: async (db, params) => (await execute(db, params)).rows,
    first: async (db, params) => (await execute(db, params)).rows[0],
    run: async (db, params) => Number((await execute(db, params)).numAffectedRows ?? 0n),
  };
}

/** Prepared queries whose SQL depends on a shape (which columns a patch sets, how many ids): one per key. */
export function preparedBy<K, P extends object, R>(
  key: (shape: K) => string,
  build: (shape: K) => (db: Db, p: P) => Compilable<R>,
  options: PreparedOptions = {},
): (shape: K) => Prepared<P, R> {
  const cache = new Map<string, Prepared<P, R>>();
  return (shape) => {
    const k = key(shape);
    let q = cache.get(k);
    if (q === undefined) {
      if (cache.size >= 256) cache.clear();
      q = prepared(build(shape), options);
      cache.set(k, q);
    }
    return q;
  };
}

/**
 * A multi-row write prepared per row count: `build(db, rows)` builds it once for n marker rows, each with the
 * given columns; a call binds its rows' values. (At most ROWS_PER_STATEMENT rows a call: chunks.ts.)
 */
export function preparedRows<Row extends object, R>(
  columns: readonly (keyof Row & string)[],
  build: (db: Db, rows: Row[]) => Compilable<R>,
  options: PreparedOptions = {},
): (db: Db, rows: readonly Row[]) => Promise<R[]> {
  // The markers say where each value is (row, column), so a call binds its rows as they are: no parameter
  // object with a key per value (a 64-event append made 384 keys, and a dictionary of them, per call).
  const byCount = preparedBy(
    (n: number) => String(n),
    (n: number) => (db: Db) =>
      build(
        db,
        Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map((c) => [c, new RowParam(i, c)])) as Row),
      ),
    options,
  );
  return (db, rows) => byCount(rows.length).all(db, rows);
}
