// One delivery attempt: a POST of the event to the webhook's URL with its signature, within a time-out. Only a
// 2xx answer counts as delivered; a redirect is not followed (the signature was made for this URL). The error
// text names the status or the network failure, never a header or the body sent.
import type { ServerEvent } from "../events/event-types.js";
import { deliveryId, signatureOf, WebhookHeader } from "./signature.js";

export interface AttemptResult {
  readonly ok: boolean;
  /** null when ok. */
  readonly error: string | null;
  readonly status: number | null;
}

export interface AttemptRequest {
  readonly url: string;
  readonly webhookId: string;
  readonly secret: string;
  readonly event: ServerEvent;
  readonly nowMs: number;
  readonly timeoutMs: number;
  /** Aborts the attempt when the dispatcher stops. */
  readonly signal?: AbortSignal | undefined;
}

const TIMED_OUT = Symbol("timed out");

export type SendAttempt = (request: AttemptRequest) => Promise<AttemptResult>;

/** The body every webhook receives: the event as `GET /api/v1/events` sends it (time as RFC 3339). */
export function webhookBody(event: ServerEvent): string {
  return JSON.stringify({ ...event, at: new Date(event.at).toISOString() });
}

export const sendAttempt: SendAttempt = async (request) => {
  const body = webhookBody(request.event);
  const timestamp = Math.floor(request.nowMs / 1000);
  // One controller for both the time-out and the dispatcher's stop (AbortSignal.any needs Node ≥ 20.3).
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(TIMED_OUT);
  }, request.timeoutMs);
  const onStop = () => {
    controller.abort();
  };
  request.signal?.addEventListener("abort", onStop, { once: true });
  const signal = controller.signal;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      redirect: "manual",
      signal,
      headers: {
        "content-type": "application/json",
        "user-agent": "omadm-webhooks",
        [WebhookHeader.WebhookId]: request.webhookId,
        [WebhookHeader.DeliveryId]: deliveryId(request.webhookId, request.event.id),
        [WebhookHeader.EventId]: String(request.event.id),
        [WebhookHeader.EventKind]: request.event.kind,
        [WebhookHeader.Timestamp]: String(timestamp),
        [WebhookHeader.Signature]: signatureOf(request.secret, timestamp, body),
      },
      body,
    });
    // The answer's body is not needed; reading it frees the connection for reuse.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, error: null, status: response.status };
    return { ok: false, error: `HTTP ${response.status}`, status: response.status };
  } catch (error) {
    if (controller.signal.reason === TIMED_OUT)
      return { ok: false, error: `no answer within ${request.timeoutMs} ms`, status: null };
    return { ok: false, error: networkError(error), status: null };
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", onStop);
  }
};

function networkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return `network error ${cause.code}`;
  if (error instanceof Error && error.name === "AbortError") return "aborted";
  return typeof cause?.message === "string" ? `network error: ${cause.message}` : "network error";
}
