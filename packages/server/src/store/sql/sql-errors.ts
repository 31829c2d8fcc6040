// Database failures turned into the server's typed errors, in one place for every SQL store method: an
// unreachable, locked or failing database is STORE_UNAVAILABLE (HTTP 503, try again later); text or sizes the
// database cannot hold are INVALID_INPUT. Anything else (a bug) passes through unchanged with its stack.
import { isServerError, ServerError, ServerErrorCode } from "../../errors.js";
import type { Around } from "../transaction-support.js";

function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

const UNAVAILABLE_NET = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND"]);

/** PostgreSQL SQLSTATEs and SQLite result codes that mean "the store cannot serve now", not "bad request". */
function isUnavailable(code: string | undefined, error: unknown): boolean {
  if (code === undefined) {
    // pg reports a dropped connection without a code.
    return error instanceof Error && /Connection terminated|connection timeout/i.test(error.message);
  }
  if (UNAVAILABLE_NET.has(code)) return true;
  if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM)/.test(code)) return true;
  // 08: connection exception; 53: insufficient resources; 57P01-03: shutdown; 40001/40P01: retryable conflicts.
  return /^(08|53)/.test(code) || ["57P01", "57P02", "57P03", "40001", "40P01"].includes(code);
}

function isBadInput(code: string | undefined): boolean {
  // 22021/22P05: characters the encoding cannot hold; 54000: a value too large for an index; SQLITE_TOOBIG.
  return code === "22021" || code === "22P05" || code === "54000" || code === "SQLITE_TOOBIG";
}

/**
 * A statement that PostgreSQL's pooled client sent ahead of another one failed (store/postgres-pipeline.ts: a
 * held BEGIN, a deferred write). It carries no SQLSTATE of its own, so that no handler of the statement behind it
 * takes it for that statement's refusal; the database's error is its cause. The transaction cannot go on: the
 * store rolls it back (sql-store.ts).
 */
export class SentAheadError extends Error {
  constructor(text: string, cause: Error) {
    super(`${cause.message} (in a statement sent ahead of the next one: ${text})`, { cause });
    this.name = "SentAheadError";
  }
}

/** Whether `error`, or an error it was made from, is a SentAheadError. */
export function isSentAheadFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof SentAheadError) return true;
  }
  return false;
}

export function mapDbError(error: unknown): unknown {
  if (isServerError(error)) return error;
  const code = codeOf(error);
  if (isBadInput(code)) {
    return new ServerError(ServerErrorCode.INVALID_INPUT, "a value cannot be stored (bad characters or too large)", {
      cause: error,
    });
  }
  if (isUnavailable(code, error)) {
    return new ServerError(ServerErrorCode.STORE_UNAVAILABLE, `the store is unavailable (${code ?? "connection"})`, {
      cause: error,
    });
  }
  return error;
}

const hasNul = (value: unknown): boolean =>
  typeof value === "string"
    ? value.includes("\u0000")
    : typeof value === "object" &&
      value !== null &&
      Object.values(value).some((v) => typeof v === "string" && v.includes("\u0000"));

/** By method name, memoized: what a lookup (null) or a delete (false) answers for a key with NUL; else undefined. */
const nulKeyAnswers = new Map<string, null | false | undefined>();
function nulKeyAnswer(method: string): null | false | undefined {
  if (nulKeyAnswers.has(method)) return nulKeyAnswers.get(method);
  const answer = /^(get|find|use)/.test(method) ? null : method.startsWith("delete") ? false : undefined;
  nulKeyAnswers.set(method, answer);
  return answer;
}

/**
 * Runs one SQL store method: errors go through mapDbError, and a lookup (get*, find*, use) or a delete by a key
 * containing NUL — which PostgreSQL text cannot hold, so no record can have it — finds nothing instead of
 * failing, as it does in SQLite and the memory store.
 */
export const sqlGuard: Around = async (call, method, args) => {
  // Only lookups and deletes answer a NUL key themselves: the arguments of other calls are not scanned.
  const answer = nulKeyAnswer(method);
  if (answer !== undefined && args.some(hasNul)) return answer;
  try {
    return await call();
  } catch (error) {
    throw mapDbError(error);
  }
};
