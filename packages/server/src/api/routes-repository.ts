// /api/v1/repository and /api/v1/uploads: the operator's side of the Data Repository (docs/repository.md). Operators put
// the content devices fetch with HGET (shared or per device, any media type; JSON MO data is checked by the
// repository service) and read what devices sent with HPUT, HPOST and SUB. Bodies are raw bytes with their
// own Content-Type, so these routes live in a scope whose only body parser takes any type as a Buffer.
import { Type } from "typebox";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { RepositoryService } from "../repository/service.js";
import type { RepositoryItemInfo } from "../store/types-content.js";
import { need, type ApiApp, type ApiContext } from "./api-context.js";
import { defined, IdParams, mapPage, OrderQuery, PageOf, PageQuery, pageArgs } from "./common-schemas.js";
import { LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import { repositoryItemView, RepositoryItemView, uploadView, UploadView } from "./record-schemas.js";

const C = ServerErrorCode;
const REPO_CODES = [C.REPOSITORY_BAD_PATH, C.API_COMPONENT_UNAVAILABLE] as const;

/** Route config flag read by the OpenAPI transform: document a raw (any media type) request body. */
export const RAW_BODY_CONFIG = "omadmRawBody";

const ItemRef = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 1024, description: "Item path, e.g. fw/1.2/pkg.json" }),
  deviceId: Type.Optional(Type.String({ minLength: 1, description: "Per-device item; omit for a shared one" })),
});

const ItemListQuery = Type.Object({
  deviceId: Type.Optional(Type.String({ minLength: 1, description: "Only this device's items" })),
  shared: Type.Optional(Type.Boolean({ description: "true: only shared items" })),
  pathPrefix: Type.Optional(Type.String({ minLength: 1 })),
  ...PageQuery,
});

const UploadListQuery = Type.Object({
  deviceId: Type.Optional(Type.String({ minLength: 1 })),
  path: Type.Optional(Type.String({ minLength: 1 })),
  ...OrderQuery,
  ...PageQuery,
});

const ItemWithUrl = Type.Object({
  ...RepositoryItemView.properties,
  url: Type.String({ description: "The ServerURI to put into HGET/HPUT/HPOST/SUB commands" }),
});

const BinaryResponse = {
  description: "The content, with its media type as Content-Type and its ETag",
  // Typed as Buffer for the handler; fastify sends a Buffer as it is (no serializer runs).
  content: { "*/*": { schema: Type.Unsafe<Buffer>({ type: "string", format: "binary" }) } },
};

function itemWithUrl(repository: RepositoryService, info: RepositoryItemInfo) {
  return { ...repositoryItemView(info), url: repository.itemUrl({ deviceId: info.deviceId, path: info.path }) };
}

function notFound(path: string, deviceId: string | null): ServerError {
  const scope = deviceId === null ? "shared" : `device ${deviceId}`;
  return new ServerError(C.REPOSITORY_ITEM_NOT_FOUND, `no repository item ${JSON.stringify(path)} (${scope})`);
}

export function registerRepositoryRoutes(app: ApiApp, ctx: ApiContext): void {
  const repo = () => need(ctx.repository, "Data Repository", "repository");

  app.get(
    "/repository",
    {
      schema: {
        tags: ["repository"],
        operationId: "listRepositoryItems",
        summary: "List Data Repository items (metadata; shared first, then per device, by path)",
        querystring: ItemListQuery,
        response: { 200: PageOf(ItemWithUrl), ...problemResponses(...REPO_CODES, ...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const repository = repo();
      const { deviceId, shared, pathPrefix } = request.query;
      if (shared === true && deviceId !== undefined) {
        throw new ServerError(C.INVALID_INPUT, "give deviceId or shared=true, not both");
      }
      const scope = shared === true ? { deviceId: null } : defined({ deviceId });
      const page = await repository.listItems({ ...scope, ...defined({ pathPrefix }), ...pageArgs(request.query) });
      return mapPage(page, (info) => itemWithUrl(repository, info));
    },
  );

  app.get(
    "/repository/content",
    {
      schema: {
        tags: ["repository"],
        operationId: "getRepositoryContent",
        summary: "Download an item's content",
        querystring: ItemRef,
        response: { 200: BinaryResponse, ...problemResponses(...REPO_CODES, C.REPOSITORY_ITEM_NOT_FOUND) },
      },
    },
    async (request, reply) => {
      const deviceId = request.query.deviceId ?? null;
      const item = await repo().getItem({ deviceId, path: request.query.path });
      if (item === null) throw notFound(request.query.path, deviceId);
      return reply.type(item.mediaType).header("etag", item.etag).send(Buffer.from(item.body));
    },
  );

  app.delete(
    "/repository/content",
    {
      schema: {
        tags: ["repository"],
        operationId: "deleteRepositoryContent",
        summary: "Delete an item",
        querystring: ItemRef,
        response: {
          204: Type.Null({ description: "Deleted" }),
          ...problemResponses(...REPO_CODES, C.REPOSITORY_ITEM_NOT_FOUND),
        },
      },
    },
    async (request, reply) => {
      const deviceId = request.query.deviceId ?? null;
      if (!(await repo().deleteItem({ deviceId, path: request.query.path }))) {
        throw notFound(request.query.path, deviceId);
      }
      return reply.code(204).send(null);
    },
  );

  // PUT takes any media type as raw bytes: its own scope, with a single catch-all Buffer parser.
  app.register((scope: ApiApp, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, next) => {
      next(null, body);
    });
    scope.put(
      "/repository/content",
      {
        config: { [RAW_BODY_CONFIG]: true },
        bodyLimit: ctx.repositoryBodyLimit,
        schema: {
          tags: ["repository"],
          operationId: "putRepositoryContent",
          summary: "Create or replace an item; the request's Content-Type becomes its media type",
          description: "`If-Match: <etag>` (or `*`) makes the write conditional.",
          querystring: ItemRef,
          headers: Type.Object({ "if-match": Type.Optional(Type.String({ minLength: 1 })) }),
          response: {
            200: ItemWithUrl,
            ...problemResponses(
              ...REPO_CODES,
              C.INVALID_INPUT,
              C.DEVICE_NOT_FOUND,
              C.REPOSITORY_TOO_LARGE,
              C.REPOSITORY_BAD_CONTENT,
              C.REPOSITORY_PRECONDITION_FAILED,
              C.API_PAYLOAD_TOO_LARGE,
            ),
          },
        },
      },
      async (request, reply) => {
        const repository = repo();
        const mediaType = request.headers["content-type"];
        if (mediaType === undefined)
          throw new ServerError(C.INVALID_INPUT, "Content-Type (the media type) is required");
        const body = Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : new Uint8Array(0);
        const ifMatch = request.headers["if-match"];
        const item = await repository.putItem(
          { deviceId: request.query.deviceId ?? null, path: request.query.path, mediaType, body },
          ifMatch === undefined ? {} : { ifMatch },
        );
        return reply.header("etag", item.etag).send(itemWithUrl(repository, item));
      },
    );
    done();
  });

  app.get(
    "/uploads",
    {
      schema: {
        tags: ["repository"],
        operationId: "listUploads",
        summary: "List what devices sent with HPUT, HPOST and SUB (metadata, arrival order)",
        querystring: UploadListQuery,
        response: { 200: PageOf(UploadView), ...problemResponses(C.API_COMPONENT_UNAVAILABLE, ...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { deviceId, path, order } = request.query;
      const page = await repo().listUploads({ ...defined({ deviceId, path, order }), ...pageArgs(request.query) });
      return mapPage(page, uploadView);
    },
  );

  app.get(
    "/uploads/:id",
    {
      schema: {
        tags: ["repository"],
        operationId: "getUpload",
        summary: "Read one upload's metadata",
        params: IdParams,
        response: { 200: UploadView, ...problemResponses(C.API_COMPONENT_UNAVAILABLE, C.REPOSITORY_ITEM_NOT_FOUND) },
      },
    },
    async (request) => {
      const upload = await repo().getUpload(request.params.id);
      if (upload === null) throw new ServerError(C.REPOSITORY_ITEM_NOT_FOUND, `no upload ${request.params.id}`);
      return uploadView(upload);
    },
  );

  app.get(
    "/uploads/:id/content",
    {
      schema: {
        tags: ["repository"],
        operationId: "getUploadContent",
        summary: "Download what the device sent",
        params: IdParams,
        response: {
          200: BinaryResponse,
          ...problemResponses(C.API_COMPONENT_UNAVAILABLE, C.REPOSITORY_ITEM_NOT_FOUND),
        },
      },
    },
    async (request, reply) => {
      const upload = await repo().getUpload(request.params.id);
      if (upload === null) throw new ServerError(C.REPOSITORY_ITEM_NOT_FOUND, `no upload ${request.params.id}`);
      return reply.type(upload.mediaType).send(Buffer.from(upload.body));
    },
  );
}
