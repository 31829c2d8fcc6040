// What a webhook request carries besides its body, and how it is signed (docs/observability.md "Webhooks"):
// HMAC-SHA256 with the webhook's secret over `<timestamp>.<body>`, so a receiver that checks the timestamp's age
// refuses replays, and one that keeps delivery ids refuses duplicates. Pure: no I/O.
import { createHmac, timingSafeEqual } from "node:crypto";

export const WebhookHeader = {
  WebhookId: "OMADM-Webhook-Id",
  /** `<webhook id>:<event id>`: the same for every attempt and redelivery of one event to one webhook. */
  DeliveryId: "OMADM-Delivery-Id",
  EventId: "OMADM-Event-Id",
  EventKind: "OMADM-Event-Kind",
  /** Unix seconds of this attempt. */
  Timestamp: "OMADM-Timestamp",
  /** `v1=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
  Signature: "OMADM-Signature",
} as const;

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** A receiver's check: the signature matches and the timestamp is within `toleranceSeconds` of `nowSeconds`. */
export function verifySignature(
  secret: string,
  headers: { readonly timestamp: string; readonly signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isSafeInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function deliveryId(webhookId: string, eventId: number): string {
  return `${webhookId}:${eventId}`;
}

/**
 * The wait before attempt `attempt + 1` after `attempt` failures: `baseMs · 2^(attempt−1)`, capped at `maxMs`,
 * with "equal jitter" (half fixed, half random) so that many webhooks failing together do not retry in step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
