// Rules every store implementation shares, so that memory and SQL cannot drift apart: input checks, the
// command and UI-session state machines, pagination cursors, JSON columns, ETags and the NOTIFICATION-ID wrap.
import { createHash } from "node:crypto";
import { ServerError, ServerErrorCode } from "../errors.js";
import { CommandState, type CommandOutcome, type JsonValue, type PageQuery, type StoreDeps } from "./types.js";
import { UiSessionState } from "./types-content.js";
import { awaitsAnswer } from "./delivery-rules.js";
import { uuidV7Source } from "./record-ids.js";

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** The store's record ids: the caller's source, else time-ordered UUIDv7s (record-ids.ts). */
export function idSource(deps: StoreDeps): () => string {
  return deps.newId ?? uuidV7Source();
}

export function invalid(message: string): ServerError {
  return new ServerError(ServerErrorCode.INVALID_INPUT, message);
}

/** A non-empty string without NUL (PostgreSQL text cannot hold NUL; refusing it everywhere keeps stores alike). */
export function requireText(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0) throw invalid(`${what} must be a non-empty string`);
  if (value.includes("\u0000")) throw invalid(`${what} must not contain NUL characters`);
  return value;
}

export function requireInt(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** For values typed as a union that may still arrive as anything from untyped callers. */
export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${what} must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

export function requireStrings(value: unknown, what: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw invalid(`${what} must be an array of strings`);
  }
  return value;
}

export function pageLimit(query: PageQuery | undefined): number {
  return query?.limit === undefined ? DEFAULT_PAGE_LIMIT : requireInt(query.limit, "limit", 1, MAX_PAGE_LIMIT);
}

// ------------------------------------------------------------------------------------------------ JSON

/** JSON.stringify gives undefined (despite its declared type) for undefined, functions and symbols. */
function stringify(value: unknown): string | undefined {
  return JSON.stringify(value);
}

/** JSON text of a value for a JSON column; INVALID_INPUT for what JSON cannot carry (undefined, cycles…). */
export function toJsonText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = stringify(value);
  } catch (cause) {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, `${what} is not JSON-serializable`, { cause });
  }
  if (text === undefined) throw invalid(`${what} is not JSON-serializable`);
  return text;
}

export function fromJsonText(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

export function fromJsonTextOrNull(text: string | null): JsonValue | null {
  return text === null ? null : fromJsonText(text);
}

/** What a JSON column gives back for `value`: the memory store uses it so that it returns what SQL returns. */
export function jsonRoundTrip(value: unknown, what: string): JsonValue {
  return fromJsonText(toJsonText(value, what));
}

// --------------------------------------------------------------------------------------------- cursors

export type CursorKey = readonly (string | number)[];

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** Decodes a cursor made by encodeCursor with the given element types; BAD_CURSOR for anything else. */
export function decodeCursor<const S extends readonly ("string" | "number")[]>(
  cursor: string,
  shape: S,
): { -readonly [K in keyof S]: S[K] extends "string" ? string : number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== shape.length ||
    !parsed.every((v, i) => typeof v === shape[i] && (typeof v !== "number" || Number.isSafeInteger(v)))
  ) {
    throw new ServerError(ServerErrorCode.BAD_CURSOR, "cursor was not issued for this list");
  }
  return parsed as { -readonly [K in keyof S]: S[K] extends "string" ? string : number };
}

/** Builds a page from `limit + 1` fetched rows: the extra row only tells that there is a next page. */
export function toPage<T>(rows: readonly T[], limit: number, keyOf: (row: T) => CursorKey) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

// ------------------------------------------------------------------------------------- state machines

export function isCommandOutcome(value: unknown): value is CommandOutcome {
  return value === CommandState.Done || value === CommandState.Failed || value === CommandState.Accepted;
}

export function illegalCommand(id: string, from: CommandState, to: CommandState): ServerError {
  return new ServerError(
    ServerErrorCode.COMMAND_ILLEGAL_TRANSITION,
    `command ${id} is ${from} and cannot become ${to}`,
  );
}

export function commandNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.COMMAND_NOT_FOUND, `no command ${id}`);
}

/** The `limit` of a sweep batch: a whole number ≥ 1, or every record due. */
export function sweepLimit(options: { readonly limit?: number | undefined }): number {
  return options.limit === undefined ? Number.POSITIVE_INFINITY : requireInt(options.limit, "limit", 1);
}

export function deviceNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.DEVICE_NOT_FOUND, `no device ${id}`);
}

export function sessionNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.SESSION_NOT_FOUND, `no session ${id}`);
}

export function uiSessionNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.UI_SESSION_NOT_FOUND, `no UI session ${id}`);
}

/** queued | sent | accepted → cancelled (a sent one is not sent again; its late answer is still recorded). */
export function checkCancellable(id: string, from: CommandState): void {
  if (from !== CommandState.Queued && from !== CommandState.Sent && from !== CommandState.Accepted) {
    throw illegalCommand(id, from, CommandState.Cancelled);
  }
}

/**
 * The results of one Package#3 must each name a command that is `sent` in that session (or was cancelled
 * while sent there and has no answer yet: delivery-rules.ts `awaitsAnswer`).
 */
export function checkResultTarget(
  result: { readonly commandId: string; readonly outcome: CommandOutcome },
  found:
    { readonly state: CommandState; readonly sessionId: string | null; readonly statusCode: number | null } | undefined,
  sessionId: string,
): void {
  if (found === undefined) throw commandNotFound(result.commandId);
  if (!awaitsAnswer(found, sessionId)) {
    throw new ServerError(
      ServerErrorCode.COMMAND_ILLEGAL_TRANSITION,
      `command ${result.commandId} is ${found.state}` +
        (found.sessionId === sessionId ? "" : ` outside session ${sessionId}`) +
        ` and cannot become ${result.outcome}`,
    );
  }
}

export function validateResults(
  results: readonly {
    readonly commandId: string;
    readonly outcome: unknown;
    readonly statusCode: number;
    readonly uris?: readonly string[] | undefined;
  }[],
): void {
  const seen = new Set<string>();
  for (const r of results) {
    requireText(r.commandId, "commandId");
    if (!isCommandOutcome(r.outcome)) throw invalid("outcome must be done, failed or accepted");
    requireInt(r.statusCode, "statusCode", 0, 999);
    if (r.uris !== undefined) requireStrings(r.uris, "uris");
    if (seen.has(r.commandId)) throw invalid(`command ${r.commandId} has two results`);
    seen.add(r.commandId);
  }
}

export function uiIllegal(id: string, from: UiSessionState, to: UiSessionState): ServerError {
  return new ServerError(
    ServerErrorCode.UI_SESSION_ILLEGAL_TRANSITION,
    `UI session ${id} is ${from} and cannot become ${to}`,
  );
}

/** Opening or completing needs a UI session that is pending or opened and not past its expiry. */
export function checkUiTransition(
  ui: { readonly id: string; readonly state: UiSessionState; readonly expiresAt: number | null },
  to: UiSessionState,
  now: number,
): void {
  const live = ui.state === UiSessionState.Pending || ui.state === UiSessionState.Opened;
  if (!live) throw uiIllegal(ui.id, ui.state, to);
  if (ui.expiresAt !== null && ui.expiresAt <= now) throw uiIllegal(ui.id, UiSessionState.Expired, to);
}

// ----------------------------------------------------------------------------------------- small values

/** NOTIFICATION-ID is a uint16 (docs/protocol.md §2.4): after 65535 comes 0. */
export function nextNotificationId(previous: number, count = 1): number {
  return (previous + count) % 0x10000;
}

/** The most NOTIFICATION-IDs one `notifications.nextId(count)` takes. */
export const MAX_NOTIFICATION_ID_BLOCK = 1024;

/** `nextId(count)`'s count: a whole number from 1 to MAX_NOTIFICATION_ID_BLOCK, else INVALID_INPUT. */
export function checkNotificationIdCount(count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > MAX_NOTIFICATION_ID_BLOCK)
    throw invalid(`a NOTIFICATION-ID block is 1 to ${MAX_NOTIFICATION_ID_BLOCK} ids, not ${count}`);
  return count;
}

/** The first id of a block whose last id (after the counter moved by `count`) is `last`. */
export function firstOfNotificationIds(last: number, count: number): number {
  return (last - count + 1 + 0x10000) % 0x10000;
}

/** A strong ETag that changes on every write (the version) and names the content (a digest prefix). */
export function makeEtag(version: number, body: Uint8Array): string {
  const digest = createHash("sha256").update(body).digest("base64url").slice(0, 16);
  return `"${version}-${digest}"`;
}

export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** The empty string stands for "shared" in the repository's key column (a device id is never empty). */
export const SHARED_SCOPE = "";
