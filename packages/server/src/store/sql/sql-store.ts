// Composes the per-concern SQL modules into one Store over a Kysely handle (SQLite or PostgreSQL).
import { StoreKind, type Store } from "../store.js";
import type { SqlContext } from "./sql-context.js";
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
    devices: createSqlDevices(ctx),
    commands: createSqlCommands(ctx),
    sessions: createSqlSessions(ctx),
    alerts: createSqlAlerts(ctx),
    notifications: createSqlNotifications(ctx),
    repository: createSqlRepository(ctx),
    uiSessions: createSqlUiSessions(ctx),
    apiTokens: createSqlApiTokens(ctx),
    close: () => {
      if (closing === undefined) {
        ctx.markClosed();
        closing = destroy();
      }
      return closing;
    },
  };
}
