// PostgreSQL without autovacuum (a test server may run with `autovacuum = off`, as this repository's CI machine
// does) never reclaims the dead row versions every session leaves in `devices`, `commands` and `sessions`: their
// tables and indexes bloat and a long fleet run slows down as it goes (100,000 devices on two workers: 115
// sessions/s at the start, 50 at the end, with 135,000 dead rows in `devices` and none ever vacuumed). A
// production server runs autovacuum (docs/operations.md); so where it is off, the fleet benches stand in for it
// with a `VACUUM (ANALYZE)` of the session path's tables every interval, one at a time, and say so.
import pg from "pg";

/** The tables every DM session writes. */
const TABLES = ["devices", "commands", "sessions", "notifications", "server_events"];

/** Starts the stand-in where the server's autovacuum is off; resolves with its stop (a no-op when on). */
export async function standInForAutovacuum(
  url: string,
  intervalMs: number,
  log: (line: string) => void,
): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ autovacuum: string }>("show autovacuum");
  if (rows[0]?.autovacuum !== "off") {
    await client.end();
    return () => Promise.resolve();
  }
  log(`postgres: autovacuum is off on this server; the bench runs VACUUM (ANALYZE) every ${intervalMs / 1000} s`);
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    running = running
      .then(() => (stopped ? undefined : client.query(`vacuum (analyze) ${TABLES.join(", ")}`)))
      .catch((error: unknown) => {
        log(`postgres: vacuum failed: ${error instanceof Error ? error.message : String(error)}`);
      });
  }, intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
    await client.end();
  };
}
