// Named (server-side prepared) statements for the PostgreSQL store's repeated queries. Kysely's driver sends
// every query as an unnamed statement, so PostgreSQL parses and plans it again on each call and pg builds a
// Parse message each time. The hot path's SQL texts are few and fixed (prepared.ts compiles them once), so a
// text sent with parameters a second time gets a name: each connection then parses it once and afterwards
// only binds and executes it (PostgreSQL protocol §55.2.3, "Extended Query"). One-off texts (migrations, list
// queries with unusual filters) stay unnamed; the number of names is bounded, since each one lives on every
// pooled connection until it closes.
//
// A schema change on another node (a migration adding a column) makes PostgreSQL refuse a prepared `select *`
// once ("cached plan must not change result type", 0A000): that text then gets a new name, so the next call
// prepares it afresh instead of failing again.
import pg from "pg";

/** Distinct named texts at most; later texts stay unnamed (a pooled connection keeps each name it prepared). */
const MAX_NAMED = 500;
/** Texts seen once and remembered to be named on their second use; cleared when full. */
const MAX_SEEN = 5000;
/** SQLSTATE feature_not_supported: what PostgreSQL says when a prepared statement's result type changed. */
const PLAN_CHANGED = "0A000";

/** Which SQL texts are sent as named statements, shared by every connection of one pool. */
export class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #seen = new Set<string>();
  #next = 0;

  /** The name for `text`, or undefined while it is not (yet) worth one. */
  nameOf(text: string): string | undefined {
    const name = this.#names.get(text);
    if (name !== undefined) return name;
    if (this.#names.size >= MAX_NAMED) return undefined;
    if (!this.#seen.has(text)) {
      if (this.#seen.size >= MAX_SEEN) this.#seen.clear();
      this.#seen.add(text);
      return undefined;
    }
    this.#seen.delete(text);
    const fresh = `omadm_${++this.#next}`;
    this.#names.set(text, fresh);
    return fresh;
  }

  /** The named statement of `text` went stale on the server: the next call prepares it under a new name. */
  forget(text: string): void {
    this.#names.delete(text);
    this.#seen.add(text);
  }
}

type QueryArgs = Parameters<pg.Client["query"]>;

function hasCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}

/** A pg.Client class whose `query(text, values)` (Kysely's only form) names the texts `names` chooses. */
export function namingClient(names: StatementNames): typeof pg.Client {
  return class NamingClient extends pg.Client {
    // pg's query has many overloads; only the (text, values) promise form is rewritten, the rest passes through.
    override query(...args: unknown[]): never {
      const [text, values, callback] = args;
      const name =
        typeof text === "string" && Array.isArray(values) && values.length > 0 && callback === undefined
          ? names.nameOf(text)
          : undefined;
      if (name === undefined) return (super.query as (...a: unknown[]) => never)(...(args as QueryArgs));
      const result = super.query({ name, text: text as string, values: values as unknown[] });
      return result.catch((error: unknown) => {
        if (hasCode(error, PLAN_CHANGED)) names.forget(text as string);
        throw error;
      }) as never;
    }
  };
}
