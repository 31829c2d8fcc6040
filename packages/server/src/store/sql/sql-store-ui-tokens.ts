// SQL store: SHOW UI sessions (Web Server Component) and operator API tokens.
import type { Selectable } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { checkApiToken, checkUiSession, duplicateTokenHash } from "../content-rules.js";
import { checkUiTransition, commandNotFound, fromJsonText, fromJsonTextOrNull, invalid } from "../rules.js";
import { pageLimit, requireText, sweepLimit, toJsonText, toPage, uiIllegal, uiSessionNotFound } from "../rules.js";
import type { ApiTokenStore, UiSessionStore } from "../store.js";
import { UiSessionState, type ApiScope, type ApiToken, type UiSession } from "../types-content.js";
import type { ApiTokensTable, UiSessionsTable } from "./schema.js";
import { onUniqueViolation, pageByPair, type Db, type SqlContext } from "./sql-context.js";
import { requireDevice } from "./sql-store-devices.js";

type UiRow = Selectable<UiSessionsTable>;

function toUi(row: UiRow): UiSession {
  return {
    id: row.id,
    deviceId: row.device_id,
    template: fromJsonText(row.template),
    state: row.state as UiSessionState,
    result: fromJsonTextOrNull(row.result),
    commandId: row.command_id,
    createdAt: row.created_at,
    openedAt: row.opened_at,
    completedAt: row.completed_at,
    expiresAt: row.expires_at,
  };
}

function toToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope as ApiScope,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

const LIVE = [UiSessionState.Pending, UiSessionState.Opened];

async function requireUi(db: Db, id: string): Promise<UiRow> {
  const row = await db.selectFrom("ui_sessions").selectAll().where("id", "=", id).executeTakeFirst();
  if (row === undefined) throw uiSessionNotFound(id);
  return row;
}

/** The SHOW command must exist and belong to the UI session's device. */
async function checkLinkable(db: Db, commandId: string, deviceId: string): Promise<void> {
  const command = await db.selectFrom("commands").select("device_id").where("id", "=", commandId).executeTakeFirst();
  if (command === undefined) throw commandNotFound(commandId);
  if (command.device_id !== deviceId) throw invalid(`command ${commandId} is not a command of device ${deviceId}`);
}

export function createSqlUiSessions(ctx: SqlContext): UiSessionStore {
  /** Moves a live UI session to `to`; conditional on its state, so concurrent answers cannot both win. */
  const move = (id: string, to: UiSessionState, set: (row: UiRow, now: number) => Partial<UiRow>) =>
    ctx.transaction(async (trx) => {
      const row = await requireUi(trx, id);
      const now = ctx.now();
      checkUiTransition({ id, state: row.state as UiSessionState, expiresAt: row.expires_at }, to, now);
      const updated = await trx
        .updateTable("ui_sessions")
        .set({ state: to, ...set(row, now) })
        .where("id", "=", id)
        .where("state", "in", LIVE)
        .returningAll()
        .executeTakeFirst();
      if (updated === undefined) throw uiIllegal(id, row.state as UiSessionState, to);
      return toUi(updated);
    });

  return {
    create: async (input) => {
      const u = checkUiSession(input);
      const id = input.id === undefined ? ctx.newId() : requireText(input.id, "UI session id");
      return ctx.transaction(async (trx) => {
        await requireDevice(trx, u.deviceId);
        if (u.commandId !== null) await checkLinkable(trx, u.commandId, u.deviceId);
        const row = await onUniqueViolation(
          () =>
            trx
              .insertInto("ui_sessions")
              .values({
                id,
                device_id: u.deviceId,
                template: toJsonText(u.template, "template"),
                state: UiSessionState.Pending,
                command_id: u.commandId,
                created_at: ctx.now(),
                expires_at: u.expiresAt,
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          () => invalid(`UI session ${id} exists`),
        );
        return toUi(row);
      });
    },
    get: async (id) => {
      const row = await ctx.db().selectFrom("ui_sessions").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : toUi(row);
    },
    linkCommand: async (id, commandId) =>
      ctx.transaction(async (trx) => {
        const row = await requireUi(trx, id);
        await checkLinkable(trx, commandId, row.device_id);
        const updated = await trx
          .updateTable("ui_sessions")
          .set({ command_id: commandId })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toUi(updated);
      }),
    markOpened: (id) => move(id, UiSessionState.Opened, (row, now) => ({ opened_at: row.opened_at ?? now })),
    complete: async (id, result) => {
      const json = toJsonText(result, "result");
      return move(id, UiSessionState.Completed, (_row, now) => ({ result: json, completed_at: now }));
    },
    expireDue: async (options = {}) => {
      const limit = sweepLimit(options);
      const now = ctx.now();
      const update = ctx.db().updateTable("ui_sessions").set({ state: UiSessionState.Expired });
      let q = update.where("state", "in", LIVE).where("expires_at", "<=", now);
      if (Number.isFinite(limit)) {
        q = update.where("id", "in", (eb) =>
          eb
            .selectFrom("ui_sessions")
            .select("id")
            .where("state", "in", LIVE)
            .where("expires_at", "<=", now)
            .limit(limit),
        );
      }
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("ui_sessions").selectAll();
      if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
      if (query.state !== undefined) q = q.where("state", "=", query.state);
      const rows = await pageByPair(q, ["created_at", "id"], ["number", "string"], query, limit).execute();
      const page = toPage(rows, limit, (r) => [r.created_at, r.id]);
      return { items: page.items.map(toUi), nextCursor: page.nextCursor };
    },
  };
}

export function createSqlApiTokens(ctx: SqlContext): ApiTokenStore {
  return {
    create: async (input) => {
      const t = checkApiToken(input);
      const row = await onUniqueViolation(
        () =>
          ctx
            .db()
            .insertInto("api_tokens")
            .values({ id: ctx.newId(), name: t.name, token_hash: t.tokenHash, scope: t.scope, created_at: ctx.now() })
            .returningAll()
            .executeTakeFirstOrThrow(),
        duplicateTokenHash,
      );
      return toToken(row);
    },
    use: async (tokenHash) => {
      const row = await ctx
        .db()
        .updateTable("api_tokens")
        .set({ last_used_at: ctx.now() })
        .where("token_hash", "=", tokenHash)
        .where("revoked_at", "is", null)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? null : toToken(row);
    },
    revoke: async (id) =>
      ctx.transaction(async (trx) => {
        const row = await trx.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst();
        if (row === undefined) throw new ServerError(ServerErrorCode.API_TOKEN_NOT_FOUND, `no API token ${id}`);
        if (row.revoked_at !== null) return toToken(row);
        const updated = await trx
          .updateTable("api_tokens")
          .set({ revoked_at: ctx.now() })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toToken(updated);
      }),
    list: async () => {
      const rows = await ctx.db().selectFrom("api_tokens").selectAll().orderBy("created_at").orderBy("id").execute();
      return rows.map(toToken);
    },
  };
}
