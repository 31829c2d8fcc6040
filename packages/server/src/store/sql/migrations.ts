// The SQL schema as a static map of Kysely migrations (no migration files read from disk, so the server runs
// from any working directory and from a bundle). Names sort in order; never edit a released migration, add
// the next one. Every statement is idempotent (IF NOT EXISTS / ON CONFLICT DO NOTHING) because Kysely runs
// SQLite migrations outside a transaction: a crash halfway through is repaired by running it again.
import { Migrator, sql, type CreateTableBuilder, type Kysely, type Migration } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { delivery } from "./migration-0003-delivery.js";
import { bootstrapMigration } from "./migration-bootstrap.js";
import { bootstrapTargetsMigration } from "./migration-0015-bootstrap-targets.js";
import { groupsMigration } from "./migration-0008-groups.js";
import { eventsMigration } from "./migration-0007-events.js";
import { capabilitiesMigration } from "./migration-0010-capabilities.js";
import { consoleSignInsMigration } from "./migration-0016-console-sign-ins.js";
import { auditMigration } from "./migration-0011-audit.js";
import { firmwareMigration } from "./migration-0013-firmware.js";
import { campaignsMigration } from "./migration-0012-campaigns.js";
import { leasesMigration } from "./migration-0009-leases.js";
import { webhooksMigration } from "./migration-0014-webhooks.js";
import { sessionPathIndexesMigration } from "./migration-0019-session-path-indexes.js";
import { leanSessionIndexesMigration } from "./migration-0020-lean-session-indexes.js";
import { queueProbeMigration } from "./migration-0021-queue-probe.js";
import { NOTIFICATION_COUNTER } from "./schema.js";

export const SqlDialect = { Sqlite: "sqlite", Postgres: "postgres" } as const;
export type SqlDialect = (typeof SqlDialect)[keyof typeof SqlDialect];

/** Column types that differ between the dialects. */
function columnTypes(dialect: SqlDialect) {
  const pg = dialect === SqlDialect.Postgres;
  return {
    /** Epoch milliseconds do not fit PostgreSQL's 32-bit integer. */
    time: pg ? ("bigint" as const) : ("integer" as const),
    bytes: pg ? ("bytea" as const) : ("blob" as const),
    /** Keys compare bytewise in both (SQLite's BINARY default; PostgreSQL's "C"), so lists sort alike. */
    key: pg ? sql`text collate "C"` : sql`text`,
    /** An auto-increment ordering key that is never reused. */
    seq: <T extends string, C extends string>(t: CreateTableBuilder<T, C>) =>
      pg
        ? t.addColumn("seq", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
        : t.addColumn("seq", "integer", (c) => c.primaryKey().autoIncrement()),
  };
}

function initial(dialect: SqlDialect): Migration {
  const ty = columnTypes(dialect);
  const device = "devices.id";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s
        .createTable("devices")
        .ifNotExists()
        .addColumn("id", ty.key, (c) => c.primaryKey())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("labels", "text", (c) => c.notNull())
        .addColumn("created_at", ty.time, (c) => c.notNull())
        .addColumn("updated_at", ty.time, (c) => c.notNull())
        .addColumn("first_contact_at", ty.time)
        .addColumn("last_contact_at", ty.time)
        .addColumn("dev_info", "text")
        .addColumn("dev_info_at", ty.time)
        .addColumn("mos", "text")
        .addColumn("mos_at", ty.time)
        .addColumn("noti_type", "integer")
        .addColumn("noti_secret", ty.bytes)
        .addColumn("noti_auth_data", ty.bytes)
        .addColumn("notify_address", "text")
        .addColumn("http", "text")
        .addColumn("http_username", "text", (c) => c.unique())
        .addColumn("cert_fingerprint", "text", (c) => c.unique())
        .addColumn("psk_identity", "text", (c) => c.unique())
        .addColumn("psk_key", "text")
        .execute();
      await s
        .createTable("device_labels")
        .ifNotExists()
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("device_labels_pk", ["device_id", "name"])
        .execute();
      await s
        .createIndex("device_labels_by_value")
        .ifNotExists()
        .on("device_labels")
        .columns(["name", "value"])
        .execute();

      await s
        .createTable("commands")
        .ifNotExists()
        .$call(ty.seq)
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("p2", "text", (c) => c.notNull())
        .addColumn("idempotency_key", "text")
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("created_at", ty.time, (c) => c.notNull())
        .addColumn("updated_at", ty.time, (c) => c.notNull())
        .addColumn("expires_at", ty.time)
        .addColumn("sent_at", ty.time)
        .addColumn("completed_at", ty.time)
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("session_id", "text")
        .addColumn("package_no", "integer")
        .addColumn("position", "integer")
        .addColumn("status_code", "integer")
        .addColumn("result", "text")
        .addColumn("async_source_uri", "text")
        .addColumn("async_server_uri", "text")
        .addUniqueConstraint("commands_idempotency", ["device_id", "idempotency_key"])
        .execute();
      // Hot paths: the next batch of a device (and its list), what a session has in flight, the expiry sweep.
      await s
        .createIndex("commands_queue")
        .ifNotExists()
        .on("commands")
        .columns(["device_id", "state", "seq"])
        .execute();
      await s
        .createIndex("commands_in_session")
        .ifNotExists()
        .on("commands")
        .columns(["session_id", "state"])
        .execute();
      await s.createIndex("commands_expiry").ifNotExists().on("commands").columns(["state", "expires_at"]).execute();

      await s
        .createTable("sessions")
        .ifNotExists()
        .addColumn("id", ty.key, (c) => c.primaryKey())
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("state_name", "text", (c) => c.notNull())
        .addColumn("state_data", "text", (c) => c.notNull())
        .addColumn("package_no", "integer", (c) => c.notNull())
        .addColumn("cont_token", "text", (c) => c.unique())
        .addColumn("cookie", "text", (c) => c.unique())
        .addColumn("created_at", ty.time, (c) => c.notNull())
        .addColumn("last_activity_at", ty.time, (c) => c.notNull())
        .addColumn("idle_timeout_ms", ty.time, (c) => c.notNull())
        .addColumn("idle_expires_at", ty.time, (c) => c.notNull())
        .addColumn("ended_at", ty.time)
        .addColumn("version", "integer", (c) => c.notNull())
        .execute();
      // docs/protocol.md §1.4 item 1: at most one open session per device — enforced by the database too.
      await sql`create unique index if not exists sessions_one_open on sessions (device_id) where status = 'open'`.execute(
        db,
      );
      await s
        .createIndex("sessions_idle")
        .ifNotExists()
        .on("sessions")
        .columns(["status", "idle_expires_at"])
        .execute();
      await s
        .createIndex("sessions_by_device")
        .ifNotExists()
        .on("sessions")
        .columns(["device_id", "created_at"])
        .execute();

      await s
        .createTable("alerts")
        .ifNotExists()
        .$call(ty.seq)
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("session_id", "text")
        .addColumn("alert_type", "text", (c) => c.notNull())
        .addColumn("source_uri", "text")
        .addColumn("target_uri", "text")
        .addColumn("mark", "text")
        .addColumn("data_type", "text")
        .addColumn("data", "text")
        .addColumn("received_at", ty.time, (c) => c.notNull())
        .addColumn("matched_command_id", "text")
        .execute();
      await s.createIndex("alerts_by_device").ifNotExists().on("alerts").columns(["device_id", "seq"]).execute();

      await s
        .createTable("counters")
        .ifNotExists()
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("value", ty.time, (c) => c.notNull())
        .execute();
      await sql`insert into counters (name, value) values (${NOTIFICATION_COUNTER}, 0) on conflict do nothing`.execute(
        db,
      );

      await s
        .createTable("notifications")
        .ifNotExists()
        .$call(ty.seq)
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("notification_id", "integer", (c) => c.notNull())
        .addColumn("transport", "text", (c) => c.notNull())
        .addColumn("sent_at", ty.time, (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("error", "text")
        .execute();
      await s
        .createIndex("notifications_by_device")
        .ifNotExists()
        .on("notifications")
        .columns(["device_id", "seq"])
        .execute();

      await s
        .createTable("repository_items")
        .ifNotExists()
        .addColumn("scope", ty.key, (c) => c.notNull())
        .addColumn("path", ty.key, (c) => c.notNull())
        .addColumn("media_type", "text", (c) => c.notNull())
        .addColumn("body", ty.bytes, (c) => c.notNull())
        .addColumn("size", ty.time, (c) => c.notNull())
        .addColumn("etag", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("created_at", ty.time, (c) => c.notNull())
        .addColumn("updated_at", ty.time, (c) => c.notNull())
        .addPrimaryKeyConstraint("repository_items_pk", ["scope", "path"])
        .execute();

      await s
        .createTable("uploads")
        .ifNotExists()
        .$call(ty.seq)
        .addColumn("id", "text", (c) => c.notNull().unique())
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("path", "text", (c) => c.notNull())
        .addColumn("method", "text", (c) => c.notNull())
        .addColumn("client_uris", "text")
        .addColumn("media_type", "text", (c) => c.notNull())
        .addColumn("body", ty.bytes, (c) => c.notNull())
        .addColumn("size", ty.time, (c) => c.notNull())
        .addColumn("received_at", ty.time, (c) => c.notNull())
        .addColumn("session_id", "text")
        .addColumn("command_id", "text")
        .execute();
      await s.createIndex("uploads_by_device").ifNotExists().on("uploads").columns(["device_id", "seq"]).execute();

      await s
        .createTable("ui_sessions")
        .ifNotExists()
        .addColumn("id", ty.key, (c) => c.primaryKey())
        .addColumn("device_id", ty.key, (c) => c.notNull().references(device).onDelete("cascade"))
        .addColumn("template", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("result", "text")
        .addColumn("command_id", "text")
        .addColumn("created_at", ty.time, (c) => c.notNull())
        .addColumn("opened_at", ty.time)
        .addColumn("completed_at", ty.time)
        .addColumn("expires_at", ty.time)
        .execute();
      await s
        .createIndex("ui_sessions_by_device")
        .ifNotExists()
        .on("ui_sessions")
        .columns(["device_id", "created_at"])
        .execute();
      await s
        .createIndex("ui_sessions_expiry")
        .ifNotExists()
        .on("ui_sessions")
        .columns(["state", "expires_at"])
        .execute();

      await s
        .createTable("api_tokens")
        .ifNotExists()
        .addColumn("id", ty.key, (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("created_at", ty.time, (c) => c.notNull())
        .addColumn("last_used_at", ty.time)
        .addColumn("revoked_at", ty.time)
        .execute();
    },
  };
}

/**
 * Every list of the REST API reads one index range in its page order, so a page costs O(page size) however
 * many rows the table holds (keyset pagination: `(a, b) > (cursor)`, ordered by the same columns). Each list
 * filter (state, status, device, session, alert type) has an index that ends in the list's order.
 */
const LIST_INDEXES: readonly (readonly [name: string, table: string, columns: readonly string[]])[] = [
  ["devices_by_state", "devices", ["state", "id"]],
  ["device_labels_by_value_device", "device_labels", ["name", "value", "device_id"]],
  ["commands_by_state", "commands", ["state", "seq"]],
  ["commands_by_device", "commands", ["device_id", "seq"]],
  ["commands_by_session", "commands", ["session_id", "state", "seq"]],
  ["sessions_by_status", "sessions", ["status", "created_at", "id"]],
  ["sessions_by_created", "sessions", ["created_at", "id"]],
  ["sessions_by_device_created", "sessions", ["device_id", "created_at", "id"]],
  ["alerts_by_session", "alerts", ["session_id", "seq"]],
  ["alerts_by_type", "alerts", ["alert_type", "seq"]],
  ["ui_sessions_by_created", "ui_sessions", ["created_at", "id"]],
  ["ui_sessions_by_state", "ui_sessions", ["state", "created_at", "id"]],
  ["ui_sessions_by_device_created", "ui_sessions", ["device_id", "created_at", "id"]],
];

function listIndexes(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Replaced by commands_by_session, which adds the list order: every index on `state` is one more write
      // each time a command changes state.
      await db.schema.dropIndex("commands_in_session").ifExists().execute();
      for (const [name, table, columns] of LIST_INDEXES) {
        await db.schema
          .createIndex(name)
          .ifNotExists()
          .on(table)
          .columns([...columns])
          .execute();
      }
    },
  };
}

/** The static migration map for a dialect. */
export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    "0001_initial": initial(dialect),
    "0002_list_indexes": listIndexes(),
    "0003_delivery": delivery(dialect === SqlDialect.Postgres),
    "0005_bootstrap": bootstrapMigration(dialect === SqlDialect.Postgres),
    "0007_events": eventsMigration(dialect === SqlDialect.Postgres),
    "0008_groups": groupsMigration(dialect),
    "0012_campaigns": campaignsMigration(dialect),
    "0009_leases": leasesMigration(dialect === SqlDialect.Postgres),
    "0010_capabilities": capabilitiesMigration(dialect),
    "0011_audit": auditMigration(dialect),
    "0013_firmware": firmwareMigration(dialect),
    "0014_webhooks": webhooksMigration(dialect === SqlDialect.Postgres),
    "0015_bootstrap_targets": bootstrapTargetsMigration(dialect === SqlDialect.Postgres),
    "0016_console_sign_ins": consoleSignInsMigration(dialect === SqlDialect.Postgres),
    "0019_session_path_indexes": sessionPathIndexesMigration(),
    "0020_lean_session_indexes": leanSessionIndexesMigration(dialect === SqlDialect.Postgres),
    "0021_queue_probe": queueProbeMigration(dialect === SqlDialect.Postgres),
  };
}

/** How often a migration that failed on another schema's drop (before it changed anything) is tried again. */
const CATALOG_RACE_RETRIES = 30;

/** Brings the database to the latest schema; STORE_MIGRATION_FAILED names the migration that failed. */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: SqlDialect,
  options: { readonly schema?: string | undefined } = {},
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations(dialect)) },
    // Migrations were numbered per feature while the features were built side by side, so a database may have
    // run a later number before an earlier one landed (e.g. 0015 before 0009). Each migration is independent
    // of the others' order, so running the missing ones is safe.
    allowUnorderedMigrations: true,
    ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's check for its migration table reads the catalog of every schema in the database; another
  // deployment dropping its schema at that moment fails the read with 3F000 (invalid_schema_name) before any
  // migration ran. Nothing was changed, so trying again is safe. Drops come in bursts (a test suite's schemas
  // dropped together failed about a third of the reads while they lasted), so the tries are spread over about
  // two and a half seconds rather than made back to back.
  const ranNone = () => !(results ?? []).some((r) => r.status !== "NotExecuted");
  for (let retry = 1; retry <= CATALOG_RACE_RETRIES && ranNone() && hasSqlState(error, "3F000"); retry++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(10 * retry, 100)));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "(before any migration)";
    // The database's own words (and SQLSTATE) say why: an operator reads them at start-up, nothing else sees them.
    const why = error instanceof Error ? `: ${error.message}${sqlStateOf(error)}` : "";
    throw new ServerError(ServerErrorCode.STORE_MIGRATION_FAILED, `store migration ${failed} failed${why}`, {
      cause: error,
    });
  }
}

function sqlStateOf(error: Error): string {
  return "code" in error && typeof error.code === "string" ? ` (${error.code})` : "";
}

function hasSqlState(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}
