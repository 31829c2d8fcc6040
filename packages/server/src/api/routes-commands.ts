// /api/v1/…/commands: queue a command for a device (any of the twelve DM 2.0 commands but END and CONT, in the
// P2 array form or the named form), with an idempotency key and an expiry; list, read (status code and
// result), cancel. The queue itself is the store's (durable, ARCHITECTURE.md invariant 5).
import { Type } from "typebox";
import { ServerError, ServerErrorCode } from "../errors.js";
import { OPERATOR_COMMANDS } from "../services/command-input.js";
import { DeliveryPolicy, type CommandState } from "../store/types.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import {
  DeviceIdParams,
  defined,
  IdParams,
  mapPage,
  OrderQuery,
  PageOf,
  PageQuery,
  pageArgs,
} from "./common-schemas.js";
import { BODY_ERROR_CODES, LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import { commandView, CommandView, CommandStates } from "./record-schemas.js";

const C = ServerErrorCode;
const tags = ["commands"];

const NamedCommand = Type.Object(
  {
    name: Type.String({ description: OPERATOR_COMMANDS.join(", ") }),
    serverUri: Type.Optional(Type.String({ description: "ServerURI (HGET, HPUT, HPOST, EXEC, SHOW, DEFAULT, SUB)" })),
    clientUri: Type.Optional(Type.String({ description: "ClientURI (HGET, DELETE, EXEC, GET, SUB, UNSUB)" })),
    clientUris: Type.Optional(
      Type.Union([Type.Array(Type.String()), Type.String()], { description: "ClientURI(s) (HPUT, HPOST)" }),
    ),
    moid: Type.Optional(Type.String({ description: "MOID (DEFAULT)" })),
  },
  // Unknown fields reach the command service, which names them in its refusal.
  { additionalProperties: true, description: "Named form: the fields of the command's parameter table" },
);

export const EnqueueBody = Type.Object(
  {
    command: Type.Union(
      [
        Type.Array(Type.String(), {
          minItems: 1,
          description: 'Package#2 array form: ["HGET", serverUri, clientUri?] (docs/protocol.md §4)',
        }),
        NamedCommand,
      ],
      { description: "The command, in the P2 array form or the named form" },
    ),
    idempotencyKey: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "Or the Idempotency-Key header" }),
    ),
    expiresAt: Type.Optional(Type.String({ format: "date-time", description: "Not sent after this time" })),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, description: "Alternative to expiresAt" })),
    delivery: Type.Optional(
      Type.Enum(Object.values(DeliveryPolicy), {
        description:
          "What happens when it is sent and never answered (docs/delivery.md): `at-least-once` is sent again, " +
          "up to dm.maxDeliveries times in all, then fails; `at-most-once` is never sent again and ends " +
          "`unknown`. Default: at-most-once for EXEC, HPOST and SHOW, at-least-once for the others",
      }),
    ),
  },
  { additionalProperties: false },
);

const StateFilter = Type.Union([Type.Enum(CommandStates), Type.Array(Type.Enum(CommandStates))], {
  description: "One state, or several (repeat the parameter)",
});

const DeviceCommandsQuery = Type.Object({ state: Type.Optional(StateFilter), ...OrderQuery, ...PageQuery });
const CommandsQuery = Type.Object({
  deviceId: Type.Optional(Type.String({ minLength: 1 })),
  sessionId: Type.Optional(Type.String({ minLength: 1 })),
  state: Type.Optional(StateFilter),
  ...OrderQuery,
  ...PageQuery,
});

const IdempotencyHeaders = Type.Object({
  "idempotency-key": Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

function stateArg(state: CommandState | readonly CommandState[] | undefined) {
  return state === undefined ? {} : { state };
}

export function registerCommandRoutes(app: ApiApp, ctx: ApiContext): void {
  const { commands, store } = ctx;

  app.post(
    "/devices/:deviceId/commands",
    {
      schema: {
        tags,
        operationId: "queueCommand",
        summary: "Queue a command for a device",
        description:
          "201 with the new command, or 200 with the earlier one when the idempotency key (body " +
          "`idempotencyKey` or header `Idempotency-Key`) was already used for the same command on this device.",
        params: DeviceIdParams,
        headers: IdempotencyHeaders,
        body: EnqueueBody,
        response: {
          200: CommandView,
          201: CommandView,
          ...problemResponses(
            C.COMMAND_INVALID,
            C.COMMAND_RESERVED,
            C.INVALID_INPUT,
            C.DEVICE_NOT_FOUND,
            C.IDEMPOTENCY_CONFLICT,
            ...BODY_ERROR_CODES,
          ),
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const headerKey = request.headers["idempotency-key"];
      if (headerKey !== undefined && body.idempotencyKey !== undefined && headerKey !== body.idempotencyKey) {
        throw new ServerError(C.INVALID_INPUT, "the Idempotency-Key header and body idempotencyKey differ");
      }
      const idempotencyKey = body.idempotencyKey ?? headerKey;
      const expiresAt = body.expiresAt === undefined ? undefined : Date.parse(body.expiresAt);
      if (expiresAt !== undefined && Number.isNaN(expiresAt)) {
        throw new ServerError(C.INVALID_INPUT, `expiresAt ${JSON.stringify(body.expiresAt)} is not a time`);
      }
      const { command, created } = await commands.enqueue({
        deviceId: request.params.deviceId,
        command: body.command,
        ...defined({ idempotencyKey, expiresAt, ttlSeconds: body.ttlSeconds, delivery: body.delivery }),
      });
      return reply
        .code(created ? 201 : 200)
        .header("location", `/api/v1/commands/${encodeURIComponent(command.id)}`)
        .send(commandView(command));
    },
  );

  app.get(
    "/devices/:deviceId/commands",
    {
      schema: {
        tags,
        operationId: "listDeviceCommands",
        summary: "List a device's commands (enqueue order; filter by state)",
        params: DeviceIdParams,
        querystring: DeviceCommandsQuery,
        response: { 200: PageOf(CommandView), ...problemResponses(C.DEVICE_NOT_FOUND, ...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { deviceId } = request.params;
      if ((await store.devices.get(deviceId)) === null)
        throw new ServerError(C.DEVICE_NOT_FOUND, `no device ${deviceId}`);
      const { order } = request.query;
      const page = await commands.list({
        deviceId,
        ...stateArg(request.query.state),
        ...defined({ order }),
        ...pageArgs(request.query),
      });
      return mapPage(page, commandView);
    },
  );

  app.get(
    "/commands",
    {
      schema: {
        tags,
        operationId: "listCommands",
        summary: "List commands of every device (enqueue order; filter by device, session, state)",
        querystring: CommandsQuery,
        response: { 200: PageOf(CommandView), ...problemResponses(...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { deviceId, sessionId, order } = request.query;
      const page = await commands.list({
        ...defined({ deviceId, sessionId, order }),
        ...stateArg(request.query.state),
        ...pageArgs(request.query),
      });
      return mapPage(page, commandView);
    },
  );

  app.get(
    "/commands/:id",
    {
      schema: {
        tags,
        operationId: "getCommand",
        summary: "Read a command with its state, DM status code and result",
        params: IdParams,
        response: { 200: CommandView, ...problemResponses(C.COMMAND_NOT_FOUND) },
      },
    },
    async (request) => commandView(await commands.get(request.params.id)),
  );

  app.post(
    "/commands/:id/cancel",
    {
      schema: {
        tags,
        operationId: "cancelCommand",
        summary: "Cancel a queued or sent command (or stop waiting for an accepted one's alert)",
        description:
          "A cancelled command is never sent (again). One cancelled while `sent` keeps its session; if the " +
          "device still answers it there, the status and result are recorded and it stays `cancelled` " +
          "(docs/delivery.md).",
        params: IdParams,
        response: { 200: CommandView, ...problemResponses(C.COMMAND_NOT_FOUND, C.COMMAND_ILLEGAL_TRANSITION) },
      },
    },
    async (request) => commandView(await commands.cancel(request.params.id)),
  );
}
