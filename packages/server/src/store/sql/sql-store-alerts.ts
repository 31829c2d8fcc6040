// SQL store: Generic Alerts and notifications (the NOTIFICATION-ID counter and the log of sent Package#0s).
import { sql, type Insertable, type Selectable } from "kysely";
import { checkAlert, checkNotificationRecord } from "../content-rules.js";
import {
  checkNotificationIdCount,
  deviceNotFound,
  firstOfNotificationIds,
  fromJsonTextOrNull,
  pageLimit,
  toJsonText,
  toPage,
} from "../rules.js";
import type { AlertStore, NotificationStore } from "../store.js";
import type { NotificationOutcome, NotificationRecord, StoredAlert } from "../types-session.js";
import { chunksOf } from "./chunks.js";
import { NOTIFICATION_COUNTER, type AlertsTable, type NotificationsTable } from "./schema.js";
import { SqlDialect } from "./migrations.js";
import { preparedRows } from "./prepared.js";
import { onForeignKeyViolation, pageBySeq, type Db, type SqlContext } from "./sql-context.js";
import { requireDevice } from "./sql-store-devices.js";

// No RETURNING: every column is known before the INSERT but `seq` (rows go in in order) and the match, which
// starts null; reading the rows back would build every column again.
const ALERT_COLUMNS = [
  "id",
  "device_id",
  "session_id",
  "alert_type",
  "source_uri",
  "target_uri",
  "mark",
  "data_type",
  "data",
  "received_at",
] as const;
const alertsInsert = (db: Db, rows: Insertable<AlertsTable>[]) => db.insertInto("alerts").values(rows);
const insertAlerts = preparedRows<Insertable<AlertsTable>, never>(ALERT_COLUMNS, alertsInsert);
/**
 * PostgreSQL, a device whose row lock the transaction holds (a DM package's alerts): the same INSERT, sent with
 * the transaction's next statement (postgres-deferred.ts). It cannot fail for a reason to tell apart: the locked
 * row cannot be deleted meanwhile (the foreign key holds) and every id is new.
 */
const insertAlertsDeferred = preparedRows<Insertable<AlertsTable>, never>(ALERT_COLUMNS, alertsInsert, {
  deferred: true,
});

// One per Package#0 sent (a store write per wake): prepared, and without RETURNING for the same reason.
const insertNotification = preparedRows<Insertable<NotificationsTable>, never>(
  ["id", "device_id", "notification_id", "transport", "sent_at", "outcome", "error"],
  (db, rows) => db.insertInto("notifications").values(rows),
);

function toAlert(row: Omit<Selectable<AlertsTable>, "seq">): StoredAlert {
  return {
    id: row.id,
    deviceId: row.device_id,
    sessionId: row.session_id,
    alertType: row.alert_type,
    sourceUri: row.source_uri,
    targetUri: row.target_uri,
    mark: row.mark,
    dataType: row.data_type,
    data: fromJsonTextOrNull(row.data),
    receivedAt: row.received_at,
    matchedCommandId: row.matched_command_id,
  };
}

function toNotification(row: Omit<Selectable<NotificationsTable>, "seq">): NotificationRecord {
  return {
    id: row.id,
    deviceId: row.device_id,
    notificationId: row.notification_id,
    transport: row.transport,
    sentAt: row.sent_at,
    outcome: row.outcome as NotificationOutcome,
    error: row.error,
  };
}

export function createSqlAlerts(ctx: SqlContext): AlertStore {
  return {
    record: async (inputs) => {
      const checked = inputs.map(checkAlert);
      if (checked.length === 0) return [];
      return ctx.transaction(async (trx) => {
        const devices = [...new Set(checked.map((a) => a.deviceId))];
        // One device (every DM package): the foreign key checks it; several: each is checked first, by name.
        if (devices.length > 1) for (const deviceId of devices) await requireDevice(trx, deviceId);
        const locked = ctx.dialect === SqlDialect.Postgres && devices.length === 1 && ctx.holdsDevice(devices[0] ?? "");
        const now = ctx.now();
        const stored: StoredAlert[] = [];
        for (const chunk of chunksOf(checked)) {
          const values = chunk.map((a) => ({
            id: ctx.newId(),
            device_id: a.deviceId,
            session_id: a.sessionId,
            alert_type: a.alertType,
            source_uri: a.sourceUri,
            target_uri: a.targetUri,
            mark: a.mark,
            data_type: a.dataType,
            data: a.data === null ? null : toJsonText(a.data, "Data"),
            received_at: now,
          }));
          const insert = () => (locked ? insertAlertsDeferred : insertAlerts)(trx, values);
          await onForeignKeyViolation(insert, () => deviceNotFound(devices[0] ?? ""));
          for (const v of values) stored.push(toAlert({ matched_command_id: null, ...v }));
        }
        return stored;
      });
    },
    get: async (id) => {
      const row = await ctx.db().selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : toAlert(row);
    },
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("alerts").selectAll();
      if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
      if (query.sessionId !== undefined) q = q.where("session_id", "=", query.sessionId);
      if (query.alertType !== undefined) q = q.where("alert_type", "=", query.alertType);
      const rows = await pageBySeq(q, query, limit).execute();
      const page = toPage(rows, limit, (r) => [r.seq]);
      return { items: page.items.map(toAlert), nextCursor: page.nextCursor };
    },
  };
}

export function createSqlNotifications(ctx: SqlContext): NotificationStore {
  return {
    // One UPDATE … RETURNING: atomic across connections and server nodes; uint16 wrap (docs/protocol.md §2.4).
    nextId: async (count = 1) => {
      checkNotificationIdCount(count);
      const row = await ctx
        .db()
        .updateTable("counters")
        .set({ value: sql<number>`(value + ${count}) % 65536` })
        .where("name", "=", NOTIFICATION_COUNTER)
        .returning("value")
        .executeTakeFirstOrThrow();
      return firstOfNotificationIds(row.value, count);
    },
    record: async (input) => {
      const n = checkNotificationRecord(input);
      return ctx.transaction(async (trx) => {
        await requireDevice(trx, n.deviceId);
        const row = {
          id: ctx.newId(),
          device_id: n.deviceId,
          notification_id: n.notificationId,
          transport: n.transport,
          sent_at: ctx.now(),
          outcome: n.outcome,
          error: n.error,
        };
        await insertNotification(trx, [row]);
        return toNotification(row);
      });
    },
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("notifications").selectAll();
      if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
      const rows = await pageBySeq(q, query, limit).execute();
      const page = toPage(rows, limit, (r) => [r.seq]);
      return { items: page.items.map(toNotification), nextCursor: page.nextCursor };
    },
  };
}
