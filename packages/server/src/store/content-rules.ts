// Input checks for alerts, notifications, repository items, uploads, UI sessions, API tokens, capabilities and
// audit records, shared by
// every store implementation.
import { ServerError, ServerErrorCode } from "../errors.js";
import { invalid, jsonRoundTrip, requireInt, requireOneOf, requireStrings, requireText } from "./rules.js";
import type { JsonValue } from "./types.js";
import type { NewAlert, NewNotificationRecord } from "./types-session.js";
import { NotificationOutcome } from "./types-session.js";
import { ApiScope, CapabilityKind } from "./types-content.js";
import type {
  NewApiToken,
  NewAuditRecord,
  NewCapability,
  NewRepositoryItem,
  NewUiSession,
  NewUpload,
} from "./types-content.js";

function optionalText(value: string | null | undefined, what: string): string | null {
  return value == null ? null : requireText(value, what);
}

function requireBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${what} must be a byte array`);
  return value;
}

export interface CheckedAlert {
  readonly deviceId: string;
  readonly sessionId: string | null;
  readonly alertType: string;
  readonly sourceUri: string | null;
  readonly targetUri: string | null;
  readonly mark: string | null;
  readonly dataType: string | null;
  readonly data: JsonValue | null;
}

export function checkAlert(input: NewAlert): CheckedAlert {
  return {
    deviceId: requireText(input.deviceId, "deviceId"),
    sessionId: optionalText(input.sessionId, "sessionId"),
    alertType: requireText(input.alertType, "AlertType"),
    sourceUri: optionalText(input.sourceUri, "SourceURI"),
    targetUri: optionalText(input.targetUri, "TargetURI"),
    mark: optionalText(input.mark, "Mark"),
    dataType: optionalText(input.dataType, "DataType"),
    data: input.data === undefined ? null : jsonRoundTrip(input.data, "Data"),
  };
}

export function checkNotificationRecord(input: NewNotificationRecord) {
  return {
    deviceId: requireText(input.deviceId, "deviceId"),
    notificationId: requireInt(input.notificationId, "notificationId", 0, 0xffff),
    transport: requireText(input.transport, "transport"),
    outcome: requireOneOf(input.outcome, Object.values(NotificationOutcome), "outcome"),
    error: input.error ?? null,
  };
}

export function checkRepositoryItem(input: NewRepositoryItem) {
  return {
    path: requireText(input.path, "path"),
    deviceId: input.deviceId === null ? null : requireText(input.deviceId, "deviceId"),
    mediaType: requireText(input.mediaType, "mediaType"),
    body: requireBytes(input.body, "body"),
  };
}

/** RFC 9110 §13.1.1 If-Match: "*" matches any current item; otherwise the ETag must be the current one. */
export function checkIfMatch(ifMatch: string | undefined, currentEtag: string | null): void {
  if (ifMatch === undefined) return;
  const ok = ifMatch === "*" ? currentEtag !== null : ifMatch === currentEtag;
  if (!ok) {
    throw new ServerError(
      ServerErrorCode.REPOSITORY_PRECONDITION_FAILED,
      currentEtag === null ? "the item does not exist" : `the item's ETag is ${currentEtag}, not ${ifMatch}`,
    );
  }
}

export function checkUpload(input: NewUpload) {
  return {
    deviceId: requireText(input.deviceId, "deviceId"),
    path: requireText(input.path, "path"),
    method: requireText(input.method, "method"),
    clientUris: input.clientUris == null ? null : [...requireStrings(input.clientUris, "clientUris")],
    mediaType: requireText(input.mediaType, "mediaType"),
    body: requireBytes(input.body, "body"),
    sessionId: optionalText(input.sessionId, "sessionId"),
    commandId: optionalText(input.commandId, "commandId"),
  };
}

export function checkUiSession(input: NewUiSession) {
  return {
    deviceId: requireText(input.deviceId, "deviceId"),
    template: jsonRoundTrip(input.template, "template"),
    commandId: optionalText(input.commandId, "commandId"),
    expiresAt: input.expiresAt == null ? null : requireInt(input.expiresAt, "expiresAt", 0),
  };
}

export function checkApiToken(input: NewApiToken) {
  return {
    name: requireText(input.name, "name"),
    tokenHash: requireText(input.tokenHash, "tokenHash"),
    scope: checkApiScope(input.scope ?? ApiScope.Admin),
  };
}

export function checkApiScope(scope: unknown): ApiScope {
  if (scope === ApiScope.Read || scope === ApiScope.Operator || scope === ApiScope.Admin) return scope;
  throw invalid(`scope must be read, operator or admin, not ${JSON.stringify(scope)}`);
}

const CAPABILITY_KINDS: readonly string[] = Object.values(CapabilityKind);

export function checkCapability(input: NewCapability) {
  if (!CAPABILITY_KINDS.includes(input.kind)) throw invalid(`unknown capability kind ${JSON.stringify(input.kind)}`);
  return {
    tokenHash: requireText(input.tokenHash, "tokenHash"),
    deviceId: requireText(input.deviceId, "deviceId"),
    commandId: requireText(input.commandId, "commandId"),
    sessionId: input.sessionId == null ? null : requireText(input.sessionId, "sessionId"),
    kind: input.kind,
    target: requireText(input.target, "target"),
  };
}

export function checkAuditRecord(input: NewAuditRecord): NewAuditRecord {
  const target: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.target)) if (typeof v === "string") target[k] = v;
  if (!Number.isInteger(input.status) || input.status < 100 || input.status > 599) {
    throw invalid(`audit status ${String(input.status)} is not an HTTP status`);
  }
  return {
    tokenId: input.tokenId ?? null,
    tokenName: input.tokenName ?? null,
    action: requireText(input.action, "action"),
    target,
    status: input.status,
  };
}

export function duplicateTokenHash(): ServerError {
  return invalid("a token with this hash exists");
}
