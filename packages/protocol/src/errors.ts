// One catalogue of stable error codes for everything @omadm/protocol can reject (the undici/fastify habit:
// callers and tests match on `code`, never on the message). Codes are never renamed or reused; add new ones
// at the end of their group. `status` is the DM status code (docs/protocol.md §5) that a DM Client answers
// when the error is about a command it received, or the HTTP status a server answers for a bad package.
import { OmadmError } from "./omadm-error.js";

export const ErrorCode = {
  // Package#0 (DM Notification) — docs/protocol.md §2
  P0_TRUNCATED: "OMADM_P0_TRUNCATED",
  P0_BAD_VERSION: "OMADM_P0_BAD_VERSION",
  P0_RESERVED_DELTA: "OMADM_P0_RESERVED_DELTA",
  P0_OPTION_COUNT: "OMADM_P0_OPTION_COUNT",
  P0_TRAILING_BYTES: "OMADM_P0_TRAILING_BYTES",
  P0_DUPLICATE_OPTION: "OMADM_P0_DUPLICATE_OPTION",
  P0_BAD_OPTION_VALUE: "OMADM_P0_BAD_OPTION_VALUE",
  P0_VALUE_TOO_LONG: "OMADM_P0_VALUE_TOO_LONG",
  P0_DIGEST_MISMATCH: "OMADM_P0_DIGEST_MISMATCH",
  P0_DIGEST_MISSING: "OMADM_P0_DIGEST_MISSING",
  P0_BAD_OPTION_NUMBER: "OMADM_P0_BAD_OPTION_NUMBER",

  // JSON packages, Generic Alert, MO serialization — docs/protocol.md §3, §7
  JSON_SYNTAX: "OMADM_JSON_SYNTAX",
  JSON_ENCODING: "OMADM_JSON_ENCODING",
  JSON_TOO_LARGE: "OMADM_JSON_TOO_LARGE",
  JSON_TOO_DEEP: "OMADM_JSON_TOO_DEEP",
  SCHEMA_VIOLATION: "OMADM_SCHEMA_VIOLATION",

  // DM commands — docs/protocol.md §4
  CMD_UNKNOWN: "OMADM_CMD_UNKNOWN",
  CMD_ARITY: "OMADM_CMD_ARITY",
  CMD_BAD_PARAMETER: "OMADM_CMD_BAD_PARAMETER",

  // ClientURI / ServerURI — docs/protocol.md §6
  URI_SYNTAX: "OMADM_URI_SYNTAX",
  URI_NOT_FOUND: "OMADM_URI_NOT_FOUND",
  URI_AMBIGUOUS: "OMADM_URI_AMBIGUOUS",
  URI_NOT_CONCRETE: "OMADM_URI_NOT_CONCRETE",
  SERVER_URI_INVALID: "OMADM_SERVER_URI_INVALID",
  SERVER_URI_INSECURE: "OMADM_SERVER_URI_INSECURE",

  // Media types — docs/protocol.md §1.6, §7.2
  MEDIA_RANGE_SYNTAX: "OMADM_MEDIA_RANGE_SYNTAX",
  MEDIA_NOT_ACCEPTABLE: "OMADM_MEDIA_NOT_ACCEPTABLE",
  MEDIA_UNSUPPORTED: "OMADM_MEDIA_UNSUPPORTED",

  // DDF — docs/protocol.md §8.3
  DDF_XML: "OMADM_DDF_XML",
  DDF_STRUCTURE: "OMADM_DDF_STRUCTURE",

  // DM 1.x interworking — docs/protocol.md §13
  DM1X_ALERT: "OMADM_DM1X_ALERT",

  // DM Tree, access control, client persistent state — docs/protocol.md §6.3, §7.1, §8, §10
  TREE_UNKNOWN_MO: "OMADM_TREE_UNKNOWN_MO",
  TREE_BAD_DEFINITION: "OMADM_TREE_BAD_DEFINITION",
  TREE_NOT_FOUND: "OMADM_TREE_NOT_FOUND",
  TREE_BAD_VALUE: "OMADM_TREE_BAD_VALUE",
  TREE_BAD_DATA: "OMADM_TREE_BAD_DATA",
  TREE_NOT_ALLOWED: "OMADM_TREE_NOT_ALLOWED",
  TREE_BAD_MIID: "OMADM_TREE_BAD_MIID",
  TREE_MIID_EXHAUSTED: "OMADM_TREE_MIID_EXHAUSTED",
  ACCESS_DENIED: "OMADM_ACCESS_DENIED",
  STATE_CORRUPT: "OMADM_STATE_CORRUPT",
  STATE_VERSION: "OMADM_STATE_VERSION",
  STATE_IO: "OMADM_STATE_IO",
  /** A DM Client session state machine got an event its current state does not accept (ARCHITECTURE.md invariant 4). */
  SESSION_ILLEGAL_TRANSITION: "OMADM_SESSION_ILLEGAL_TRANSITION",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ProtocolErrorInit {
  /** JSON path (`$.CMD[2][1]`), byte offset (`@17`) or URI component where the rule was broken. */
  readonly path?: string;
  /** DM status code (client side) or HTTP status (server side) this error maps to. */
  readonly status?: number;
  readonly cause?: unknown;
}

/** The one error type @omadm/protocol returns (never throws for input it was asked to parse). */
export class ProtocolError extends OmadmError<ErrorCode> {
  override readonly name = "ProtocolError";
  readonly path: string | undefined;
  readonly status: number;

  constructor(code: ErrorCode, message: string, init: ProtocolErrorInit = {}) {
    super(code, init.path === undefined ? message : `${message} (at ${init.path})`, init);
    this.path = init.path;
    this.status = init.status ?? 400;
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
