// The PostgreSQL store, for several server nodes sharing one database: the same Kysely code as SQLite, with
// transaction-scoped advisory locks per device. All tables live in one schema (default "public"), selected by
// the connections' search_path, so several deployments (or parallel test runs) can share a database.
import pg from "pg";
import { Kysely, PostgresDialect } from "kysely";
import { ServerError, ServerErrorCode } from "../errors.js";
import { namingClient, released, StatementNames } from "./postgres-statements.js";
import { idSource, invalid } from "./rules.js";
import { migrateToLatest, SqlDialect } from "./sql/migrations.js";
import type { Database } from "./sql/schema.js";
import { createSqlContext, isUniqueViolation } from "./sql/sql-context.js";
import { createSqlStore } from "./sql/sql-store.js";
import { StoreKind, type Store } from "./store.js";
import type { StoreDeps } from "./types.js";

export interface PostgresStoreOptions {
  /** e.g. `postgres://postgres@127.0.0.1:5432/test`. */
  readonly connectionString: string;
  /** Schema of every table, created if missing (lowercase letters, digits, underscore; default "public"). */
  readonly schema?: string | undefined;
  /** Pool size (default 10). */
  readonly maxConnections?: number | undefined;
  /**
   * Called when an idle pooled connection fails (the server restarted, the network dropped). The pool
   * replaces the connection; without a listener such an error would crash the process.
   */
  readonly onPoolError?: ((error: Error) => void) | undefined;
  /**
   * Send repeated queries as named prepared statements (default true): each connection parses and plans them
   * once (postgres-statements.ts). Turn off behind a pooler that cannot keep them per client (PgBouncer in
   * transaction mode before 1.21, or without `max_prepared_statements`).
   */
  readonly preparedStatements?: boolean | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

/** BIGINT (times, seq, counters) as JS numbers: every value we store is far below 2^53. */
function numberTypes(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, "text", (value: string) => Number(value));
  return types;
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}

export async function openPostgresStore(deps: StoreDeps, options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? "public";
  // The schema name goes into DDL and the search_path, where parameters are not allowed: allow only a safe form.
  if (!SCHEMA_NAME.test(schema)) throw invalid("schema must be lowercase letters, digits and underscores");
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    options: `-c search_path=${schema}`,
    types: numberTypes(),
    ...(options.preparedStatements === false ? {} : { Client: namingClient(new StatementNames()) }),
  });
  pool.on("error", (error) => options.onPoolError?.(error));
  pool.on("release", (_error: unknown, client: unknown) => {
    released(client);
  });
  try {
    await pool.query(`create schema if not exists ${schema}`);
  } catch (cause) {
    // Two nodes starting at once can race on CREATE SCHEMA; the loser sees a duplicate, which is fine.
    if (!isUniqueViolation(cause) && !hasCode(cause, "42P06")) {
      await pool.end();
      throw new ServerError(ServerErrorCode.STORE_UNAVAILABLE, "cannot reach the PostgreSQL store", { cause });
    }
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db as Kysely<unknown>, SqlDialect.Postgres, { schema });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const ctx = createSqlContext(SqlDialect.Postgres, db, { now: () => deps.clock.now(), newId: idSource(deps) });
  return createSqlStore(StoreKind.Postgres, ctx, () => db.destroy());
}
