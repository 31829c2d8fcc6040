// How commands, sessions, alerts, notifications, repository items, uploads, UI sessions and API tokens look
// through the API: the store's records with RFC 3339 times, minus what an operator must not see (session
// cookies and CONT tokens are a device's session credentials; token hashes never leave the store).
import { Type, type Static } from "typebox";
import { CommandState, DeliveryPolicy, type Command } from "../store/types.js";
import {
  NotificationOutcome,
  SessionStatus,
  type NotificationRecord,
  type Session,
  type StoredAlert,
} from "../store/types-session.js";
import {
  ApiScope,
  UiSessionState,
  type ApiToken,
  type AuditRecord,
  type RepositoryItemInfo,
  type UiSession,
  type UploadInfo,
} from "../store/types-content.js";
import { effectiveUiState } from "../ui/service.js";
import { iso, isoOrNull, NullableTime, Time } from "./common-schemas.js";

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);

export const CommandStates = Object.values(CommandState);

export const CommandView = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  name: Type.String({ description: "HGET, HPUT, HPOST, DELETE, EXEC, GET, SHOW, DEFAULT, SUB or UNSUB" }),
  params: Type.Array(Type.String(), { description: "The parameters in Package#2 order (docs/protocol.md §4)" }),
  item: Type.Array(Type.String(), { description: "The Package#2 item: [name, ...params]" }),
  idempotencyKey: NullableString,
  state: Type.Enum(CommandStates),
  createdAt: Time,
  updatedAt: Time,
  expiresAt: NullableTime,
  sentAt: NullableTime,
  completedAt: NullableTime,
  attempts: Type.Integer({ description: "How many Package#2s carried it (more than 1 after a requeue)" }),
  delivery: Type.Enum(Object.values(DeliveryPolicy), {
    description: "at-least-once or at-most-once: what happens when it is sent and never answered (docs/delivery.md)",
  }),
  maxDeliveries: Type.Integer({ description: "The most Package#2s it may go out in (1 for at-most-once)" }),
  reason: Type.Union([Type.String(), Type.Null()], {
    description: "Why it ended where no status code tells: never answered (failed), outcome unknown (unknown)",
  }),
  sessionId: NullableString,
  packageNo: NullableInteger,
  position: NullableInteger,
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: "The DM status code (docs/protocol.md §5)" }),
  result: Type.Union([
    Type.Object({ uris: Type.Array(Type.String()), data: Type.Unknown({ description: "GET data or alert Data" }) }),
    Type.Null(),
  ]),
  correlation: Type.Union([
    Type.Object({ sourceUri: Type.String(), serverUri: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
});
export type CommandView = Static<typeof CommandView>;

export function commandView(c: Command): CommandView {
  return {
    id: c.id,
    deviceId: c.deviceId,
    name: c.name,
    params: [...c.params],
    item: [c.name, ...c.params],
    idempotencyKey: c.idempotencyKey,
    state: c.state,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    expiresAt: isoOrNull(c.expiresAt),
    sentAt: isoOrNull(c.sentAt),
    completedAt: isoOrNull(c.completedAt),
    attempts: c.attempts,
    delivery: c.delivery,
    maxDeliveries: c.maxDeliveries,
    reason: c.reason,
    sessionId: c.sessionId,
    packageNo: c.packageNo,
    position: c.position,
    statusCode: c.statusCode,
    result: c.result === null ? null : { uris: [...c.result.uris], data: c.result.data },
    correlation: c.correlation === null ? null : { ...c.correlation },
  };
}

export const SessionView = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  status: Type.Enum(Object.values(SessionStatus)),
  stateName: Type.String(),
  packageNo: Type.Integer(),
  createdAt: Time,
  lastActivityAt: Time,
  idleTimeoutMs: Type.Integer(),
  idleExpiresAt: Time,
  endedAt: NullableTime,
});
export type SessionView = Static<typeof SessionView>;

export function sessionView(s: Session): SessionView {
  return {
    id: s.id,
    deviceId: s.deviceId,
    status: s.status,
    stateName: s.stateName,
    packageNo: s.packageNo,
    createdAt: iso(s.createdAt),
    lastActivityAt: iso(s.lastActivityAt),
    idleTimeoutMs: s.idleTimeoutMs,
    idleExpiresAt: iso(s.idleExpiresAt),
    endedAt: isoOrNull(s.endedAt),
  };
}

export const AlertView = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  sessionId: NullableString,
  alertType: Type.String({ description: "AlertType URN (docs/protocol.md §3.4, §3.5)" }),
  sourceUri: NullableString,
  targetUri: NullableString,
  mark: NullableString,
  dataType: NullableString,
  data: Type.Unknown(),
  receivedAt: Time,
  matchedCommandId: Type.Union([Type.String(), Type.Null()], {
    description: "The accepted (202) command this alert completed",
  }),
});
export type AlertView = Static<typeof AlertView>;

export function alertView(a: StoredAlert): AlertView {
  return { ...a, receivedAt: iso(a.receivedAt) };
}

export const NotificationView = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  notificationId: Type.Integer({ description: "NOTIFICATION-ID option value (docs/protocol.md §2.4)" }),
  transport: Type.String(),
  sentAt: Time,
  outcome: Type.Enum(Object.values(NotificationOutcome)),
  error: NullableString,
});
export type NotificationView = Static<typeof NotificationView>;

export function notificationView(n: NotificationRecord): NotificationView {
  return { ...n, sentAt: iso(n.sentAt) };
}

export const RepositoryItemView = Type.Object({
  path: Type.String(),
  deviceId: Type.Union([Type.String(), Type.Null()], { description: "null: shared by every device" }),
  mediaType: Type.String(),
  size: Type.Integer(),
  etag: Type.String(),
  createdAt: Time,
  updatedAt: Time,
});
export type RepositoryItemView = Static<typeof RepositoryItemView>;

export function repositoryItemView(i: RepositoryItemInfo): RepositoryItemView {
  return {
    path: i.path,
    deviceId: i.deviceId,
    mediaType: i.mediaType,
    size: i.size,
    etag: i.etag,
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
  };
}

export const UploadView = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  path: Type.String(),
  method: Type.String({ description: "PUT (HPUT, SUB report) or POST (HPOST)" }),
  clientUris: Type.Union([Type.Array(Type.String()), Type.Null()]),
  mediaType: Type.String(),
  size: Type.Integer(),
  receivedAt: Time,
  sessionId: NullableString,
  commandId: NullableString,
});
export type UploadView = Static<typeof UploadView>;

export function uploadView(u: UploadInfo): UploadView {
  return {
    id: u.id,
    deviceId: u.deviceId,
    path: u.path,
    method: u.method,
    clientUris: u.clientUris === null ? null : [...u.clientUris],
    mediaType: u.mediaType,
    size: u.size,
    receivedAt: iso(u.receivedAt),
    sessionId: u.sessionId,
    commandId: u.commandId,
  };
}

export const UiSessionView = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  template: Type.Unknown(),
  state: Type.Enum(Object.values(UiSessionState)),
  result: Type.Unknown({ description: "What the user chose or entered, once completed" }),
  commandId: Type.Union([Type.String(), Type.Null()], { description: "The SHOW command carrying the page" }),
  createdAt: Time,
  openedAt: NullableTime,
  completedAt: NullableTime,
  expiresAt: NullableTime,
});
export type UiSessionView = Static<typeof UiSessionView>;

/** `now` turns a live session past its expiry into `expired` before any sweep has marked it. */
export function uiSessionView(u: UiSession, now: number): UiSessionView {
  return {
    ...u,
    state: effectiveUiState(u, now),
    createdAt: iso(u.createdAt),
    openedAt: isoOrNull(u.openedAt),
    completedAt: isoOrNull(u.completedAt),
    expiresAt: isoOrNull(u.expiresAt),
  };
}

export const ApiTokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: Type.Enum(Object.values(ApiScope), {
    description: "read: GET only; operator: also devices, commands, groups, …; admin: also tokens and the audit log",
  }),
  createdAt: Time,
  lastUsedAt: NullableTime,
  revokedAt: NullableTime,
});
export type ApiTokenView = Static<typeof ApiTokenView>;

export function apiTokenView(t: ApiToken): ApiTokenView {
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    createdAt: iso(t.createdAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
    revokedAt: isoOrNull(t.revokedAt),
  };
}

export const AuditRecordView = Type.Object({
  id: Type.String(),
  at: Time,
  tokenId: Type.Union([Type.String(), Type.Null()], { description: "null: a loopback caller without a token" }),
  tokenName: Type.Union([Type.String(), Type.Null()]),
  action: Type.String({ description: "HTTP method and route pattern, e.g. `DELETE /api/v1/devices/:id`" }),
  target: Type.Record(Type.String(), Type.String(), { description: "The route parameters: what was written" }),
  status: Type.Integer({ description: "The HTTP status answered" }),
});
export type AuditRecordView = Static<typeof AuditRecordView>;

export function auditRecordView(a: AuditRecord): AuditRecordView {
  return {
    id: a.id,
    at: iso(a.at),
    tokenId: a.tokenId,
    tokenName: a.tokenName,
    action: a.action,
    target: { ...a.target },
    status: a.status,
  };
}
