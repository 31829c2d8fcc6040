// The webhook resources of the REST API as TypeBox schemas, and the views that build them from store records.
// A view never carries the secret: it leaves the server only in the answer that creates or rotates it.
import { Type } from "typebox";
import type { ServerEvent } from "../events/event-types.js";
import type { DeadLetter, Webhook } from "../store/types-webhooks.js";
import { MAX_WEBHOOK_KINDS, MAX_WEBHOOK_URL_LENGTH } from "../store/webhook-rules.js";
import { iso, Time } from "./common-schemas.js";

const Url = Type.String({
  minLength: 1,
  maxLength: MAX_WEBHOOK_URL_LENGTH,
  description: "http: or https: URL the events are POSTed to (no credentials in it)",
});
const Kinds = Type.Array(Type.String({ minLength: 3, maxLength: 100 }), {
  maxItems: MAX_WEBHOOK_KINDS,
  description: "Event kinds to deliver (e.g. `command.state`); empty: every kind",
});

export const NewWebhookBody = Type.Object(
  { url: Url, kinds: Type.Optional(Kinds), enabled: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);
export const WebhookPatchBody = Type.Object(
  { url: Type.Optional(Url), kinds: Type.Optional(Kinds), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);

export const WebhookView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  kinds: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  cursor: Type.Integer({ description: "Every event up to this id was delivered or dead-lettered" }),
  createdAt: Time,
  updatedAt: Time,
});

export const WebhookWithSecret = Type.Object({
  secret: Type.String({ description: "The signing secret (HMAC-SHA256 key). Shown once: store it now." }),
  record: WebhookView,
});

export const EventView = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  deviceId: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.String(), Type.Null()]),
  commandId: Type.Union([Type.String(), Type.Null()]),
  data: Type.Unknown(),
  at: Time,
});

export const DeadLetterView = Type.Object({
  webhookId: Type.String(),
  eventId: Type.Integer(),
  event: EventView,
  attempts: Type.Integer({ description: "Attempts made, redeliveries included" }),
  lastError: Type.String({ description: "Why the last attempt failed (HTTP status or network error)" }),
  failedAt: Time,
});

export const RedeliveryView = Type.Object({
  delivered: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  deadLetter: Type.Union([DeadLetterView, Type.Null()], { description: "The letter as it stays; null once delivered" }),
});

export function webhookView(h: Webhook) {
  return {
    id: h.id,
    url: h.url,
    kinds: [...h.kinds],
    enabled: h.enabled,
    cursor: h.cursor,
    createdAt: iso(h.createdAt),
    updatedAt: iso(h.updatedAt),
  };
}

export function eventView(e: ServerEvent) {
  return { ...e, at: iso(e.at) };
}

export function deadLetterView(l: DeadLetter) {
  return {
    webhookId: l.webhookId,
    eventId: l.eventId,
    event: eventView(l.event),
    attempts: l.attempts,
    lastError: l.lastError,
    failedAt: iso(l.failedAt),
  };
}
