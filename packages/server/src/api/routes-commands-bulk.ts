// POST /api/v1/commands/bulk: queue one command for many devices, or a list of (device, command) pairs, in one
// store transaction (CommandService.enqueueMany). Idempotency keys are per device, as for one command: a repeat
// of the same request returns the commands it queued the first time, and a device refused (unknown device,
// key reused for another command) is reported alone while the others are queued.
import { Type, type Static } from "typebox";
import { ServerError, ServerErrorCode } from "../errors.js";
import { MAX_BULK_COMMANDS, type EnqueueRequest } from "../services/command-service.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { defined } from "./common-schemas.js";
import { BODY_ERROR_CODES, problemResponses } from "./error-docs.js";
import { EnqueueBody } from "./routes-commands.js";

const C = ServerErrorCode;

const Command = EnqueueBody.properties.command;
const Key = Type.String({ minLength: 1, maxLength: 200 });
const DeviceId = Type.String({ minLength: 1, maxLength: 256 });

const BulkBody = Type.Object(
  {
    command: Type.Optional(Command),
    deviceIds: Type.Optional(
      Type.Array(DeviceId, { minItems: 1, maxItems: MAX_BULK_COMMANDS, description: "Queue `command` for each" }),
    ),
    items: Type.Optional(
      Type.Array(
        Type.Object(
          { deviceId: DeviceId, command: Type.Optional(Command), idempotencyKey: Type.Optional(Key) },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: MAX_BULK_COMMANDS, description: "One command per entry (default: `command`)" },
      ),
    ),
    idempotencyKey: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "Used for every device (keys are per device)" }),
    ),
    expiresAt: Type.Optional(Type.String({ format: "date-time" })),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false, description: "Either deviceIds (with command) or items" },
);
type BulkBody = Static<typeof BulkBody>;

const BulkResult = Type.Object({
  deviceId: Type.String(),
  commandId: Type.Optional(Type.String()),
  created: Type.Optional(Type.Boolean({ description: "false: the idempotency key found an earlier command" })),
  code: Type.Optional(Type.String({ description: "Why this device's command was refused" })),
  message: Type.Optional(Type.String()),
});

const BulkAnswer = Type.Object({
  created: Type.Integer(),
  existing: Type.Integer({ description: "Idempotent repeats: the earlier command is returned" }),
  failed: Type.Integer(),
  results: Type.Array(BulkResult, { description: "One per device, in request order" }),
});
type BulkAnswer = Static<typeof BulkAnswer>;

function requestsOf(body: BulkBody): EnqueueRequest[] {
  const expiresAt = body.expiresAt === undefined ? undefined : Date.parse(body.expiresAt);
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) {
    throw new ServerError(C.INVALID_INPUT, `expiresAt ${JSON.stringify(body.expiresAt)} is not a time`);
  }
  const shared = defined({ expiresAt, ttlSeconds: body.ttlSeconds });
  if ((body.deviceIds === undefined) === (body.items === undefined)) {
    throw new ServerError(C.INVALID_INPUT, "give either deviceIds (with command) or items");
  }
  if (body.deviceIds !== undefined) {
    const command = body.command;
    if (command === undefined) throw new ServerError(C.INVALID_INPUT, "deviceIds needs command");
    return body.deviceIds.map((deviceId) => ({
      deviceId,
      command,
      ...shared,
      ...defined({ idempotencyKey: body.idempotencyKey }),
    }));
  }
  return (body.items ?? []).map((item, i) => {
    const command = item.command ?? body.command;
    if (command === undefined)
      throw new ServerError(C.INVALID_INPUT, `items[${i}] has no command and there is no default`);
    return {
      deviceId: item.deviceId,
      command,
      ...shared,
      ...defined({ idempotencyKey: item.idempotencyKey ?? body.idempotencyKey }),
    };
  });
}

export function registerBulkCommandRoutes(app: ApiApp, ctx: ApiContext): void {
  app.post(
    "/commands/bulk",
    {
      schema: {
        tags: ["commands"],
        operationId: "queueCommandsBulk",
        summary: `Queue one command for many devices, or a list of commands (at most ${MAX_BULK_COMMANDS})`,
        description:
          "One store transaction. Each device's command is checked and queued on its own: a refused one is " +
          "reported in `results` (with `code`) and the others are queued. Idempotency keys are per device.",
        body: BulkBody,
        response: {
          200: BulkAnswer,
          ...problemResponses(C.INVALID_INPUT, ...BODY_ERROR_CODES),
        },
      },
    },
    async (request): Promise<BulkAnswer> => {
      const results = await ctx.commands.enqueueMany(requestsOf(request.body));
      const answer: BulkAnswer = { created: 0, existing: 0, failed: 0, results: [] };
      for (const r of results) {
        if ("error" in r) {
          answer.failed++;
          answer.results.push({ deviceId: r.deviceId, code: r.error.code, message: r.error.message });
        } else {
          if (r.created) answer.created++;
          else answer.existing++;
          answer.results.push({ deviceId: r.deviceId, commandId: r.command.id, created: r.created });
        }
      }
      return answer;
    },
  );
}
