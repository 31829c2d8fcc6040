// /api/v1/ui-sessions: SHOW pages (docs/protocol.md §4.6). One call creates the UI session from a template, gets
// its ServerURI from the Web Server Component and (by default) queues the SHOW command that opens it on the
// device, linked to the UI session; the user's answer is read back here.
import { Type } from "typebox";
import { isServerError, ServerError, ServerErrorCode } from "../errors.js";
import { UiSessionState } from "../store/types-content.js";
import type { Command } from "../store/types.js";
import { need, type ApiApp, type ApiContext } from "./api-context.js";
import { defined, IdParams, mapPage, PageOf, PageQuery, pageArgs } from "./common-schemas.js";
import { BODY_ERROR_CODES, LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import { commandView, CommandView, uiSessionView, UiSessionView } from "./record-schemas.js";

const C = ServerErrorCode;
const tags = ["ui-sessions"];

const CreateUiSessionBody = Type.Object(
  {
    deviceId: Type.String({ minLength: 1 }),
    template: Type.Unknown({ description: "Text, choices, form fields: see the Web Server Component" }),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, description: "The UI session (and its SHOW) expire after" })),
    show: Type.Optional(Type.Boolean({ description: "Queue the SHOW command for the device (default true)" })),
  },
  { additionalProperties: false },
);

const CreatedUiSession = Type.Object({
  uiSession: UiSessionView,
  serverUri: Type.String({ description: "The page's ServerURI, carrying the UI session id" }),
  command: Type.Union([CommandView, Type.Null()], { description: "The queued SHOW command, unless show=false" }),
});

const UiSessionListQuery = Type.Object({
  deviceId: Type.Optional(Type.String({ minLength: 1 })),
  state: Type.Optional(Type.Enum(Object.values(UiSessionState))),
  ...PageQuery,
});

export function registerUiSessionRoutes(app: ApiApp, ctx: ApiContext): void {
  const { store, commands } = ctx;

  app.post(
    "/ui-sessions",
    {
      schema: {
        tags,
        operationId: "createUiSession",
        summary: "Create a SHOW page from a template and queue the SHOW command that opens it",
        body: CreateUiSessionBody,
        response: {
          201: CreatedUiSession,
          ...problemResponses(
            C.DEVICE_NOT_FOUND,
            C.UI_TEMPLATE_INVALID,
            C.INVALID_INPUT,
            C.COMMAND_INVALID,
            C.API_COMPONENT_UNAVAILABLE,
            ...BODY_ERROR_CODES,
          ),
        },
      },
    },
    async (request, reply) => {
      const ui = need(ctx.uiSessions, "Web Server Component", "uiSessions");
      const { deviceId, template, ttlSeconds, show } = request.body;
      if ((await store.devices.get(deviceId)) === null)
        throw new ServerError(C.DEVICE_NOT_FOUND, `no device ${deviceId}`);
      const created = await ui.create(deviceId, template, defined({ ttlSeconds }));
      let command: Command | null = null;
      let uiSession = created.uiSession;
      if (show !== false) {
        try {
          command = (
            await commands.enqueue({ deviceId, command: ["SHOW", created.serverUri], ...defined({ ttlSeconds }) })
          ).command;
        } catch (error) {
          if (!isServerError(error)) throw error;
          throw new ServerError(
            error.code,
            `UI session ${uiSession.id} was created, but its SHOW command was not queued: ${error.message}`,
            { cause: error },
          );
        }
        uiSession = await ui.linkCommand(uiSession.id, command.id);
      }
      return reply
        .code(201)
        .header("location", `/api/v1/ui-sessions/${encodeURIComponent(uiSession.id)}`)
        .send({
          uiSession: uiSessionView(uiSession, ctx.clock.now()),
          serverUri: created.serverUri,
          command: command === null ? null : commandView(command),
        });
    },
  );

  app.get(
    "/ui-sessions",
    {
      schema: {
        tags,
        operationId: "listUiSessions",
        summary: "List UI sessions (creation order; filter by device, state)",
        querystring: UiSessionListQuery,
        response: { 200: PageOf(UiSessionView), ...problemResponses(...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { deviceId, state } = request.query;
      const page = await store.uiSessions.list({ ...defined({ deviceId, state }), ...pageArgs(request.query) });
      return mapPage(page, (u) => uiSessionView(u, ctx.clock.now()));
    },
  );

  app.get(
    "/ui-sessions/:id",
    {
      schema: {
        tags,
        operationId: "getUiSession",
        summary: "Read a UI session with the user's answer",
        params: IdParams,
        response: { 200: UiSessionView, ...problemResponses(C.UI_SESSION_NOT_FOUND) },
      },
    },
    async (request) => {
      const found = await store.uiSessions.get(request.params.id);
      if (found === null) throw new ServerError(C.UI_SESSION_NOT_FOUND, `no UI session ${request.params.id}`);
      return uiSessionView(found, ctx.clock.now());
    },
  );
}
