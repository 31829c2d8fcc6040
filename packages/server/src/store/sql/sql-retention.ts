// SQL store: retention. Each prune is one DELETE of at most `limit` rows, oldest first, through the indexes of
// migration 0003, so its cost is bounded by the limit and not by the size of the table. SQLite gives freed
// pages back to the file system with an incremental vacuum (the store is opened in auto_vacuum=INCREMENTAL
// mode, sqlite-space.ts); PostgreSQL's autovacuum makes the space reusable on its own.
import { CompiledQuery } from "kysely";
import { checkPrune, FINISHED_COMMAND_STATES, FINISHED_UI_SESSION_STATES } from "../retention-rules.js";
import { SessionStatus } from "../types-session.js";
import { RetainedKind, type RetentionStore } from "../types-retention.js";
import { SqlDialect } from "./migrations.js";
import type { Db, SqlContext } from "./sql-context.js";

async function deleteSome(trx: Db, kind: RetainedKind, before: number, limit: number): Promise<bigint> {
  switch (kind) {
    case RetainedKind.Sessions: {
      const due = trx
        .selectFrom("sessions")
        .select("id")
        .where("ended_at", "<", before)
        .where("status", "!=", SessionStatus.Open)
        .orderBy("ended_at")
        .limit(limit);
      return (await trx.deleteFrom("sessions").where("id", "in", due).executeTakeFirst()).numDeletedRows;
    }
    case RetainedKind.Commands: {
      const due = trx
        .selectFrom("commands")
        .select("seq")
        .where("completed_at", "<", before)
        .where("state", "in", FINISHED_COMMAND_STATES)
        .orderBy("completed_at")
        .limit(limit);
      return (await trx.deleteFrom("commands").where("seq", "in", due).executeTakeFirst()).numDeletedRows;
    }
    case RetainedKind.Alerts: {
      const due = trx.selectFrom("alerts").select("seq").where("received_at", "<", before).orderBy("received_at");
      return (await trx.deleteFrom("alerts").where("seq", "in", due.limit(limit)).executeTakeFirst()).numDeletedRows;
    }
    case RetainedKind.Notifications: {
      const due = trx.selectFrom("notifications").select("seq").where("sent_at", "<", before).orderBy("sent_at");
      return (await trx.deleteFrom("notifications").where("seq", "in", due.limit(limit)).executeTakeFirst())
        .numDeletedRows;
    }
    case RetainedKind.Uploads: {
      const due = trx.selectFrom("uploads").select("seq").where("received_at", "<", before).orderBy("received_at");
      return (await trx.deleteFrom("uploads").where("seq", "in", due.limit(limit)).executeTakeFirst()).numDeletedRows;
    }
    case RetainedKind.Audit: {
      const due = trx.selectFrom("audit_log").select("seq").where("at", "<", before).orderBy("at");
      return (await trx.deleteFrom("audit_log").where("seq", "in", due.limit(limit)).executeTakeFirst()).numDeletedRows;
    }
    case RetainedKind.ConsoleSignIns: {
      const due = trx
        .selectFrom("console_sign_ins")
        .select("secret_hash")
        .where("ends_at", "<", before)
        .orderBy("ends_at")
        .limit(limit);
      return (await trx.deleteFrom("console_sign_ins").where("secret_hash", "in", due).executeTakeFirst())
        .numDeletedRows;
    }
    case RetainedKind.UiSessions: {
      const due = trx
        .selectFrom("ui_sessions")
        .select("id")
        .where("created_at", "<", before)
        .where("state", "in", FINISHED_UI_SESSION_STATES)
        .orderBy("created_at")
        .limit(limit);
      return (await trx.deleteFrom("ui_sessions").where("id", "in", due).executeTakeFirst()).numDeletedRows;
    }
  }
}

const FREELIST = CompiledQuery.raw("pragma freelist_count");
const INCREMENTAL_VACUUM = CompiledQuery.raw("pragma incremental_vacuum(1)");

export function createSqlRetention(ctx: SqlContext): RetentionStore {
  return {
    prune: async (kindIn, beforeIn, limitIn) => {
      const { kind, before, limit } = checkPrune(kindIn, beforeIn, limitIn);
      return Number(await ctx.transaction((trx) => deleteSome(trx, kind, before, limit)));
    },
    reclaimSpace: async (maxPages) => {
      if (ctx.dialect !== SqlDialect.Sqlite) return 0;
      const db = ctx.db();
      const freeList = async () =>
        (await db.executeQuery<{ freelist_count: number }>(FREELIST)).rows[0]?.freelist_count ?? 0;
      // better-sqlite3 runs a statement that returns no rows with one sqlite3_step, and each step of
      // incremental_vacuum frees one page: so one execution per page.
      const steps = Math.min(await freeList(), Math.max(1, Math.trunc(maxPages)), 100_000);
      for (let i = 0; i < steps; i++) await db.executeQuery(INCREMENTAL_VACUUM);
      return freeList();
    },
  };
}
