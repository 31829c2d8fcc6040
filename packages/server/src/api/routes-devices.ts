// /api/v1/devices: the device registry: list, pre-provision with credentials, read, change, delete,
// and wake (Package#0 through the notifier, docs/protocol.md §2).
import type { ConType } from "@omadm/protocol";
import { Type } from "typebox";
import { ServerError, ServerErrorCode } from "../errors.js";
import { NotificationFailedError } from "../notifier/notifier.js";
import { DeviceState } from "../store/types.js";
import { need, type ApiApp, type ApiContext } from "./api-context.js";
import { DeviceIdParams, defined, PageQuery } from "./common-schemas.js";
import {
  DevicePatchBody,
  deviceView,
  DeviceView,
  devicePatchOf,
  NewDeviceBody,
  newDeviceOf,
} from "./device-schemas.js";
import { BODY_ERROR_CODES, LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import { SelectedPageOf, SelectionQuery } from "./group-schemas.js";
import { notificationView, NotificationView } from "./record-schemas.js";
import { listSelection } from "./selection.js";

const C = ServerErrorCode;
const tags = ["devices"];

const DeviceListQuery = Type.Object({
  state: Type.Optional(Type.Enum([DeviceState.Provisioned, DeviceState.Registered, DeviceState.Disabled])),
  label: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: "name=value; repeat for several (all must match)",
    }),
  ),
  ...SelectionQuery,
  ...PageQuery,
});

const WakeBody = Type.Object(
  {
    reqMos: Type.Optional(Type.Boolean({ description: "Send REQ-MOS (default: while the MOS inventory is unknown)" })),
    preferredConTypes: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 3 }), { minItems: 1, description: "PREFERRED-CON-TYPE codes" }),
    ),
  },
  { additionalProperties: false },
);

/** `label=a=b&label=c=d` → { a: "b", c: "d" }; INVALID_INPUT when an entry has no "=". */
export function parseLabelFilter(label: string | readonly string[] | undefined): Record<string, string> | undefined {
  if (label === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const entry of typeof label === "string" ? [label] : label) {
    const at = entry.indexOf("=");
    if (at < 1) throw new ServerError(C.INVALID_INPUT, `label filter ${JSON.stringify(entry)} is not name=value`);
    out[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return out;
}

export function registerDeviceRoutes(app: ApiApp, ctx: ApiContext): void {
  const { store } = ctx;

  app.get(
    "/devices",
    {
      schema: {
        tags,
        operationId: "listDevices",
        summary: "List devices (ordered by id; keyset pages), optionally selected by a filter (docs/filters.md)",
        querystring: DeviceListQuery,
        response: {
          200: SelectedPageOf(DeviceView),
          ...problemResponses(C.FILTER_INVALID, ...LIST_ERROR_CODES),
        },
      },
    },
    async (request) => {
      const { state, label } = request.query;
      const labels = parseLabelFilter(label);
      return listSelection(store, defined({ state, labels }), request.query, deviceView);
    },
  );

  app.post(
    "/devices",
    {
      schema: {
        tags,
        operationId: "createDevice",
        summary: "Pre-provision a device with its credentials",
        body: NewDeviceBody,
        response: {
          201: DeviceView,
          ...problemResponses(C.INVALID_INPUT, C.DEVICE_EXISTS, C.CREDENTIAL_CONFLICT, ...BODY_ERROR_CODES),
        },
      },
    },
    async (request, reply) => {
      const device = await store.devices.create(newDeviceOf(request.body, ctx));
      return reply
        .code(201)
        .header("location", `/api/v1/devices/${encodeURIComponent(device.id)}`)
        .send(deviceView(device));
    },
  );

  app.get(
    "/devices/:deviceId",
    {
      schema: {
        tags,
        operationId: "getDevice",
        summary: "Read a device",
        params: DeviceIdParams,
        response: { 200: DeviceView, ...problemResponses(C.DEVICE_NOT_FOUND) },
      },
    },
    async (request) => {
      const device = await store.devices.get(request.params.deviceId);
      if (device === null) throw new ServerError(C.DEVICE_NOT_FOUND, `no device ${request.params.deviceId}`);
      return deviceView(device);
    },
  );

  app.patch(
    "/devices/:deviceId",
    {
      schema: {
        tags,
        operationId: "updateDevice",
        summary: "Change labels, credentials, or disable/enable a device",
        params: DeviceIdParams,
        body: DevicePatchBody,
        response: {
          200: DeviceView,
          ...problemResponses(C.INVALID_INPUT, C.DEVICE_NOT_FOUND, C.CREDENTIAL_CONFLICT, ...BODY_ERROR_CODES),
        },
      },
    },
    async (request) =>
      deviceView(await store.devices.update(request.params.deviceId, devicePatchOf(request.body, ctx))),
  );

  app.delete(
    "/devices/:deviceId",
    {
      schema: {
        tags,
        operationId: "deleteDevice",
        summary: "Delete a device with its commands, sessions, alerts, notifications, uploads and UI sessions",
        params: DeviceIdParams,
        response: { 204: Type.Null({ description: "Deleted" }), ...problemResponses(C.DEVICE_NOT_FOUND) },
      },
    },
    async (request, reply) => {
      const deleted = await store.devices.delete(request.params.deviceId);
      if (!deleted) throw new ServerError(C.DEVICE_NOT_FOUND, `no device ${request.params.deviceId}`);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/devices/:deviceId/wake",
    {
      // The body is optional: `POST …/wake` with none means the notifier's defaults.
      preValidation: (request, _reply, done) => {
        // Typed as the validated body, but a POST without one really arrives here as undefined.
        if ((request.body as unknown) === undefined) request.body = {};
        done();
      },
      schema: {
        tags,
        operationId: "wakeDevice",
        summary: "Send the device a Package#0 so that it opens a DM session (docs/protocol.md §2, §12)",
        params: DeviceIdParams,
        body: WakeBody,
        response: {
          200: NotificationView,
          ...problemResponses(
            C.DEVICE_NOT_FOUND,
            C.INVALID_INPUT,
            C.NOTIFY_NO_ADDRESS,
            C.NOTIFY_CREDENTIALS_MISSING,
            C.NOTIFY_TRANSPORT_UNSUPPORTED,
            C.NOTIFY_ADDRESS_INVALID,
            C.NOTIFY_PAYLOAD_TOO_LARGE,
            C.NOTIFY_SEND_FAILED,
            C.NOTIFY_SEND_TIMEOUT,
            C.NOTIFY_SENDER_CLOSED,
            C.API_COMPONENT_UNAVAILABLE,
            ...BODY_ERROR_CODES,
          ),
        },
      },
    },
    async (request) => {
      const notifier = need(ctx.notifier, "notifier", "notifier");
      const body = request.body;
      try {
        const record = await notifier.wake(request.params.deviceId, {
          reason: "api",
          ...(body.reqMos === undefined ? {} : { reqMos: body.reqMos }),
          ...(body.preferredConTypes === undefined
            ? {}
            : { preferredConTypes: body.preferredConTypes as readonly ConType[] }),
        });
        return notificationView(record);
      } catch (error) {
        // The problem lists the recorded attempts, so the operator sees what was tried.
        if (!(error instanceof NotificationFailedError)) throw error;
        throw new ServerError(error.code, error.message, {
          cause: error,
          extensions: { notifications: error.records.map(notificationView) },
        });
      }
    },
  );
}
