// /api/v1/alerts, /notifications, /sessions: what happened around DM sessions, read-only. Generic Alerts are
// kept as received, unknown types included (docs/protocol.md §3.4); notifications are the Package#0 log.
import { Type } from "typebox";
import { ServerError, ServerErrorCode } from "../errors.js";
import { SessionStatus } from "../store/types-session.js";
import { SortOrder } from "../store/types.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { defined, IdParams, mapPage, OrderQuery, PageOf, PageQuery, pageArgs } from "./common-schemas.js";
import { LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import {
  alertView,
  AlertView,
  notificationView,
  NotificationView,
  sessionView,
  SessionView,
} from "./record-schemas.js";

const C = ServerErrorCode;
const OptionalText = Type.Optional(Type.String({ minLength: 1 }));

const AlertQuery = Type.Object({
  deviceId: OptionalText,
  sessionId: OptionalText,
  type: Type.Optional(Type.String({ minLength: 1, description: "AlertType URN, exact" })),
  ...OrderQuery,
  ...PageQuery,
});
const NotificationQuery = Type.Object({ deviceId: OptionalText, ...OrderQuery, ...PageQuery });
const SessionQuery = Type.Object({
  deviceId: OptionalText,
  status: Type.Optional(Type.Enum(Object.values(SessionStatus))),
  // Newest first by default: who lists sessions wants the recent ones (docs/operations.md, keyset pages).
  order: Type.Optional(
    Type.Enum([SortOrder.Desc, SortOrder.Asc], { description: "desc (default): newest first; asc: oldest first" }),
  ),
  ...PageQuery,
});

export function registerEventRoutes(app: ApiApp, ctx: ApiContext): void {
  const { store } = ctx;

  app.get(
    "/alerts",
    {
      schema: {
        tags: ["alerts"],
        operationId: "listAlerts",
        summary: "List Generic Alerts (arrival order; filter by device, session, AlertType)",
        querystring: AlertQuery,
        response: { 200: PageOf(AlertView), ...problemResponses(...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { deviceId, sessionId, type, order } = request.query;
      const page = await store.alerts.list({
        ...defined({ deviceId, sessionId, alertType: type, order }),
        ...pageArgs(request.query),
      });
      return mapPage(page, alertView);
    },
  );

  app.get(
    "/alerts/:id",
    {
      schema: {
        tags: ["alerts"],
        operationId: "getAlert",
        summary: "Read one Generic Alert",
        params: IdParams,
        response: { 200: AlertView, ...problemResponses(C.ALERT_NOT_FOUND) },
      },
    },
    async (request) => {
      const alert = await store.alerts.get(request.params.id);
      if (alert === null) throw new ServerError(C.ALERT_NOT_FOUND, `no alert ${request.params.id}`);
      return alertView(alert);
    },
  );

  app.get(
    "/notifications",
    {
      schema: {
        tags: ["notifications"],
        operationId: "listNotifications",
        summary: "List the Package#0 notifications sent (or attempted)",
        querystring: NotificationQuery,
        response: { 200: PageOf(NotificationView), ...problemResponses(...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { deviceId, order } = request.query;
      const page = await store.notifications.list({ ...defined({ deviceId, order }), ...pageArgs(request.query) });
      return mapPage(page, notificationView);
    },
  );

  app.get(
    "/sessions",
    {
      schema: {
        tags: ["sessions"],
        operationId: "listSessions",
        summary: "List DM sessions (newest first unless order=asc; filter by device, status)",
        querystring: SessionQuery,
        response: { 200: PageOf(SessionView), ...problemResponses(...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { deviceId, status, order = SortOrder.Desc } = request.query;
      const page = await store.sessions.list({ ...defined({ deviceId, status }), order, ...pageArgs(request.query) });
      return mapPage(page, sessionView);
    },
  );

  app.get(
    "/sessions/:id",
    {
      schema: {
        tags: ["sessions"],
        operationId: "getSession",
        summary: "Read one DM session",
        params: IdParams,
        response: { 200: SessionView, ...problemResponses(C.SESSION_NOT_FOUND) },
      },
    },
    async (request) => {
      const session = await store.sessions.get(request.params.id);
      if (session === null) throw new ServerError(C.SESSION_NOT_FOUND, `no session ${request.params.id}`);
      return sessionView(session);
    },
  );
}
