// DM 2.0 status codes carried in `sc` (approved spec Appendix C; docs/protocol.md §5). The real Appendix C was not
// available, so this table is the reconstruction of docs/protocol.md §5: every code a source ties to a situation plus
// the (omadm's choice) completion. `sc` values are HTTP-style integers; a repository's own 4xx/5xx status is copied
// into `sc` on HGET/HPUT/HPOST (§5 "other 4xx/5xx"), so any integer 100–599 is legal even when not listed here.

/** Named constants for the §5 codes (`Status.OK === 200`). */
export const Status = {
  /** Command completed. */
  OK: 200,
  /** EXEC accepted; the final result follows in a Generic Alert (DM 2.0 §5.4.1). */
  ACCEPTED: 202,
  /** GET on an existing node that has no current valid value (omadm's choice). */
  NO_CONTENT: 204,
  /** The `cv` in the ClientURI matches the instance's cache validator; no data sent (§6.3). */
  NOT_MODIFIED: 304,
  /** Malformed command, wrong parameter count, ClientURI/ServerURI syntax error, disallowed wildcard. */
  BAD_REQUEST: 400,
  /** The server lacks permission: MOID not provisioned for it, or no right on the instance (§10). */
  FORBIDDEN: 403,
  /** The ClientURI cannot be resolved; UNSUB with an unknown ClientURI. */
  NOT_FOUND: 404,
  /** Delete/rename of a permanent node, or an operation the DDF AccessType does not allow (§8). */
  COMMAND_NOT_ALLOWED: 405,
  /** No common media type (HPUT/HPOST/SUB, or relayed from the repository on HGET). */
  NOT_ACCEPTABLE: 406,
  /** Data too large for the device. */
  REQUEST_ENTITY_TOO_LARGE: 413,
  /** Payload format not supported. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Generic failure during execution; SHOW launch failure. */
  COMMAND_FAILED: 500,
  /** Unknown or unsupported command (e.g. an optional SHOW/SUB/GET). */
  NOT_IMPLEMENTED: 501,
  /** Data Repository unreachable or timed out. */
  SERVICE_UNAVAILABLE: 503,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

export interface StatusCodeInfo {
  readonly code: Status;
  /** Reason phrase, as in docs/protocol.md §5 ("Command Not Allowed"). */
  readonly name: string;
  /** When a DM Client or Server uses it. */
  readonly meaning: string;
}

/** Every code of docs/protocol.md §5, in ascending order. */
export const STATUS_CODES: readonly StatusCodeInfo[] = Object.freeze(
  [
    { code: Status.OK, name: "OK", meaning: "Command completed" },
    {
      code: Status.ACCEPTED,
      name: "Accepted",
      meaning: "EXEC accepted; the final result is reported later in a Generic Alert",
    },
    {
      code: Status.NO_CONTENT,
      name: "No Content",
      meaning: "GET on an existing node that has no current valid value",
    },
    {
      code: Status.NOT_MODIFIED,
      name: "Not Modified",
      meaning: "The cv in the ClientURI matches the instance's cache validator; no data sent",
    },
    {
      code: Status.BAD_REQUEST,
      name: "Bad Request",
      meaning: "Malformed command, wrong parameter count, ClientURI or ServerURI syntax error, disallowed wildcard",
    },
    {
      code: Status.FORBIDDEN,
      name: "Forbidden",
      meaning: "The server lacks permission (MOID not provisioned for it, or no right on the instance)",
    },
    {
      code: Status.NOT_FOUND,
      name: "Not Found",
      meaning: "The ClientURI cannot be resolved; UNSUB with an unknown ClientURI",
    },
    {
      code: Status.COMMAND_NOT_ALLOWED,
      name: "Command Not Allowed",
      meaning: "Delete or rename of a permanent node; operation not allowed by the DDF AccessType",
    },
    {
      code: Status.NOT_ACCEPTABLE,
      name: "Not Acceptable",
      meaning: "No common media type (HPUT/HPOST/SUB, or relayed from the repository on HGET)",
    },
    {
      code: Status.REQUEST_ENTITY_TOO_LARGE,
      name: "Request Entity Too Large",
      meaning: "Data too large for the device",
    },
    { code: Status.UNSUPPORTED_MEDIA_TYPE, name: "Unsupported Media Type", meaning: "Payload format not supported" },
    {
      code: Status.COMMAND_FAILED,
      name: "Command Failed",
      meaning: "Generic failure during execution; SHOW launch failure",
    },
    {
      code: Status.NOT_IMPLEMENTED,
      name: "Not Implemented",
      meaning: "Unknown or unsupported command (e.g. an optional SHOW, SUB or GET)",
    },
    {
      code: Status.SERVICE_UNAVAILABLE,
      name: "Service Unavailable",
      meaning: "Data Repository unreachable or timed out",
    },
  ].map((info) => Object.freeze(info)),
);

const BY_CODE: ReadonlyMap<number, StatusCodeInfo> = new Map(STATUS_CODES.map((info) => [info.code, info]));

/** The §5 table entry for `code`, or undefined for a code the table does not list. */
export function statusInfo(code: number): StatusCodeInfo | undefined {
  return BY_CODE.get(code);
}

/** The reason phrase of a §5 code ("Not Found"), or undefined for a code the table does not list. */
export function statusName(code: number): string | undefined {
  return BY_CODE.get(code)?.name;
}

/**
 * Whether `code` is legal in `sc`: an integer 100–599. Codes outside the §5 table are legal because a repository's
 * HTTP status is copied into `sc` on HGET/HPUT/HPOST (docs/protocol.md §5, last row).
 */
export function isValidStatusCode(code: unknown): code is number {
  return typeof code === "number" && Number.isInteger(code) && code >= 100 && code <= 599;
}

/**
 * Whether `code` reports success: any 2xx (including 202, whose final result comes later) and 304, which says the
 * server's cached copy is still valid (§6.3) — the command did what was asked without sending data.
 */
export function isSuccessStatus(code: number): boolean {
  return isValidStatusCode(code) && ((code >= 200 && code <= 299) || code === Status.NOT_MODIFIED);
}
