// Webhooks (docs/observability.md "Webhooks"): HTTP endpoints that receive the server events of the event log
// (events/event-types.ts), each from its own cursor, signed with its own secret. The store keeps the
// subscriptions, their cursors and the events that could not be delivered (dead letters); the dispatcher
// (webhooks/dispatcher.ts) does the sending.
import type { ServerEvent } from "../events/event-types.js";
import type { Page } from "./types.js";

export interface Webhook {
  readonly id: string;
  /** http: or https:, without credentials. */
  readonly url: string;
  /** Event kinds delivered; empty: every kind. */
  readonly kinds: readonly string[];
  readonly enabled: boolean;
  /** The HMAC-SHA256 key. Kept to sign with; never leaves the server after the answer that created or rotated it. */
  readonly secret: string;
  /** Every event with an id up to this one has been delivered or dead-lettered. */
  readonly cursor: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewWebhook {
  readonly url: string;
  readonly kinds: readonly string[];
  readonly enabled: boolean;
  readonly secret: string;
  /** Where delivery starts: usually the event log's `lastId()`, so only events from now on are sent. */
  readonly cursor: number;
}

export interface WebhookPatch {
  readonly url?: string;
  readonly kinds?: readonly string[];
  readonly enabled?: boolean;
  readonly secret?: string;
}

/** An event whose every delivery attempt failed. Keyed by (webhook, event id). */
export interface DeadLetter {
  readonly webhookId: string;
  readonly eventId: number;
  readonly event: ServerEvent;
  /** Attempts made in all, redeliveries included. */
  readonly attempts: number;
  /** The last attempt's failure: an HTTP status or a network error, never a header or body sent. */
  readonly lastError: string;
  readonly failedAt: number;
}

export interface NewDeadLetter {
  readonly event: ServerEvent;
  readonly attempts: number;
  readonly lastError: string;
}

export interface DeadLetterQuery {
  /** 1..1000, default 100. */
  readonly limit?: number | undefined;
  /** The previous page's `nextCursor`. */
  readonly cursor?: string | undefined;
}

export interface WebhookStore {
  /** INVALID_INPUT for a malformed url, kind or secret. */
  create(input: NewWebhook): Promise<Webhook>;
  get(id: string): Promise<Webhook | null>;
  /** Every webhook, oldest first. */
  list(): Promise<readonly Webhook[]>;
  /** WEBHOOK_NOT_FOUND; INVALID_INPUT. The cursor is not patched: it moves only by `advance`. */
  update(id: string, patch: WebhookPatch): Promise<Webhook>;
  /** Deletes the webhook and its dead letters. false when it did not exist. */
  delete(id: string): Promise<boolean>;
  /**
   * Moves the cursor from `from` to `to` (> `from`) and, with `deadLetter`, records it, in one step; false and
   * nothing changed when the cursor is no longer `from` (another dispatcher moved it) or the webhook is gone.
   */
  advance(id: string, from: number, to: number, deadLetter?: NewDeadLetter): Promise<boolean>;
  /** Oldest event first. WEBHOOK_NOT_FOUND; BAD_CURSOR. */
  listDeadLetters(id: string, query?: DeadLetterQuery): Promise<Page<DeadLetter>>;
  getDeadLetter(id: string, eventId: number): Promise<DeadLetter | null>;
  /** A redelivery failed again: one more attempt and its error. WEBHOOK_DEAD_LETTER_NOT_FOUND. */
  recordDeadLetterAttempt(id: string, eventId: number, error: string): Promise<DeadLetter>;
  /** false when there was none. */
  deleteDeadLetter(id: string, eventId: number): Promise<boolean>;
}
