// Input checks and errors every webhook store shares, so memory, SQLite and PostgreSQL refuse the same things.
import { ServerError, ServerErrorCode } from "../errors.js";
import { EVENT_KIND_PATTERN } from "../events/event-types.js";
import { invalid, requireText } from "./rules.js";
import type { NewDeadLetter, NewWebhook, WebhookPatch } from "./types-webhooks.js";

export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_KINDS = 50;
export const MAX_DEAD_LETTER_ERROR_LENGTH = 500;

/** http: or https: with a host and no credentials (they would be logged and shown back). */
export function checkWebhookUrl(value: unknown): string {
  const text = requireText(value, "url");
  if (text.length > MAX_WEBHOOK_URL_LENGTH) throw invalid(`url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid("url is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid("url must be http: or https:");
  if (url.hostname === "") throw invalid("url must name a host");
  if (url.username !== "" || url.password !== "") throw invalid("url must not carry credentials");
  return text;
}

export function checkWebhookKinds(value: unknown): readonly string[] {
  if (!Array.isArray(value)) throw invalid("kinds must be an array of event kinds");
  if (value.length > MAX_WEBHOOK_KINDS) throw invalid(`kinds holds at most ${MAX_WEBHOOK_KINDS} kinds`);
  for (const kind of value)
    if (typeof kind !== "string" || !EVENT_KIND_PATTERN.test(kind))
      throw invalid(`kind ${JSON.stringify(kind)} is not an event kind (area.what)`);
  return [...new Set(value as string[])];
}

function checkSecret(value: unknown): string {
  const secret = requireText(value, "secret");
  if (secret.length < 16) throw invalid("secret must be at least 16 characters");
  return secret;
}

export function checkNewWebhook(input: NewWebhook): NewWebhook {
  if (typeof input.enabled !== "boolean") throw invalid("enabled must be a boolean");
  if (!Number.isSafeInteger(input.cursor) || input.cursor < 0) throw invalid("cursor must be an integer ≥ 0");
  return {
    url: checkWebhookUrl(input.url),
    kinds: checkWebhookKinds(input.kinds),
    enabled: input.enabled,
    secret: checkSecret(input.secret),
    cursor: input.cursor,
  };
}

export function checkWebhookPatch(patch: WebhookPatch): WebhookPatch {
  if (patch.enabled !== undefined && typeof patch.enabled !== "boolean") throw invalid("enabled must be a boolean");
  return {
    ...(patch.url !== undefined && { url: checkWebhookUrl(patch.url) }),
    ...(patch.kinds !== undefined && { kinds: checkWebhookKinds(patch.kinds) }),
    ...(patch.enabled !== undefined && { enabled: patch.enabled }),
    ...(patch.secret !== undefined && { secret: checkSecret(patch.secret) }),
  };
}

export function checkAdvance(from: number, to: number, letter: NewDeadLetter | undefined): void {
  if (!Number.isSafeInteger(from) || from < 0 || !Number.isSafeInteger(to) || to <= from)
    throw invalid("advance needs integers 0 ≤ from < to");
  if (letter !== undefined) {
    if (letter.event.id <= from || letter.event.id > to) throw invalid("a dead letter's event must lie in (from, to]");
    if (!Number.isSafeInteger(letter.attempts) || letter.attempts < 1) throw invalid("attempts must be ≥ 1");
  }
}

/** Error texts are bounded: they come from the receiver (a status line) or the network. */
export function clipError(error: string): string {
  return error.length <= MAX_DEAD_LETTER_ERROR_LENGTH ? error : `${error.slice(0, MAX_DEAD_LETTER_ERROR_LENGTH - 1)}…`;
}

export function webhookNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.WEBHOOK_NOT_FOUND, `no webhook ${id}`);
}

export function deadLetterNotFound(id: string, eventId: number): ServerError {
  return new ServerError(ServerErrorCode.WEBHOOK_DEAD_LETTER_NOT_FOUND, `webhook ${id} has no dead letter ${eventId}`);
}
