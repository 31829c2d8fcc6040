// SQL store: the bootstrap role's remote targets (migration 0015_bootstrap_targets), the part of BootstrapStore
// that sql-store-bootstrap.ts spreads into its own.
import type { Kysely, Selectable } from "kysely";
import type { BootstrapStore } from "../bootstrap-store.js";
import { checkRemoteTarget } from "../bootstrap-rules.js";
import type { RemoteTarget } from "../types-bootstrap.js";
import type { BootstrapDatabase, BootstrapTargetsTable } from "./schema-bootstrap.js";
import type { Db, SqlContext } from "./sql-context.js";

type BDb = Kysely<BootstrapDatabase>;
const view = (db: Db): BDb => db as unknown as BDb;

function toTarget(row: Selectable<BootstrapTargetsTable>): RemoteTarget {
  return {
    id: row.id,
    srvId: row.srv_id,
    srvUri: row.srv_uri,
    apiBaseUrl: row.api_base_url,
    token: row.token,
    caPem: row.ca_pem,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createSqlBootstrapTargets(
  ctx: SqlContext,
): Pick<BootstrapStore, "putTarget" | "getTarget" | "listTargets" | "deleteTarget"> {
  const db = (): BDb => view(ctx.db());
  return {
    putTarget: async (input) => {
      const t = checkRemoteTarget(input);
      const now = ctx.now();
      const fields = {
        srv_id: t.srvId,
        srv_uri: t.srvUri,
        api_base_url: t.apiBaseUrl,
        token: t.token,
        ca_pem: t.caPem,
        updated_at: now,
      };
      const row = await db()
        .insertInto("bootstrap_targets")
        .values({ id: t.id, ...fields, created_at: now })
        .onConflict((oc) => oc.column("id").doUpdateSet(fields))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTarget(row);
    },
    getTarget: async (id) => {
      const row = await db().selectFrom("bootstrap_targets").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : toTarget(row);
    },
    listTargets: async () => {
      const rows = await db().selectFrom("bootstrap_targets").selectAll().orderBy("id").execute();
      return rows.map(toTarget);
    },
    deleteTarget: async (id) => {
      const r = await db().deleteFrom("bootstrap_targets").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
