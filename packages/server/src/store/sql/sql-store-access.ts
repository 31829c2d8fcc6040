// SQL store: per-command capability tokens (hashes only) and the audit log of operator writes.
import type { Selectable } from "kysely";
import { checkAuditRecord, checkCapability } from "../content-rules.js";
import { fromJsonText, pageLimit, toJsonText, toPage } from "../rules.js";
import type { AuditStore, CapabilityStore } from "../store.js";
import { SortOrder } from "../types.js";
import type { AuditRecord, Capability, CapabilityKind } from "../types-content.js";
import type { AuditLogTable, CapabilitiesTable } from "./schema.js";
import { onUniqueViolation, pageBySeq, type SqlContext } from "./sql-context.js";
import { requireDevice } from "./sql-store-devices.js";
import { invalid } from "../rules.js";

function toCapability(row: Selectable<CapabilitiesTable>): Capability {
  return {
    tokenHash: row.token_hash,
    deviceId: row.device_id,
    commandId: row.command_id,
    sessionId: row.session_id,
    kind: row.kind as CapabilityKind,
    target: row.target,
    createdAt: row.created_at,
  };
}

function toAudit(row: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    tokenId: row.token_id,
    tokenName: row.token_name,
    action: row.action,
    target: fromJsonText(row.target) as Record<string, string>,
    status: row.status,
  };
}

export function createSqlCapabilities(ctx: SqlContext): CapabilityStore {
  return {
    issue: async (input) => {
      const c = checkCapability(input);
      return ctx.transaction(async (trx) => {
        await requireDevice(trx, c.deviceId);
        const row = await onUniqueViolation(
          () =>
            trx
              .insertInto("capabilities")
              .values({
                token_hash: c.tokenHash,
                device_id: c.deviceId,
                command_id: c.commandId,
                session_id: c.sessionId,
                kind: c.kind,
                target: c.target,
                created_at: ctx.now(),
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          () => invalid("a capability with this hash exists"),
        );
        return toCapability(row);
      });
    },
    find: async (tokenHash) => {
      const row = await ctx
        .db()
        .selectFrom("capabilities")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .executeTakeFirst();
      return row === undefined ? null : toCapability(row);
    },
  };
}

export function createSqlAudit(ctx: SqlContext): AuditStore {
  return {
    record: async (input) => {
      const a = checkAuditRecord(input);
      const row = await ctx
        .db()
        .insertInto("audit_log")
        .values({
          id: ctx.newId(),
          at: ctx.now(),
          token_id: a.tokenId,
          token_name: a.tokenName,
          action: a.action,
          target: toJsonText(a.target, "target"),
          status: a.status,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAudit(row);
    },
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("audit_log").selectAll();
      if (query.tokenId !== undefined) q = q.where("token_id", "=", query.tokenId);
      if (query.action !== undefined) q = q.where("action", "=", query.action);
      if (query.since !== undefined) q = q.where("at", ">=", query.since);
      if (query.until !== undefined) q = q.where("at", "<", query.until);
      const order = query.order ?? SortOrder.Desc;
      const rows = await pageBySeq(q, { ...query, order }, limit).execute();
      const page = toPage(rows, limit, (r) => [r.seq]);
      return { items: page.items.map(toAudit), nextCursor: page.nextCursor };
    },
  };
}
