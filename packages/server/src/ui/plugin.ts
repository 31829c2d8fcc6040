// The Web Server Component over HTTP (docs/protocol.md §4.6 steps 2–3, §4.6): the Web Browser Component
// the DM Client launched loads the SHOW ServerURI, the user answers, the answer is stored for the DM Server.
//   GET  /ui/session?uiid=<id>   the page (marks the UI session opened)
//   POST /ui/session?uiid=<id>   the answer, application/x-www-form-urlencoded (marks it completed)
// Unknown → 404, already answered → 409, expired → 410, each as a short page that says so to a browser (a request
// that accepts text/html) and as a problem (../edge/problem.ts) to anything else; the framework's own refusals
// (413, 415) are answered by the server's HTTP edge.
// Register without a fastify `prefix`: app.register(uiPlugin, { store, clock, publicBaseUrl })
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { refuse } from "../edge/problem.js";
import { hasServerErrorCode, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import { UiSessionState, type UiSession } from "../store/types-content.js";
import { normalizeBaseUrl } from "../repository/paths.js";
import { parseSubmission } from "./form.js";
import { PAGE_CSP } from "./html.js";
import { renderMessagePage, renderSessionPage } from "./render.js";
import { effectiveUiState, UI_SESSION_ROUTE, UIID_PARAM } from "./service.js";
import { checkUiTemplate, type UiTemplate } from "./template.js";

export interface UiPluginOptions {
  readonly store: Store;
  readonly clock: Clock;
  /**
   * The public base URL; its origin is accepted in a POST's `Origin` besides the request's own Host (for a
   * server behind a reverse proxy). Pages use relative URLs, so they work under any host name.
   */
  readonly publicBaseUrl?: string | undefined;
  /** Largest form body (default 64 KiB). */
  readonly maxFormBytes?: number | undefined;
}

const FORM_TYPE = "application/x-www-form-urlencoded";
const HTML_TYPE = "text/html; charset=utf-8";
/** Ids the service makes are base64url; the store's own are UUIDs. Anything else cannot be a UI session. */
const UIID_SYNTAX = /^[A-Za-z0-9._~-]{1,128}$/;
export const DEFAULT_MAX_FORM_BYTES = 64 * 1024;

type Lookup =
  | { readonly kind: "answerable"; readonly ui: UiSession; readonly template: UiTemplate }
  | {
      readonly kind: "closed";
      readonly status: number;
      readonly code: ServerErrorCode;
      readonly title: string;
      readonly message: string;
    };

const NOT_FOUND: Lookup = {
  kind: "closed",
  status: 404,
  code: ServerErrorCode.UI_SESSION_NOT_FOUND,
  title: "Page not found",
  message: "This link does not lead to a question. Check that it was copied completely.",
};

function closedFor(state: UiSessionState): Lookup | undefined {
  if (state === UiSessionState.Completed) {
    return {
      kind: "closed",
      status: 409,
      code: ServerErrorCode.UI_SESSION_ILLEGAL_TRANSITION,
      title: "Already answered",
      message: "This question was already answered. Thank you.",
    };
  }
  if (state === UiSessionState.Expired) {
    return {
      kind: "closed",
      status: 410,
      code: ServerErrorCode.UI_SESSION_EXPIRED,
      title: "This page has expired",
      message: "The question can no longer be answered.",
    };
  }
  return undefined;
}

export const uiPlugin: FastifyPluginCallback<UiPluginOptions> = (app, options, done) => {
  const { store, clock } = options;
  const extraOrigin =
    options.publicBaseUrl === undefined ? undefined : new URL(normalizeBaseUrl(options.publicBaseUrl)).origin;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    FORM_TYPE,
    { parseAs: "string", bodyLimit: options.maxFormBytes ?? DEFAULT_MAX_FORM_BYTES },
    (_request, body, parsed) => {
      parsed(null, new URLSearchParams(typeof body === "string" ? body : body.toString("utf8")));
    },
  );

  // Every page: the strict CSP, no sniffing, no framing, no caching, and no Referer (the URL is the secret).
  app.addHook("onSend", async (_request, reply, payload) => {
    reply
      .header("Content-Security-Policy", PAGE_CSP)
      .header("X-Content-Type-Options", "nosniff")
      .header("X-Frame-Options", "DENY")
      .header("Referrer-Policy", "no-referrer")
      .header("Cache-Control", "no-store");
    return payload;
  });

  const sendPage = (reply: FastifyReply, status: number, html: string) => reply.code(status).type(HTML_TYPE).send(html);
  /** A page for a browser; an error as a problem to a client that does not take HTML. */
  const sendMessage = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    code: ServerErrorCode | null,
    title: string,
    message: string,
  ) =>
    code !== null && !acceptsHtml(request)
      ? refuse(request, reply, status, code, message)
      : sendPage(reply, status, renderMessagePage(title, message));

  const uiidOf = (request: FastifyRequest): string | undefined => {
    const value = (request.query as Record<string, unknown>)[UIID_PARAM];
    return typeof value === "string" && UIID_SYNTAX.test(value) ? value : undefined;
  };

  const lookup = async (id: string | undefined): Promise<Lookup> => {
    if (id === undefined) return NOT_FOUND;
    const ui = await store.uiSessions.get(id);
    if (ui === null) return NOT_FOUND;
    const closed = closedFor(effectiveUiState(ui, clock.now()));
    if (closed !== undefined) return closed;
    // The template was checked when the session was created; checking again keeps a hand-edited row harmless.
    return { kind: "answerable", ui, template: checkUiTemplate(ui.template) };
  };

  /** A transition refused by the store means the session closed meanwhile (answered or expired): say which. */
  const afterRace = async (request: FastifyRequest, reply: FastifyReply, id: string, error: unknown) => {
    if (!hasServerErrorCode(error, ServerErrorCode.UI_SESSION_ILLEGAL_TRANSITION)) throw error;
    const now = await lookup(id);
    const closed = now.kind === "closed" ? now : closedFor(UiSessionState.Expired);
    if (closed?.kind !== "closed") throw error;
    return sendMessage(request, reply, closed.status, closed.code, closed.title, closed.message);
  };

  const action = (id: string) => `?${UIID_PARAM}=${encodeURIComponent(id)}`;

  // No automatic HEAD: a link preview probing the URL must not count as the user opening the page.
  app.get(UI_SESSION_ROUTE, { exposeHeadRoute: false }, async (request, reply) => {
    const id = uiidOf(request);
    const found = await lookup(id);
    if (found.kind === "closed") {
      return sendMessage(request, reply, found.status, found.code, found.title, found.message);
    }
    try {
      await store.uiSessions.markOpened(found.ui.id);
    } catch (error) {
      return afterRace(request, reply, found.ui.id, error);
    }
    return sendPage(reply, 200, renderSessionPage({ template: found.template, action: action(found.ui.id) }));
  });

  app.post(UI_SESSION_ROUTE, async (request, reply) => {
    if (!sameOrigin(request, extraOrigin)) {
      const message = "The answer did not come from this site's page.";
      return sendMessage(request, reply, 403, ServerErrorCode.UI_ORIGIN_REFUSED, "Not accepted", message);
    }
    const id = uiidOf(request);
    const found = await lookup(id);
    if (found.kind === "closed") {
      return sendMessage(request, reply, found.status, found.code, found.title, found.message);
    }
    const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const submission = parseSubmission(found.template, form);
    if (!submission.ok) {
      const html = renderSessionPage({
        template: found.template,
        action: action(found.ui.id),
        errors: submission.errors,
        values: submission.values,
      });
      if (!acceptsHtml(request)) {
        const detail = submission.errors.map((e) => `${e.name}: ${e.message}`).join("; ");
        return refuse(request, reply, 400, ServerErrorCode.INVALID_INPUT, `the answer is not valid: ${detail}`);
      }
      return sendPage(reply, 400, html);
    }
    try {
      await store.uiSessions.complete(found.ui.id, submission.answer);
    } catch (error) {
      return afterRace(request, reply, found.ui.id, error);
    }
    return sendMessage(
      request,
      reply,
      200,
      null,
      "Thank you",
      "Your answer has been recorded. You can close this page.",
    );
  });

  done();
};

/** Browsers ask for text/html; scripts, devices and probes rarely do. */
function acceptsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/i.test(request.headers.accept ?? "");
}

/**
 * CSRF guard: a browser names the page a form was posted from in `Origin`. Absent (non-browser clients) or
 * "null" (privacy-sensitive contexts) is allowed: the unguessable uiid is the real credential.
 */
function sameOrigin(request: FastifyRequest, extraOrigin: string | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || origin === "null") return true;
  let host: string;
  try {
    const url = new URL(origin);
    if (extraOrigin !== undefined && url.origin === extraOrigin) return true;
    host = url.host;
  } catch {
    return false;
  }
  return host === request.headers.host;
}
