// The SQL webhook store (SQLite and PostgreSQL) over the tables of migration 0014. `advance` is a conditional
// update on the cursor, so two dispatchers (two nodes before the delivery lease, or a slow one after losing it)
// never both move it, and the dead letter goes in with the cursor move or not at all.
import type { Kysely, Selectable } from "kysely";
import type { ServerEvent } from "../../events/event-types.js";
import { decodeCursor, pageLimit, toPage } from "../rules.js";
import type { DeadLetter, Webhook, WebhookStore } from "../types-webhooks.js";
import { checkAdvance, checkNewWebhook, checkWebhookPatch, clipError } from "../webhook-rules.js";
import { deadLetterNotFound, webhookNotFound } from "../webhook-rules.js";
import type { SqlContext } from "./sql-context.js";
import { sqlGuard } from "./sql-errors.js";
import { DEAD_LETTERS_TABLE, WEBHOOKS_TABLE } from "./migration-0014-webhooks.js";

interface WebhooksTable {
  id: string;
  url: string;
  kinds: string;
  enabled: number;
  secret: string;
  cursor: number;
  created_at: number;
  updated_at: number;
}
interface DeadLettersTable {
  webhook_id: string;
  event_id: number;
  event: string;
  attempts: number;
  last_error: string;
  failed_at: number;
}
type WebhookDb = Kysely<{ [WEBHOOKS_TABLE]: WebhooksTable; [DEAD_LETTERS_TABLE]: DeadLettersTable }>;

export function createSqlWebhooks(ctx: SqlContext): WebhookStore {
  const db = (): WebhookDb => ctx.db() as unknown as WebhookDb;
  const inTx = <T>(fn: (trx: WebhookDb) => Promise<T>): Promise<T> =>
    ctx.transaction((trx) => fn(trx as unknown as WebhookDb));
  const guard = <T>(method: string, args: readonly unknown[], call: () => Promise<T>): Promise<T> =>
    sqlGuard(call, method, args) as Promise<T>;
  const read = async (q: WebhookDb, id: string): Promise<Webhook | null> => {
    const row = await q.selectFrom(WEBHOOKS_TABLE).selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? null : toWebhook(row);
  };
  const readLetter = async (q: WebhookDb, id: string, eventId: number): Promise<DeadLetter | null> => {
    const row = await q
      .selectFrom(DEAD_LETTERS_TABLE)
      .selectAll()
      .where("webhook_id", "=", id)
      .where("event_id", "=", eventId)
      .executeTakeFirst();
    return row === undefined ? null : toLetter(row);
  };
  return {
    create: (input) =>
      guard("create", [input], async () => {
        const c = checkNewWebhook(input);
        const now = ctx.now();
        const hook: Webhook = { id: ctx.newId(), ...c, createdAt: now, updatedAt: now };
        await db().insertInto(WEBHOOKS_TABLE).values(toRow(hook)).execute();
        return hook;
      }),
    get: (id) => guard("get", [id], () => read(db(), id)),
    list: () =>
      guard("list", [], async () => {
        const rows = await db().selectFrom(WEBHOOKS_TABLE).selectAll().orderBy("created_at").orderBy("id").execute();
        return rows.map(toWebhook);
      }),
    update: (id, patch) =>
      guard("update", [id, patch], async () => {
        const c = checkWebhookPatch(patch);
        return inTx(async (trx) => {
          const hook = await read(trx, id);
          if (hook === null) throw webhookNotFound(id);
          const next: Webhook = { ...hook, ...c, updatedAt: ctx.now() };
          const row = toRow(next);
          await trx
            .updateTable(WEBHOOKS_TABLE)
            .set({
              url: row.url,
              kinds: row.kinds,
              enabled: row.enabled,
              secret: row.secret,
              updated_at: row.updated_at,
            })
            .where("id", "=", id)
            .execute();
          return next;
        });
      }),
    delete: (id) =>
      guard("delete", [id], () =>
        inTx(async (trx) => {
          await trx.deleteFrom(DEAD_LETTERS_TABLE).where("webhook_id", "=", id).execute();
          const result = await trx.deleteFrom(WEBHOOKS_TABLE).where("id", "=", id).executeTakeFirst();
          return Number(result.numDeletedRows) > 0;
        }),
      ),
    advance: (id, from, to, deadLetter) =>
      guard("advance", [id, from, to], async () => {
        checkAdvance(from, to, deadLetter);
        return inTx(async (trx) => {
          const moved = await trx
            .updateTable(WEBHOOKS_TABLE)
            .set({ cursor: to })
            .where("id", "=", id)
            .where("cursor", "=", from)
            .executeTakeFirst();
          if (Number(moved.numUpdatedRows) === 0) return false;
          if (deadLetter !== undefined) {
            await trx
              .insertInto(DEAD_LETTERS_TABLE)
              .values({
                webhook_id: id,
                event_id: deadLetter.event.id,
                event: JSON.stringify(deadLetter.event),
                attempts: deadLetter.attempts,
                last_error: clipError(deadLetter.lastError),
                failed_at: ctx.now(),
              })
              .onConflict((oc) => oc.columns(["webhook_id", "event_id"]).doNothing())
              .execute();
          }
          return true;
        });
      }),
    listDeadLetters: (id, query) =>
      guard("listDeadLetters", [id, query], async () => {
        const limit = pageLimit(query);
        const [after] = query?.cursor === undefined ? [0] : decodeCursor(query.cursor, ["number"] as const);
        if ((await read(db(), id)) === null) throw webhookNotFound(id);
        const rows = await db()
          .selectFrom(DEAD_LETTERS_TABLE)
          .selectAll()
          .where("webhook_id", "=", id)
          .where("event_id", ">", after)
          .orderBy("event_id")
          .limit(limit + 1)
          .execute();
        return toPage(rows.map(toLetter), limit, (l) => [l.eventId]);
      }),
    getDeadLetter: (id, eventId) => guard("getDeadLetter", [id, eventId], () => readLetter(db(), id, eventId)),
    recordDeadLetterAttempt: (id, eventId, error) =>
      guard("recordDeadLetterAttempt", [id, eventId], () =>
        inTx(async (trx) => {
          const letter = await readLetter(trx, id, eventId);
          if (letter === null) throw deadLetterNotFound(id, eventId);
          const next: DeadLetter = {
            ...letter,
            attempts: letter.attempts + 1,
            lastError: clipError(error),
            failedAt: ctx.now(),
          };
          await trx
            .updateTable(DEAD_LETTERS_TABLE)
            .set({ attempts: next.attempts, last_error: next.lastError, failed_at: next.failedAt })
            .where("webhook_id", "=", id)
            .where("event_id", "=", eventId)
            .execute();
          return next;
        }),
      ),
    deleteDeadLetter: (id, eventId) =>
      guard("deleteDeadLetter", [id, eventId], async () => {
        const result = await db()
          .deleteFrom(DEAD_LETTERS_TABLE)
          .where("webhook_id", "=", id)
          .where("event_id", "=", eventId)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
  };
}

function toRow(h: Webhook): WebhooksTable {
  return {
    id: h.id,
    url: h.url,
    kinds: JSON.stringify(h.kinds),
    enabled: h.enabled ? 1 : 0,
    secret: h.secret,
    cursor: h.cursor,
    created_at: h.createdAt,
    updated_at: h.updatedAt,
  };
}

function toWebhook(r: Selectable<WebhooksTable>): Webhook {
  return {
    id: r.id,
    url: r.url,
    kinds: JSON.parse(r.kinds) as string[],
    enabled: r.enabled === 1,
    secret: r.secret,
    // PostgreSQL's bigint arrives as a number: postgres.ts sets the int8 parser.
    cursor: r.cursor,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toLetter(r: Selectable<DeadLettersTable>): DeadLetter {
  return {
    webhookId: r.webhook_id,
    eventId: r.event_id,
    event: JSON.parse(r.event) as ServerEvent,
    attempts: r.attempts,
    lastError: r.last_error,
    failedAt: r.failed_at,
  };
}
