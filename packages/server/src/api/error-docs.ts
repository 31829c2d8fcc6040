// The documentation of every error code the REST API can answer with, and the OpenAPI response objects built
// from it. The fastify habit (test/internals/errors.test.js): test/api-openapi.test.ts fails when a code of the
// catalogue (../errors.ts) has no entry here or is missing from the OpenAPI document.
import { ServerErrorCode, ServerErrorHttpStatus } from "../errors.js";
import { ProblemSchema, PROBLEM_MEDIA_TYPE } from "../edge/problem.js";

/** What each code means for an API caller. `Partial` on purpose: a missing entry fails a test, not tsc. */
export const ERROR_CODE_DOCS: Partial<Record<ServerErrorCode, string>> = {
  OMADM_SRV_INVALID_INPUT: "A field of the request is malformed; `detail` names it.",
  OMADM_SRV_BAD_CURSOR: "The `cursor` was not issued for this list (pass back `nextCursor` unchanged).",
  OMADM_SRV_DEVICE_NOT_FOUND: "No device with this id.",
  OMADM_SRV_DEVICE_EXISTS: "A device with this id already exists.",
  OMADM_SRV_CREDENTIAL_CONFLICT:
    "Another device already uses this HTTP username, certificate fingerprint or PSK identity.",
  OMADM_SRV_COMMAND_NOT_FOUND: "No command with this id.",
  OMADM_SRV_COMMAND_ILLEGAL_TRANSITION:
    "The command is not in a state that allows this (only queued or accepted commands can be cancelled).",
  OMADM_SRV_IDEMPOTENCY_CONFLICT: "The idempotency key was already used for this device with a different command.",
  OMADM_SRV_SESSION_NOT_FOUND: "No DM session with this id.",
  OMADM_SRV_SESSION_NOT_OPEN: "The DM session is closed or idle-expired.",
  OMADM_SRV_SESSION_CONFLICT: "The DM session changed concurrently; retry.",
  OMADM_SRV_REPOSITORY_ITEM_NOT_FOUND: "No Data Repository item (or upload) at this path and scope.",
  OMADM_SRV_REPOSITORY_PRECONDITION_FAILED: "`If-Match` does not match the item's current ETag.",
  OMADM_SRV_REPOSITORY_BAD_PATH: "The repository path (or device id) is malformed; `detail` says how.",
  OMADM_SRV_REPOSITORY_FORBIDDEN: "The device may not access this repository item (devices' own HTTP access).",
  OMADM_SRV_REPOSITORY_TOO_LARGE: "The item or upload exceeds the repository's size limit.",
  OMADM_SRV_REPOSITORY_BAD_CONTENT: "The content does not match its media type (e.g. malformed JSON MO data).",
  OMADM_SRV_REPOSITORY_UNSUPPORTED_MEDIA_TYPE: "The repository does not accept this media type.",
  OMADM_SRV_REPOSITORY_NOT_ACCEPTABLE: "The item is not available in a media type the device accepts.",
  OMADM_SRV_REPOSITORY_UNAUTHORIZED: "The device did not authenticate to the Data Repository.",
  OMADM_SRV_REPOSITORY_INTERNAL: "An unexpected Data Repository error; see the server log.",
  OMADM_SRV_REPOSITORY_QUOTA_EXCEEDED:
    "The upload would take the device's repository space past a quota (`quota` names the configuration key); nothing was stored.",
  OMADM_SRV_UI_SESSION_NOT_FOUND: "No UI session with this id.",
  OMADM_SRV_UI_SESSION_ILLEGAL_TRANSITION: "The UI session is completed or expired.",
  OMADM_SRV_UI_TEMPLATE_INVALID: "The UI session template is malformed; `detail` names the field.",
  OMADM_SRV_UI_SESSION_EXPIRED: "The UI session has expired.",
  OMADM_SRV_API_TOKEN_NOT_FOUND: "No API token with this id.",
  OMADM_SRV_STORE_CLOSED: "The server is shutting down; retry against another node or later.",
  OMADM_SRV_STORE_UNAVAILABLE: "The database is unreachable; retry later.",
  OMADM_SRV_STORE_MIGRATION_FAILED: "The database schema could not be brought up to date; see the server log.",
  OMADM_SRV_TRANSACTION_MISUSE: "A server component misused a store transaction (a bug); see the server log.",
  OMADM_SRV_NOTIFY_TRANSPORT_UNSUPPORTED:
    "The device listens on a notification transport for which no sender is configured.",
  OMADM_SRV_NOTIFY_ADDRESS_INVALID: "The device's notification address is unusable.",
  OMADM_SRV_NOTIFY_PAYLOAD_TOO_LARGE: "The Package#0 does not fit the transport.",
  OMADM_SRV_NOTIFY_SEND_FAILED:
    "Every attempt to send the Package#0 failed; `notifications` lists the recorded attempts.",
  OMADM_SRV_NOTIFY_SEND_TIMEOUT: "Sending the Package#0 timed out; `notifications` lists the recorded attempts.",
  OMADM_SRV_NOTIFY_SENDER_CLOSED: "The notification sender is shutting down.",
  OMADM_SRV_NOTIFY_NO_ADDRESS: "The device has no notification address (UDP host:port or MQTT topic).",
  OMADM_SRV_NOTIFY_CREDENTIALS_MISSING:
    "The device lacks the notification credentials (Auth/Noti) a signed Package#0 needs.",
  OMADM_SRV_COMMAND_INVALID:
    "The command's name, parameter count or a parameter is invalid; `detail` names the parameter and the rule.",
  OMADM_SRV_COMMAND_RESERVED: "END and CONT are issued by the server inside DM sessions and cannot be queued.",
  OMADM_SRV_API_UNAUTHORIZED: "No, a malformed, an unknown or a revoked API token (`Authorization: Bearer …`).",
  OMADM_SRV_CONSOLE_CSRF_REJECTED:
    "A write with the console's session cookie lacks its CSRF token (`X-CSRF-Token`) or carries another one.",
  OMADM_SRV_API_FORBIDDEN:
    "The API token's scope does not allow this request (`requiredScope` names the scope it needs, `scope` the token's).",
  OMADM_SRV_API_VALIDATION_FAILED: "The request does not match the route's schema; `detail` says where.",
  OMADM_SRV_API_BAD_REQUEST: "The request body is not parseable (e.g. malformed JSON).",
  OMADM_SRV_API_ROUTE_NOT_FOUND: "No API route for this method and path.",
  OMADM_SRV_API_PAYLOAD_TOO_LARGE: "The request body exceeds the route's size limit.",
  OMADM_SRV_API_UNSUPPORTED_MEDIA_TYPE: "The request's Content-Type is not accepted by this route.",
  OMADM_SRV_API_COMPONENT_UNAVAILABLE:
    "This server runs without the component the route needs (notifier, Web Server Component).",
  OMADM_SRV_API_INTERNAL: "An unexpected server error; the server log has the details under the request id.",
  OMADM_SRV_ALERT_NOT_FOUND: "No Generic Alert with this id.",
  OMADM_SRV_WEBHOOK_NOT_FOUND: "No webhook with this id.",
  OMADM_SRV_WEBHOOK_DEAD_LETTER_NOT_FOUND: "The webhook has no dead letter for this event id.",
  OMADM_SRV_DM_ILLEGAL_TRANSITION: "DM endpoint: the package does not fit the session's state.",
  OMADM_SRV_DM_STATUS_COUNT: "DM endpoint: Package#3 carries a different number of statuses than commands sent.",
  OMADM_SRV_DM_DEVID_MISSING: "DM endpoint: the OMADM-DevID header is missing.",
  OMADM_SRV_DM_DEVID_MISMATCH: "DM endpoint: OMADM-DevID does not match the session or the credentials.",
  OMADM_SRV_DM_DEVICE_NOT_ADMITTED: "DM endpoint: the device is unknown (not pre-provisioned) or disabled.",
  OMADM_SRV_DM_SESSION_STATE_CORRUPT: "DM endpoint: the stored session state cannot be read.",
  OMADM_SRV_DM_UNAUTHORIZED: "DM endpoint: the device did not authenticate.",
  OMADM_SRV_DM_FORBIDDEN: "DM endpoint: the device's credentials do not allow this.",
  OMADM_SRV_DM_INTERNAL: "DM endpoint: an unexpected error; see the server log.",
  OMADM_SRV_CONFIG_INVALID: "The server configuration is invalid; `detail` names the setting.",
  OMADM_SRV_BOOTSTRAP_CREDENTIAL_CONFLICT:
    "Another bootstrap credential already uses this id, PSK identity or certificate.",
  OMADM_SRV_BOOTSTRAP_CREDENTIAL_NOT_FOUND: "No bootstrap credential with this id.",
  OMADM_SRV_BOOTSTRAP_RULE_NOT_FOUND: "No bootstrap rule with this id.",
  OMADM_SRV_BOOTSTRAP_PROVISION_NOT_FOUND: "Bootstrap endpoint: no bootstrap session or capability at this URL.",
  OMADM_SRV_BOOTSTRAP_PROVISION_NOT_PENDING: "Bootstrap endpoint: the bootstrap session is finished or expired.",
  OMADM_SRV_BOOTSTRAP_NO_RULE: "Bootstrap endpoint: no bootstrap rule matches the device.",
  OMADM_SRV_BOOTSTRAP_FORBIDDEN:
    "Bootstrap endpoint: the TLS connection proved no bootstrap credential covering the device's DevID.",
  OMADM_SRV_BOOTSTRAP_TARGET_NOT_FOUND: "No remote bootstrap target with this id.",
  OMADM_SRV_BOOTSTRAP_TARGET_IN_USE: "A bootstrap rule still targets this remote target; change or delete it first.",
  OMADM_SRV_BOOTSTRAP_TARGET_UNAVAILABLE:
    "Bootstrap endpoint: the remote management server did not learn the device's credentials (it refused the " +
    "API token, or could not be reached); nothing was provisioned, the device should retry after Retry-After.",
  OMADM_SRV_FILTER_INVALID:
    "The device filter does not parse; `detail` gives the position and what was expected there (docs/filters.md).",
  OMADM_SRV_GROUP_NOT_FOUND: "No device group with this id.",
  OMADM_SRV_GROUP_EXISTS: "A device group with this id already exists.",
  OMADM_SRV_GROUP_KIND_MISMATCH:
    "The change does not fit the group's kind: members belong to static groups, a filter to dynamic ones.",
  OMADM_SRV_FIRMWARE_NOT_FOUND: "No firmware image with this id.",
  OMADM_SRV_FIRMWARE_EXISTS: "A firmware image with this id already exists.",
  OMADM_SRV_FIRMWARE_TOO_LARGE: "The firmware image is larger than `firmware.maxImageBytes`; nothing was kept.",
  OMADM_SRV_FIRMWARE_RANGE_NOT_SATISFIABLE:
    "Firmware download: the Range starts past the end of the image (`Content-Range: bytes */<size>` says its size).",
  OMADM_SRV_FIRMWARE_UNAUTHORIZED:
    "Firmware download: the device did not authenticate (the server's device authentication, as for /dm and /repo).",
  OMADM_SRV_FIRMWARE_FORBIDDEN: "Firmware download: the device's credentials are refused, or name another DevID.",
  OMADM_SRV_FIRMWARE_STORAGE_FAILED:
    "The firmware image file could not be written or read in the data directory; see the server log.",
  OMADM_SRV_HTTP_BAD_REQUEST: "The request is malformed at the HTTP level (e.g. a bad percent-escape in the URL).",
  OMADM_SRV_HTTP_ROUTE_NOT_FOUND: "No route for this method and path outside the API.",
  OMADM_SRV_HTTP_URI_TOO_LONG: "A path parameter exceeds the server's limit (`detail` names the limit).",
  OMADM_SRV_HTTP_HEADERS_TOO_LARGE: "The request headers exceed the server's limit.",
  OMADM_SRV_HTTP_REQUEST_TIMEOUT: "The request (headers or body) did not arrive within the server's time-out.",
  OMADM_SRV_HTTP_PAYLOAD_TOO_LARGE: "The request body exceeds the route's size limit.",
  OMADM_SRV_HTTP_UNSUPPORTED_MEDIA_TYPE: "The request's Content-Type is not accepted by this route.",
  OMADM_SRV_HTTP_UNSUPPORTED_ENCODING:
    "The request's Content-Encoding is not one the server decodes (`gzip`, `deflate`, `identity`).",
  OMADM_SRV_HTTP_OVERLOADED: "The server is overloaded; retry after `Retry-After` seconds.",
  OMADM_SRV_HTTP_INTERNAL: "An unexpected server error outside the components; see the server log.",
  OMADM_SRV_DM_TOO_MANY_ALERTS: "DM endpoint: the package carries more Generic Alerts than `dm.maxAlertsPerPackage`.",
  OMADM_SRV_DM_SESSION_LIMIT:
    "DM endpoint: `dm.maxOpenSessions` sessions are open; a new Package#1 may retry after `Retry-After` seconds.",
  OMADM_SRV_UI_ORIGIN_REFUSED: "SHOW page: the answer was posted from another site's page (`Origin`).",
  OMADM_SRV_CAMPAIGN_NOT_FOUND: "No campaign (or bulk wake) with this id.",
  OMADM_SRV_CAMPAIGN_ILLEGAL_TRANSITION:
    "The campaign's state does not allow this (e.g. resume of a running one, start of a completed one); `state` says which it is.",
};

/** Codes any authenticated API route may answer besides its own. */
export const COMMON_ERROR_CODES: readonly ServerErrorCode[] = [
  ServerErrorCode.API_UNAUTHORIZED,
  ServerErrorCode.API_FORBIDDEN,
  ServerErrorCode.API_VALIDATION_FAILED,
  ServerErrorCode.API_INTERNAL,
  ServerErrorCode.STORE_UNAVAILABLE,
  ServerErrorCode.STORE_CLOSED,
  ServerErrorCode.HTTP_OVERLOADED,
  ServerErrorCode.HTTP_UNSUPPORTED_ENCODING,
];

/** Extra codes of routes that take a JSON body. */
export const BODY_ERROR_CODES: readonly ServerErrorCode[] = [
  ServerErrorCode.API_BAD_REQUEST,
  ServerErrorCode.API_PAYLOAD_TOO_LARGE,
  ServerErrorCode.API_UNSUPPORTED_MEDIA_TYPE,
];

/** Extra codes of list routes (cursor pagination). */
export const LIST_ERROR_CODES: readonly ServerErrorCode[] = [ServerErrorCode.BAD_CURSOR, ServerErrorCode.INVALID_INPUT];

export interface ProblemResponse {
  readonly description: string;
  readonly content: { readonly [PROBLEM_MEDIA_TYPE]: { readonly schema: typeof ProblemSchema } };
}

/**
 * OpenAPI/fastify response entries for the given codes (plus the common ones), grouped by HTTP status. The
 * description of each status lists its codes, so the document says exactly which `code` values can come back.
 */
export function problemResponses(...codes: readonly ServerErrorCode[]): Record<number, ProblemResponse> {
  const byStatus = new Map<number, Set<ServerErrorCode>>();
  for (const code of [...codes, ...COMMON_ERROR_CODES]) {
    const status = ServerErrorHttpStatus[code];
    const set = byStatus.get(status) ?? new Set<ServerErrorCode>();
    set.add(code);
    byStatus.set(status, set);
  }
  const out: Record<number, ProblemResponse> = {};
  for (const [status, set] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const lines = [...set].map((code) => `- \`${code}\`: ${ERROR_CODE_DOCS[code] ?? "(undocumented)"}`);
    out[status] = {
      description: `Problem (RFC 9457). \`code\` is one of:\n${lines.join("\n")}`,
      content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } },
    };
  }
  return out;
}

/** The error-code table for the OpenAPI `info.description` (Markdown). */
export function errorCodeTable(): string {
  const rows = Object.values(ServerErrorCode).map(
    (code) => `| \`${code}\` | ${ServerErrorHttpStatus[code]} | ${ERROR_CODE_DOCS[code] ?? "(undocumented)"} |`,
  );
  return ["| code | HTTP status | meaning |", "|---|---|---|", ...rows].join("\n");
}
