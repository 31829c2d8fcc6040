// SQL store, commands: queueing. A new command is one INSERT under the device's lock; an idempotency key that
// was used before gives the first command back (or IDEMPOTENCY_CONFLICT), never a second one. PostgreSQL
// queues one or many in one statement (sql-commands-pg-enqueue.ts); SQLite runs under the commit group's lock.
import type { Insertable } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { checkNewCommand, commandsEqual } from "../queue-rules.js";
import { deviceNotFound, toJsonText } from "../rules.js";
import type { CommandStore } from "../store.js";
import { CommandState, type EnqueueResult, type NewCommand } from "../types.js";
import { SqlDialect } from "./migrations.js";
import { enqueuePg, type PgNewCommand } from "./sql-commands-pg-enqueue.js";
import { byKeyQuery, correlationColumns, toCommand } from "./sql-commands-rows.js";
import type { CommandsTable } from "./schema.js";
import { prepared } from "./prepared.js";
import { onForeignKeyViolation, type SqlContext } from "./sql-context.js";

type CommandsTableInsert = Insertable<CommandsTable>;

const INSERT_COLUMNS = [
  "id",
  "device_id",
  "name",
  "p2",
  "idempotency_key",
  "state",
  "created_at",
  "updated_at",
  "expires_at",
  "attempts",
  "delivery",
  "max_deliveries",
  "async_source_uri",
  "async_server_uri",
] as const;
// No RETURNING: every column but `seq` is known before the INSERT (the others start null), and reading the
// row back would build all of its columns again.
const insertQuery = prepared((db, p: CommandsTableInsert) =>
  db.insertInto("commands").values(Object.fromEntries(INSERT_COLUMNS.map((c) => [c, p[c]])) as CommandsTableInsert),
);
export function createSqlEnqueue(ctx: SqlContext): Pick<CommandStore, "enqueue" | "enqueueMany"> {
  const toInsert = (input: NewCommand) => {
    const c = checkNewCommand(input);
    return { id: ctx.newId(), c, p2: toJsonText([c.name, ...c.params], "params") };
  };
  if (ctx.dialect === SqlDialect.Postgres) {
    return {
      enqueue: async (input) => {
        const [result] = await enqueuePg(ctx.db(), [toInsert(input)], ctx.now());
        if (result === undefined) throw new Error("enqueue gave no result");
        if ("error" in result) throw result.error;
        return result;
      },
      enqueueMany: async (inputs) => {
        const out: (EnqueueResult | { readonly error: ServerError } | undefined)[] = [];
        const items: PgNewCommand[] = [];
        const at: number[] = [];
        for (const input of inputs) {
          try {
            items.push(toInsert(input));
            at.push(out.length);
            out.push(undefined);
          } catch (error) {
            // An input the checks refuse is its own result; the others are queued.
            if (!(error instanceof ServerError)) throw error;
            out.push({ error });
          }
        }
        const results = await enqueuePg(ctx.db(), items, ctx.now());
        results.forEach((r, i) => (out[at[i] as number] = r));
        return out as (EnqueueResult | { readonly error: ServerError })[];
      },
    };
  }
  return {
    enqueue: async (input) => {
      const c = checkNewCommand(input);
      const p2 = toJsonText([c.name, ...c.params], "params");
      return ctx.transaction(async (trx) => {
        await ctx.lock(trx, c.deviceId);
        if (c.idempotencyKey !== null) {
          const existing = await byKeyQuery.first(trx, { deviceId: c.deviceId, key: c.idempotencyKey });
          if (existing !== undefined) {
            const command = toCommand(existing);
            if (!commandsEqual(command, c)) {
              throw new ServerError(
                ServerErrorCode.IDEMPOTENCY_CONFLICT,
                `idempotency key ${c.idempotencyKey} was used for a different command`,
              );
            }
            return { command, created: false };
          }
        }
        const now = ctx.now();
        const row = {
          id: ctx.newId(),
          device_id: c.deviceId,
          name: c.name,
          p2,
          idempotency_key: c.idempotencyKey,
          state: CommandState.Queued,
          created_at: now,
          updated_at: now,
          expires_at: c.expiresAt,
          attempts: 0,
          delivery: c.delivery,
          max_deliveries: c.maxDeliveries,
          ...correlationColumns(c.correlation),
          // What a new command has not had yet: the INSERT leaves them to their defaults (null), and the
          // command returned is read off this row. One literal: a property added after a leading spread
          // costs Node 20's V8 about 0.7 µs each (ARCHITECTURE.md, invariant 20).
          sent_at: null,
          completed_at: null,
          session_id: null,
          package_no: null,
          position: null,
          status_code: null,
          result: null,
          reason: null,
        };
        const inserted = await onForeignKeyViolation(
          () => insertQuery.run(trx, row),
          () => deviceNotFound(c.deviceId),
        );
        if (inserted !== 1) throw new Error(`the INSERT of command ${row.id} changed ${inserted} rows`);
        return { command: toCommand(row), created: true };
      });
    },
  };
}
