// /api/v1/webhooks: subscriptions that receive the server events by HTTP POST, signed (docs/observability.md
// "Webhooks"). The signing secret is made here, shown in the creation (or rotation) answer only, and never
// again; a new webhook starts after the newest event in the log. Dead letters are the events whose every
// attempt failed: they can be listed, redelivered (one attempt now) and deleted.
import { randomBytes } from "node:crypto";
import { Type } from "typebox";
import { ServerErrorCode } from "../errors.js";
import { deadLetterNotFound, webhookNotFound } from "../store/webhook-rules.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { need } from "./api-context.js";
import { defined, IdParams, mapPage, PageOf, PageQuery, pageArgs } from "./common-schemas.js";
import { BODY_ERROR_CODES, LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import {
  DeadLetterView,
  deadLetterView,
  NewWebhookBody,
  RedeliveryView,
  WebhookPatchBody,
  WebhookView,
  webhookView,
  WebhookWithSecret,
} from "./webhook-schemas.js";

const C = ServerErrorCode;
const tags = ["webhooks"];
const LetterParams = Type.Object({ id: IdParams.properties.id, eventId: Type.Integer({ minimum: 1 }) });

/** 32 random bytes: the HMAC key a receiver verifies with. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function registerWebhookRoutes(app: ApiApp, ctx: ApiContext): void {
  const { store } = ctx;
  const hooks = store.webhooks;
  const requireHook = async (id: string) => {
    const hook = await hooks.get(id);
    if (hook === null) throw webhookNotFound(id);
    return hook;
  };

  app.post(
    "/webhooks",
    {
      schema: {
        tags,
        operationId: "createWebhook",
        summary: "Create a webhook (its signing secret is returned once); it receives events from now on",
        body: NewWebhookBody,
        response: { 201: WebhookWithSecret, ...problemResponses(C.INVALID_INPUT, ...BODY_ERROR_CODES) },
      },
    },
    async (request, reply) => {
      const secret = newSecret();
      const record = await hooks.create({
        url: request.body.url,
        kinds: request.body.kinds ?? [],
        enabled: request.body.enabled ?? true,
        secret,
        cursor: await store.events.lastId(),
      });
      request.log.info({ webhookId: record.id, url: record.url }, "webhook created");
      ctx.webhooks?.refresh();
      return reply.code(201).send({ secret, record: webhookView(record) });
    },
  );

  app.get(
    "/webhooks",
    {
      schema: {
        tags,
        operationId: "listWebhooks",
        summary: "List webhooks (never their secrets)",
        response: { 200: Type.Object({ items: Type.Array(WebhookView) }), ...problemResponses() },
      },
    },
    async () => ({ items: (await hooks.list()).map(webhookView) }),
  );

  app.get(
    "/webhooks/:id",
    {
      schema: {
        tags,
        operationId: "getWebhook",
        summary: "Read one webhook",
        params: IdParams,
        response: { 200: WebhookView, ...problemResponses(C.WEBHOOK_NOT_FOUND) },
      },
    },
    async (request) => webhookView(await requireHook(request.params.id)),
  );

  app.patch(
    "/webhooks/:id",
    {
      schema: {
        tags,
        operationId: "updateWebhook",
        summary: "Change a webhook's URL, event kinds or enabled flag (a disabled one resumes from its cursor)",
        params: IdParams,
        body: WebhookPatchBody,
        response: { 200: WebhookView, ...problemResponses(C.WEBHOOK_NOT_FOUND, C.INVALID_INPUT, ...BODY_ERROR_CODES) },
      },
    },
    async (request) => {
      const { url, kinds, enabled } = request.body;
      const record = await hooks.update(request.params.id, defined({ url, kinds, enabled }));
      ctx.webhooks?.refresh();
      return webhookView(record);
    },
  );

  app.post(
    "/webhooks/:id/secret",
    {
      schema: {
        tags,
        operationId: "rotateWebhookSecret",
        summary: "Replace a webhook's signing secret (the new one is returned once and signs from the next attempt)",
        params: IdParams,
        response: { 200: WebhookWithSecret, ...problemResponses(C.WEBHOOK_NOT_FOUND) },
      },
    },
    async (request) => {
      const secret = newSecret();
      const record = await hooks.update(request.params.id, { secret });
      request.log.info({ webhookId: record.id }, "webhook secret rotated");
      return { secret, record: webhookView(record) };
    },
  );

  app.delete(
    "/webhooks/:id",
    {
      schema: {
        tags,
        operationId: "deleteWebhook",
        summary: "Delete a webhook and its dead letters",
        params: IdParams,
        response: { 204: Type.Null({ description: "Deleted" }), ...problemResponses(C.WEBHOOK_NOT_FOUND) },
      },
    },
    async (request, reply) => {
      if (!(await hooks.delete(request.params.id))) throw webhookNotFound(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/webhooks/:id/dead-letters",
    {
      schema: {
        tags,
        operationId: "listWebhookDeadLetters",
        summary: "List the events whose every delivery attempt failed (oldest event first)",
        params: IdParams,
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: PageOf(DeadLetterView), ...problemResponses(C.WEBHOOK_NOT_FOUND, ...LIST_ERROR_CODES) },
      },
    },
    async (request) => mapPage(await hooks.listDeadLetters(request.params.id, pageArgs(request.query)), deadLetterView),
  );

  app.get(
    "/webhooks/:id/dead-letters/:eventId",
    {
      schema: {
        tags,
        operationId: "getWebhookDeadLetter",
        summary: "Read one dead letter",
        params: LetterParams,
        response: { 200: DeadLetterView, ...problemResponses(C.WEBHOOK_DEAD_LETTER_NOT_FOUND) },
      },
    },
    async (request) => {
      const { id, eventId } = request.params;
      const letter = await hooks.getDeadLetter(id, eventId);
      if (letter === null) throw deadLetterNotFound(id, eventId);
      return deadLetterView(letter);
    },
  );

  app.post(
    "/webhooks/:id/dead-letters/:eventId/redeliver",
    {
      schema: {
        tags,
        operationId: "redeliverWebhookDeadLetter",
        summary: "Send a dead letter again now (one attempt): delivered, it is deleted; failed, it stays",
        params: LetterParams,
        response: {
          200: RedeliveryView,
          ...problemResponses(C.WEBHOOK_DEAD_LETTER_NOT_FOUND, C.API_COMPONENT_UNAVAILABLE),
        },
      },
    },
    async (request) => {
      const { id, eventId } = request.params;
      const dispatcher = need(ctx.webhooks, "webhook dispatcher", "webhooks");
      const result = await dispatcher.redeliver(id, eventId);
      if (result === null) throw deadLetterNotFound(id, eventId);
      const letter = result.delivered ? null : await hooks.getDeadLetter(id, eventId);
      return { ...result, deadLetter: letter === null ? null : deadLetterView(letter) };
    },
  );

  app.delete(
    "/webhooks/:id/dead-letters/:eventId",
    {
      schema: {
        tags,
        operationId: "deleteWebhookDeadLetter",
        summary: "Delete a dead letter (the event is not sent again)",
        params: LetterParams,
        response: {
          204: Type.Null({ description: "Deleted" }),
          ...problemResponses(C.WEBHOOK_DEAD_LETTER_NOT_FOUND),
        },
      },
    },
    async (request, reply) => {
      const { id, eventId } = request.params;
      if (!(await hooks.deleteDeadLetter(id, eventId))) throw deadLetterNotFound(id, eventId);
      return reply.code(204).send(null);
    },
  );
}
