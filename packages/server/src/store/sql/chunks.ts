// Multi-row writes in bounded statements. One INSERT of n rows binds n × columns parameters; SQLite refuses more
// than 32,766 in a statement ("too many SQL variables") and PostgreSQL more than 65,535. Rows go in chunks of
// ROWS_PER_STATEMENT inside the caller's transaction, so every write the server's caps allow
// (dm.maxAlertsPerPackage) fits both, with room for wide tables.

/** Rows per INSERT: 200 rows × up to 100 columns stays under both databases' parameter limits. */
export const ROWS_PER_STATEMENT = 200;

/** `items` in consecutive slices of at most `size`. */
export function chunksOf<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
