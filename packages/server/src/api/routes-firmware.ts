// /api/v1/firmware: firmware images for FUMO updates (docs/firmware.md). The upload body is the image itself
// (`application/octet-stream`), streamed to a file in the data directory while its SHA-256 and size are computed;
// the metadata travels in the query. Devices download from the firmware download plugin, not from here.
import type { Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import { makeProblem, PROBLEM_MEDIA_TYPE } from "../edge/problem.js";
import { ServerError, ServerErrorCode } from "../errors.js";
import { need, type ApiApp, type ApiContext } from "./api-context.js";
import { mapPage, PageOf, PageQuery, pageArgs } from "./common-schemas.js";
import { LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import { FirmwareIdParams, FirmwareUploadQuery, firmwareView, FirmwareView } from "./firmware-schemas.js";
import { RAW_BODY_CONFIG } from "./routes-repository.js";

const C = ServerErrorCode;
const tags = ["firmware"];
export const FIRMWARE_MEDIA_TYPE = "application/octet-stream";

export function registerFirmwareRoutes(app: ApiApp, ctx: ApiContext): void {
  const { store } = ctx;
  const service = () => need(ctx.firmware, "firmware images", "firmware");

  app.register((scope: ApiApp, _opts, done) => {
    scope.removeAllContentTypeParsers();
    // The body stays a stream: it goes to disk as it arrives.
    scope.addContentTypeParser(FIRMWARE_MEDIA_TYPE, (_request, payload, next) => {
      next(null, payload);
    });
    scope.post(
      "/firmware",
      {
        config: { [RAW_BODY_CONFIG]: true },
        schema: {
          tags,
          operationId: "uploadFirmware",
          summary: "Upload a firmware image (the body is the image; streamed to disk with its SHA-256 and size)",
          description:
            "Body: the image as `application/octet-stream`. Name and version (and optionally manufacturer and " +
            "model) in the query. Past `firmware.maxImageBytes` the upload stops with 413 and nothing is kept.",
          querystring: FirmwareUploadQuery,
          response: {
            201: FirmwareView,
            ...problemResponses(
              C.INVALID_INPUT,
              C.FIRMWARE_TOO_LARGE,
              C.FIRMWARE_STORAGE_FAILED,
              C.API_BAD_REQUEST,
              C.API_UNSUPPORTED_MEDIA_TYPE,
              C.API_COMPONENT_UNAVAILABLE,
            ),
          },
        },
      },
      async (request, reply) => {
        const firmware = service();
        const declared = Number(request.headers["content-length"] ?? "0");
        const tooLarge = () =>
          // The rest of the body is not read: the connection closes after the answer.
          (reply as unknown as FastifyReply)
            .code(413)
            .header("connection", "close")
            .type(PROBLEM_MEDIA_TYPE)
            .send({
              ...makeProblem(
                413,
                C.FIRMWARE_TOO_LARGE,
                `the image is larger than ${firmware.maxImageBytes} bytes (firmware.maxImageBytes)`,
              ),
              instance: request.url,
              requestId: request.id,
            });
        if (declared > firmware.maxImageBytes) return tooLarge();
        try {
          const image = await firmware.upload({ ...request.query, body: request.body as Readable });
          return await reply
            .code(201)
            .header("location", `/api/v1/firmware/${image.id}`)
            .send(firmwareView(image, firmware));
        } catch (error) {
          if (error instanceof ServerError && error.code === C.FIRMWARE_TOO_LARGE) return tooLarge();
          throw error;
        }
      },
    );
    done();
  });

  app.get(
    "/firmware",
    {
      schema: {
        tags,
        operationId: "listFirmware",
        summary: "List firmware images (in upload order)",
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: PageOf(FirmwareView), ...problemResponses(...LIST_ERROR_CODES, C.API_COMPONENT_UNAVAILABLE) },
      },
    },
    async (request) => {
      const firmware = service();
      return mapPage(await store.firmware.list(pageArgs(request.query)), (i) => firmwareView(i, firmware));
    },
  );

  app.get(
    "/firmware/:firmwareId",
    {
      schema: {
        tags,
        operationId: "getFirmware",
        summary: "Read a firmware image's metadata and device URLs",
        params: FirmwareIdParams,
        response: { 200: FirmwareView, ...problemResponses(C.FIRMWARE_NOT_FOUND, C.API_COMPONENT_UNAVAILABLE) },
      },
    },
    async (request) => {
      const firmware = service();
      const image = await store.firmware.get(request.params.firmwareId);
      if (image === null) throw new ServerError(C.FIRMWARE_NOT_FOUND, `no firmware image ${request.params.firmwareId}`);
      return firmwareView(image, firmware);
    },
  );

  app.delete(
    "/firmware/:firmwareId",
    {
      schema: {
        tags,
        operationId: "deleteFirmware",
        summary: "Delete a firmware image and its file (devices still downloading it get 404)",
        params: FirmwareIdParams,
        response: {
          204: Type.Null({ description: "Deleted" }),
          ...problemResponses(C.FIRMWARE_NOT_FOUND, C.API_COMPONENT_UNAVAILABLE),
        },
      },
    },
    async (request, reply) => {
      if (!(await service().delete(request.params.firmwareId))) {
        throw new ServerError(C.FIRMWARE_NOT_FOUND, `no firmware image ${request.params.firmwareId}`);
      }
      return reply.code(204).send(null);
    },
  );
}
