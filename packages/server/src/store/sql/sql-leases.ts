// SQL store: leases (SQLite and PostgreSQL) over the table of migration 0009. Taking a lease is one conditional
// upsert: the row is inserted, or overwritten only when this holder already has it or it has expired; the row
// comes back (RETURNING) only when the write happened. PostgreSQL makes INSERT … ON CONFLICT DO UPDATE atomic
// under concurrency (a racing insert waits for the other's row and then evaluates the WHERE against it), so two
// nodes asking at once get exactly one true; SQLite serializes writers anyway. Expiry is judged by the asking
// node's clock, so nodes' clocks must agree to well within a lease's time to live (docs/operations.md).
import type { Kysely } from "kysely";
import { checkLease, checkTtl } from "../lease-rules.js";
import type { LeaseStore } from "../types-lease.js";
import type { SqlContext } from "./sql-context.js";
import { LEASES_TABLE } from "./migration-0009-leases.js";

interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}
type LeasesDb = Kysely<{ [LEASES_TABLE]: LeasesTable }>;

export function createSqlLeases(ctx: SqlContext): LeaseStore {
  const db = (): LeasesDb => ctx.db() as unknown as LeasesDb;
  return {
    acquire: async (nameIn, holderIn, ttlIn) => {
      const { name, holder } = checkLease(nameIn, holderIn);
      const ttlMs = checkTtl(ttlIn);
      const now = ctx.now();
      const row = await db()
        .insertInto(LEASES_TABLE)
        .values({ name, holder, expires_at: now + ttlMs })
        .onConflict((oc) =>
          oc
            .column("name")
            .doUpdateSet((eb) => ({ holder: eb.ref("excluded.holder"), expires_at: eb.ref("excluded.expires_at") }))
            .where((eb) =>
              eb.or([eb(`${LEASES_TABLE}.holder`, "=", holder), eb(`${LEASES_TABLE}.expires_at`, "<=", now)]),
            ),
        )
        .returning("holder")
        .executeTakeFirst();
      return row !== undefined;
    },
    release: async (nameIn, holderIn) => {
      const { name, holder } = checkLease(nameIn, holderIn);
      await db().deleteFrom(LEASES_TABLE).where("name", "=", name).where("holder", "=", holder).execute();
    },
  };
}
