// One catalogue of stable error codes for everything @omadm/server refuses (the undici/fastify habit: callers,
// the REST API and tests match on `code`, never on the message). Codes are never renamed or reused; add new
// ones at the end of their group, and give each an HTTP status in `ServerErrorHttpStatus` below (the compiler
// insists). Protocol-level rejections of a device's packages stay `ProtocolError`s from @omadm/protocol.

export const ServerErrorCode = {
  // Input from an operator or a component — the request names something malformed.
  INVALID_INPUT: "OMADM_SRV_INVALID_INPUT",
  BAD_CURSOR: "OMADM_SRV_BAD_CURSOR",

  // Devices (device registry)
  DEVICE_NOT_FOUND: "OMADM_SRV_DEVICE_NOT_FOUND",
  DEVICE_EXISTS: "OMADM_SRV_DEVICE_EXISTS",
  CREDENTIAL_CONFLICT: "OMADM_SRV_CREDENTIAL_CONFLICT",

  // Commands (durable per-device queue)
  COMMAND_NOT_FOUND: "OMADM_SRV_COMMAND_NOT_FOUND",
  COMMAND_ILLEGAL_TRANSITION: "OMADM_SRV_COMMAND_ILLEGAL_TRANSITION",
  IDEMPOTENCY_CONFLICT: "OMADM_SRV_IDEMPOTENCY_CONFLICT",

  // DM sessions (dm2-reference §1.4, §1.5)
  SESSION_NOT_FOUND: "OMADM_SRV_SESSION_NOT_FOUND",
  SESSION_NOT_OPEN: "OMADM_SRV_SESSION_NOT_OPEN",
  SESSION_CONFLICT: "OMADM_SRV_SESSION_CONFLICT",

  // Data Repository
  REPOSITORY_ITEM_NOT_FOUND: "OMADM_SRV_REPOSITORY_ITEM_NOT_FOUND",
  REPOSITORY_PRECONDITION_FAILED: "OMADM_SRV_REPOSITORY_PRECONDITION_FAILED",
  REPOSITORY_BAD_PATH: "OMADM_SRV_REPOSITORY_BAD_PATH",
  REPOSITORY_FORBIDDEN: "OMADM_SRV_REPOSITORY_FORBIDDEN",
  REPOSITORY_TOO_LARGE: "OMADM_SRV_REPOSITORY_TOO_LARGE",
  REPOSITORY_BAD_CONTENT: "OMADM_SRV_REPOSITORY_BAD_CONTENT",
  REPOSITORY_UNSUPPORTED_MEDIA_TYPE: "OMADM_SRV_REPOSITORY_UNSUPPORTED_MEDIA_TYPE",
  REPOSITORY_NOT_ACCEPTABLE: "OMADM_SRV_REPOSITORY_NOT_ACCEPTABLE",

  // Web Server Component (SHOW UI sessions)
  UI_SESSION_NOT_FOUND: "OMADM_SRV_UI_SESSION_NOT_FOUND",
  UI_SESSION_ILLEGAL_TRANSITION: "OMADM_SRV_UI_SESSION_ILLEGAL_TRANSITION",
  UI_TEMPLATE_INVALID: "OMADM_SRV_UI_TEMPLATE_INVALID",
  UI_SESSION_EXPIRED: "OMADM_SRV_UI_SESSION_EXPIRED",

  // Operator API tokens
  API_TOKEN_NOT_FOUND: "OMADM_SRV_API_TOKEN_NOT_FOUND",

  // Store backend
  STORE_CLOSED: "OMADM_SRV_STORE_CLOSED",
  STORE_UNAVAILABLE: "OMADM_SRV_STORE_UNAVAILABLE",
  STORE_MIGRATION_FAILED: "OMADM_SRV_STORE_MIGRATION_FAILED",

  // Notifier: Package#0 delivery (dm2-reference §2, §12)
  NOTIFY_TRANSPORT_UNSUPPORTED: "OMADM_SRV_NOTIFY_TRANSPORT_UNSUPPORTED",
  NOTIFY_ADDRESS_INVALID: "OMADM_SRV_NOTIFY_ADDRESS_INVALID",
  NOTIFY_PAYLOAD_TOO_LARGE: "OMADM_SRV_NOTIFY_PAYLOAD_TOO_LARGE",
  NOTIFY_SEND_FAILED: "OMADM_SRV_NOTIFY_SEND_FAILED",
  NOTIFY_SEND_TIMEOUT: "OMADM_SRV_NOTIFY_SEND_TIMEOUT",
  NOTIFY_SENDER_CLOSED: "OMADM_SRV_NOTIFY_SENDER_CLOSED",
  // Notifier: what the device record lacks for a wake (dm2-reference §2.5, §12)
  NOTIFY_NO_ADDRESS: "OMADM_SRV_NOTIFY_NO_ADDRESS",
  NOTIFY_CREDENTIALS_MISSING: "OMADM_SRV_NOTIFY_CREDENTIALS_MISSING",
} as const;

export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/** The HTTP status the REST API answers for each code (a `Record`, so a new code without a status fails tsc). */
export const ServerErrorHttpStatus: { readonly [C in ServerErrorCode]: number } = {
  OMADM_SRV_INVALID_INPUT: 400,
  OMADM_SRV_BAD_CURSOR: 400,
  OMADM_SRV_DEVICE_NOT_FOUND: 404,
  OMADM_SRV_DEVICE_EXISTS: 409,
  OMADM_SRV_CREDENTIAL_CONFLICT: 409,
  OMADM_SRV_COMMAND_NOT_FOUND: 404,
  OMADM_SRV_COMMAND_ILLEGAL_TRANSITION: 409,
  OMADM_SRV_IDEMPOTENCY_CONFLICT: 409,
  OMADM_SRV_SESSION_NOT_FOUND: 404,
  OMADM_SRV_SESSION_NOT_OPEN: 409,
  OMADM_SRV_SESSION_CONFLICT: 409,
  OMADM_SRV_REPOSITORY_ITEM_NOT_FOUND: 404,
  OMADM_SRV_REPOSITORY_PRECONDITION_FAILED: 412,
  OMADM_SRV_REPOSITORY_BAD_PATH: 400,
  OMADM_SRV_REPOSITORY_FORBIDDEN: 403,
  OMADM_SRV_REPOSITORY_TOO_LARGE: 413,
  OMADM_SRV_REPOSITORY_BAD_CONTENT: 400,
  OMADM_SRV_REPOSITORY_UNSUPPORTED_MEDIA_TYPE: 415,
  OMADM_SRV_REPOSITORY_NOT_ACCEPTABLE: 406,
  OMADM_SRV_UI_SESSION_NOT_FOUND: 404,
  OMADM_SRV_UI_SESSION_ILLEGAL_TRANSITION: 409,
  OMADM_SRV_UI_TEMPLATE_INVALID: 400,
  OMADM_SRV_UI_SESSION_EXPIRED: 410,
  OMADM_SRV_API_TOKEN_NOT_FOUND: 404,
  OMADM_SRV_STORE_CLOSED: 503,
  OMADM_SRV_STORE_UNAVAILABLE: 503,
  OMADM_SRV_STORE_MIGRATION_FAILED: 500,
  OMADM_SRV_NOTIFY_TRANSPORT_UNSUPPORTED: 400,
  OMADM_SRV_NOTIFY_ADDRESS_INVALID: 400,
  OMADM_SRV_NOTIFY_PAYLOAD_TOO_LARGE: 413,
  OMADM_SRV_NOTIFY_SEND_FAILED: 502,
  OMADM_SRV_NOTIFY_SEND_TIMEOUT: 504,
  OMADM_SRV_NOTIFY_SENDER_CLOSED: 503,
  OMADM_SRV_NOTIFY_NO_ADDRESS: 409,
  OMADM_SRV_NOTIFY_CREDENTIALS_MISSING: 409,
};

export interface ServerErrorInit {
  /** Overrides the catalogue's HTTP status (rarely needed). */
  readonly httpStatus?: number;
  readonly cause?: unknown;
}

/** The one error type @omadm/server components throw for refusals they mean (never a bare `Error`). */
export class ServerError extends Error {
  override readonly name = "ServerError";
  readonly code: ServerErrorCode;
  readonly httpStatus: number;

  constructor(code: ServerErrorCode, message: string, init: ServerErrorInit = {}) {
    super(message, { cause: init.cause });
    this.code = code;
    this.httpStatus = init.httpStatus ?? ServerErrorHttpStatus[code];
  }
}

export function isServerError(value: unknown): value is ServerError {
  return value instanceof ServerError;
}

/** True when `value` is a `ServerError` with the given code (convenient in tests and catch blocks). */
export function hasServerErrorCode(value: unknown, code: ServerErrorCode): value is ServerError {
  return value instanceof ServerError && value.code === code;
}
