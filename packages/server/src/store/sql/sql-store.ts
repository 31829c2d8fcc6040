// Composes the per-concern SQL modules into one Store over a Kysely handle (SQLite or PostgreSQL), each
// method guarded by sql-errors.ts.
import { StoreKind, type Store } from "../store.js";
import type { SqlContext } from "./sql-context.js";
import { guardMethods } from "./sql-errors.js";
import { createSqlAlerts, createSqlNotifications } from "./sql-store-alerts.js";
import { createSqlCommands } from "./sql-store-commands.js";
import { createSqlDevices } from "./sql-store-devices.js";
import { createSqlRepository } from "./sql-store-repository.js";
import { createSqlSessions } from "./sql-store-sessions.js";
import { createSqlApiTokens, createSqlUiSessions } from "./sql-store-ui-tokens.js";

export function createSqlStore(
  kind: typeof StoreKind.Sqlite | typeof StoreKind.Postgres,
  ctx: SqlContext & { markClosed(): void },
  destroy: () => Promise<void>,
): Store {
  let closing: Promise<void> | undefined;
  return {
    kind,
    devices: guardMethods(createSqlDevices(ctx)),
    commands: guardMethods(createSqlCommands(ctx)),
    sessions: guardMethods(createSqlSessions(ctx)),
    alerts: guardMethods(createSqlAlerts(ctx)),
    notifications: guardMethods(createSqlNotifications(ctx)),
    repository: guardMethods(createSqlRepository(ctx)),
    uiSessions: guardMethods(createSqlUiSessions(ctx)),
    apiTokens: guardMethods(createSqlApiTokens(ctx)),
    close: () => {
      if (closing === undefined) {
        ctx.markClosed();
        closing = destroy();
      }
      return closing;
    },
  };
}
