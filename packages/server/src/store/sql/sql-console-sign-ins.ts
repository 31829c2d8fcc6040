// SQL store: web console sign-ins (types-console.ts; table of migration 0016). Each method is one statement:
// `touch` moves the end with one conditional UPDATE … RETURNING, so two nodes touching at once both succeed and
// the later end wins; nothing is read and written back.
import { sql, type Selectable } from "kysely";
import { checkNewConsoleSignIn, checkSecretHash } from "../console-rules.js";
import { invalid, requireInt, requireText } from "../rules.js";
import type { ConsoleSignIn, ConsoleSignInStore } from "../types-console.js";
import type { ConsoleSignInsTable } from "./schema.js";
import { onUniqueViolation, type SqlContext } from "./sql-context.js";

function toSignIn(row: Selectable<ConsoleSignInsTable>): ConsoleSignIn {
  return {
    secretHash: row.secret_hash,
    tokenId: row.token_id,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    endsAt: row.ends_at,
  };
}

export function createSqlConsoleSignIns(ctx: SqlContext): ConsoleSignInStore {
  return {
    create: async (input) => {
      const now = ctx.now();
      const s = checkNewConsoleSignIn(input, now);
      const row = await onUniqueViolation(
        () =>
          ctx
            .db()
            .insertInto("console_sign_ins")
            .values({
              secret_hash: s.secretHash,
              token_id: s.tokenId,
              token_hash: s.tokenHash,
              created_at: now,
              last_seen_at: now,
              expires_at: s.expiresAt,
              ends_at: s.endsAt,
            })
            .returningAll()
            .executeTakeFirstOrThrow(),
        () => invalid("a console sign-in with this hash exists"),
      );
      return toSignIn(row);
    },
    find: async (secretHash) => {
      const row = await ctx
        .db()
        .selectFrom("console_sign_ins")
        .selectAll()
        .where("secret_hash", "=", checkSecretHash(secretHash))
        .where("ends_at", ">", ctx.now())
        .executeTakeFirst();
      return row === undefined ? null : toSignIn(row);
    },
    touch: async (secretHash, endsAtIn) => {
      const endsAt = requireInt(endsAtIn, "endsAt", 0);
      const now = ctx.now();
      // touchedEnd (console-rules.ts) in SQL: later only, never past the absolute end.
      const row = await ctx
        .db()
        .updateTable("console_sign_ins")
        .set({
          last_seen_at: now,
          ends_at: sql<number>`case when ${endsAt} > expires_at then expires_at when ${endsAt} > ends_at then ${endsAt} else ends_at end`,
        })
        .where("secret_hash", "=", checkSecretHash(secretHash))
        .where("ends_at", ">", now)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? null : toSignIn(row);
    },
    end: async (secretHash) => {
      const result = await ctx
        .db()
        .deleteFrom("console_sign_ins")
        .where("secret_hash", "=", checkSecretHash(secretHash))
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    endForToken: async (tokenId) => {
      const result = await ctx
        .db()
        .deleteFrom("console_sign_ins")
        .where("token_id", "=", requireText(tokenId, "tokenId"))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
