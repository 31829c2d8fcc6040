// The one error base of every omadm package. Each package keeps its own catalogue of stable codes (the
// protocol's `ErrorCode`, the server's `ServerErrorCode`, the client's `DmClientErrorCode`, …) and its own
// subclasses; callers that do not care which package refused match on `instanceof OmadmError` and `code`,
// never on the message. Codes are never renamed or reused. This module imports nothing and is also the package's
// light entry point `@omadm/protocol/omadm-error`, for callers (the CLI's admin commands) that need only this.

export interface OmadmErrorOptions {
  /** The lower-level failure this error reports (kept as `Error.cause`). */
  readonly cause?: unknown;
}

/** Base of every typed omadm error: a stable string `code`, a `name` per subclass, an optional `cause`. */
export class OmadmError<Code extends string = string> extends Error {
  override readonly name: string = "OmadmError";
  readonly code: Code;

  constructor(code: Code, message: string, options: OmadmErrorOptions = {}) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.code = code;
  }
}

export function isOmadmError(value: unknown): value is OmadmError {
  return value instanceof OmadmError;
}

/**
 * The message of anything a `catch` can receive: an Error's message (its name when the message is empty), else
 * the value as text. Never throws, whatever was thrown.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message === "" ? error.name : error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
