// The Data Repository over HTTP (docs/protocol.md §4.1–§4.2, §4.10, §1.6, §4.1, §4.2):
//   GET|HEAD /repo/shared/<path>              HGET source shared by every device
//   GET|HEAD /repo/devices/<DevID>/<path>     HGET source of one device (and its latest HPUT/SUB upload)
//   PUT|POST /repo/devices/<DevID>/<path>     HPUT / SUB report (PUT, replaces the item) and HPOST (POST)
//   GET|HEAD /repo/uploads/<id>               an upload read back by the device that sent it
// Every answer carries `OMADM-Accept` (the upload types). A write into a device's space needs the capability
// token of the command that asked for it (`?cap=`, docs/repository.md "Capability URLs") or the device's own
// credentials (Basic, Digest, certificate, PSK), whatever `deviceAuth.modes` says: the DevID in the URL is no
// credential. Register without a fastify `prefix`:
//   app.register(repositoryPlugin, { store, publicBaseUrl, limits, authenticator })
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCode, HDR_ACCEPT, negotiateResponse } from "@omadm/protocol";
import { createDeviceAuthHook, type RequestAuthenticator } from "../auth/auth-hook.js";
import { AuthMode } from "../auth/types.js";
import { createCapabilityService, type CapabilityService } from "../capabilities/capability-service.js";
import { capabilityOfUrl } from "../capabilities/capability-urls.js";
import { CapabilityKind, type Capability } from "../store/types-content.js";
import { refuse } from "../edge/problem.js";
import { ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import { ifNoneMatchHits } from "./conditional.js";
import { decideAccess, headerDeviceId } from "./device-access.js";
import { offeredTypes } from "./media.js";
import { DEVICES_SEGMENT, REPOSITORY_PREFIX, SHARED_SEGMENT, UPLOADS_SEGMENT, type RepositoryRef } from "./paths.js";
import { createRepositoryService, type RepositoryLimits, type RepositoryService } from "./service.js";

export interface RepositoryPluginOptions {
  readonly store: Store;
  /** Base of the upload `Location`s (and of the ServerURIs the service builds). */
  readonly publicBaseUrl: string;
  readonly limits?: Partial<RepositoryLimits> | undefined;
  /** Upload types accepted besides JSON MO data and TNDS XML. */
  readonly extraUploadTypes?: readonly string[] | undefined;
  /** Device authentication (the server's DeviceAuthenticator); without it the URL (which holds the DevID) is
   *  the capability. */
  readonly authenticator?: RequestAuthenticator | undefined;
  /** A service to share with the REST API; built from the options above when absent. */
  readonly service?: RepositoryService | undefined;
  /** Checks capability tokens; built from `publicBaseUrl` when absent. */
  readonly capabilities?: CapabilityService | undefined;
}

interface ItemParams {
  readonly deviceId?: string;
  readonly id?: string;
  readonly "*"?: string;
}

const SHARED_ROUTE = `${REPOSITORY_PREFIX}/${SHARED_SEGMENT}/*`;
const DEVICE_ROUTE = `${REPOSITORY_PREFIX}/${DEVICES_SEGMENT}/:deviceId/*`;
const UPLOAD_ROUTE = `${REPOSITORY_PREFIX}/${UPLOADS_SEGMENT}/:id`;
const ITEM_METHODS = "GET, HEAD, PUT, POST";

/**
 * Stored content is served exactly as stored, never interpreted by a browser on this origin (the Web Server
 * Component's pages share it): no sniffing, and a sandbox if anything ever renders it.
 */
function contentSafetyHeaders(reply: FastifyReply): void {
  reply.header("X-Content-Type-Options", "nosniff").header("Content-Security-Policy", "sandbox; default-src 'none'");
}

declare module "fastify" {
  interface FastifyRequest {
    /** The device a repository request acts for (null: unknown, allowed to read shared items only). */
    repositoryActor: string | null;
    /** The capability the request presented, when it was valid for its item (capabilities/). */
    repositoryCapability: Capability | null;
  }
}

export const repositoryPlugin: FastifyPluginCallback<RepositoryPluginOptions> = (app, options, done) => {
  const service =
    options.service ??
    createRepositoryService(
      { store: options.store },
      {
        publicBaseUrl: options.publicBaseUrl,
        limits: options.limits,
        extraUploadTypes: options.extraUploadTypes,
      },
    );
  const { authenticator } = options;
  const auth =
    authenticator === undefined
      ? undefined
      : createDeviceAuthHook(authenticator, {
          unauthorized: ServerErrorCode.REPOSITORY_UNAUTHORIZED,
          forbidden: ServerErrorCode.REPOSITORY_FORBIDDEN,
        });
  if (!app.hasRequestDecorator("repositoryActor")) app.decorateRequest("repositoryActor", null);
  if (!app.hasRequestDecorator("repositoryCapability")) app.decorateRequest("repositoryCapability", null);
  const capabilities = options.capabilities ?? createCapabilityService({ publicBaseUrl: options.publicBaseUrl });

  /**
   * A capability URL (`?cap=`): valid only for the item and the use (upload or read) it was made for, and only
   * for the device of the command that carries it. true when it admitted the request, else the refusal is sent.
   */
  const admitByCapability = async (request: FastifyRequest, reply: FastifyReply, token: string, write: boolean) => {
    const urlDeviceId = (request.params as ItemParams).deviceId;
    const target = request.url.split("?")[0] ?? "";
    const kind = write ? CapabilityKind.Upload : CapabilityKind.Read;
    const found = await capabilities.check(options.store, token, kind, target);
    const header = headerDeviceId(request);
    if (found === null || found.deviceId !== urlDeviceId || (header !== null && header !== found.deviceId)) {
      const detail = `this capability URL is unknown, or was made for another item, use or device`;
      refuse(request, reply, 403, ServerErrorCode.REPOSITORY_FORBIDDEN, detail);
      return false;
    }
    request.repositoryActor = found.deviceId;
    request.repositoryCapability = found;
    return true;
  };

  // Bodies of every type arrive as raw bytes, so this plugin (not fastify) decides 415 — with OMADM-Accept.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "buffer", bodyLimit: service.limits.maxUploadBytes },
    (_request, body, done) => {
      done(null, body);
    },
  );

  // DM 2.0 §5.5, docs/protocol.md §1.6: the repository announces its upload types on every answer.
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header(HDR_ACCEPT, service.omadmAccept);
    return payload;
  });

  /** onRequest: authenticate, then check the device may address this URL — before any body is read. */
  const admit = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const params = request.params as ItemParams;
    const write = params.deviceId !== undefined && (request.method === "PUT" || request.method === "POST");
    const token = params.deviceId === undefined ? null : capabilityOfUrl(request.url);
    if (token !== null) return (await admitByCapability(request, reply, token, write)) ? undefined : reply;
    let authenticatedDeviceId: string | undefined;
    if (auth !== undefined) {
      if (!(await auth.admit(request, reply))) return reply;
      authenticatedDeviceId = auth.deviceIdOf(request);
    }
    // The OMADM-DevID header and the URL name a device; neither proves it is that device.
    if (write && (auth === undefined || auth.deviceOf(request)?.method === AuthMode.None)) {
      const detail =
        "a write into a device's repository space needs the capability URL of the command that asked for it " +
        "(the ServerURI exactly as the server sent it, with its `cap` query) or the device's own credentials";
      return refuse(request, reply, 403, ServerErrorCode.REPOSITORY_FORBIDDEN, detail);
    }
    const decision = decideAccess({
      urlDeviceId: params.deviceId ?? null,
      headerDeviceId: headerDeviceId(request),
      authenticatedDeviceId,
    });
    if (!decision.ok) return refuse(request, reply, 403, ServerErrorCode.REPOSITORY_FORBIDDEN, decision.message);
    request.repositoryActor = decision.actor;
    return undefined;
  };

  /** HGET (docs/protocol.md §4.1): Accept negotiation (406), then If-None-Match (304), then the stored bytes. */
  const serve = (
    request: FastifyRequest,
    reply: FastifyReply,
    mediaType: string,
    body: Uint8Array,
    etag: string | undefined,
  ): FastifyReply => {
    const offered = offeredTypes(mediaType);
    const chosen = negotiateResponse(request.headers.accept, offered);
    if (!chosen.ok) {
      if (chosen.error.code === ErrorCode.MEDIA_RANGE_SYNTAX) {
        return refuse(request, reply, 400, ServerErrorCode.INVALID_INPUT, `malformed Accept: ${chosen.error.message}`);
      }
      return refuse(request, reply, 406, ServerErrorCode.REPOSITORY_NOT_ACCEPTABLE, chosen.error.message, {
        available: offered,
      });
    }
    contentSafetyHeaders(reply);
    reply.header("Vary", "Accept").header("Cache-Control", "no-cache");
    if (etag !== undefined) {
      reply.header("ETag", etag);
      if (ifNoneMatchHits(request.headers["if-none-match"], etag)) return reply.code(304).send();
    }
    return reply
      .code(200)
      .type(chosen.value)
      .send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  };

  const getItem = async (request: FastifyRequest, reply: FastifyReply, ref: RepositoryRef) => {
    const item = await service.getItem(ref);
    if (item === null) {
      return refuse(request, reply, 404, ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND, `no item at ${request.url}`);
    }
    return serve(request, reply, item.mediaType, item.body, item.etag);
  };

  const upload = async (request: FastifyRequest, reply: FastifyReply, deviceId: string, path: string) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const receipt = await service.receiveUpload({
      deviceId,
      path,
      method: request.method === "POST" ? "POST" : "PUT",
      contentType: request.headers["content-type"],
      body,
      ifMatch: request.headers["if-match"],
      commandId: request.repositoryCapability?.commandId ?? null,
      sessionId: request.repositoryCapability?.sessionId ?? null,
    });
    reply.header("Location", receipt.location);
    if (receipt.item !== null) reply.header("ETag", receipt.item.etag);
    // A PUT that replaced the item answers 204; a PUT that created it, and every POST (a new upload), 201.
    if (request.method === "PUT" && !receipt.created) return reply.code(204).send();
    return reply.code(201).type("application/json").send(JSON.stringify(receipt.upload));
  };

  const sharedRef = (request: FastifyRequest): RepositoryRef => ({
    deviceId: null,
    path: (request.params as ItemParams)["*"] ?? "",
  });
  const deviceRef = (request: FastifyRequest): { deviceId: string; path: string } => {
    const params = request.params as ItemParams;
    return { deviceId: params.deviceId ?? "", path: params["*"] ?? "" };
  };

  app.get(SHARED_ROUTE, { onRequest: admit }, (request, reply) => getItem(request, reply, sharedRef(request)));
  app.get(DEVICE_ROUTE, { onRequest: admit }, (request, reply) => getItem(request, reply, deviceRef(request)));
  for (const method of ["PUT", "POST"] as const) {
    app.route({
      method,
      url: DEVICE_ROUTE,
      bodyLimit: service.limits.maxUploadBytes,
      config: { problemExtensions: { 415: { supported: service.uploadTypes } } },
      onRequest: admit,
      handler: (request, reply) => {
        const ref = deviceRef(request);
        return upload(request, reply, ref.deviceId, ref.path);
      },
    });
    // docs/protocol.md §4.2: uploads are per device; shared items are written by the operator only.
    app.route({
      method,
      url: SHARED_ROUTE,
      onRequest: admit,
      handler: (request, reply) =>
        refuse(
          request,
          reply,
          403,
          ServerErrorCode.REPOSITORY_FORBIDDEN,
          `devices upload under ${REPOSITORY_PREFIX}/${DEVICES_SEGMENT}/<DevID>/; shared items are read-only`,
        ),
    });
  }

  app.get(UPLOAD_ROUTE, { onRequest: admit }, async (request, reply) => {
    const id = (request.params as ItemParams).id ?? "";
    const found = await service.getUpload(id);
    const actor = request.repositoryActor;
    // Only the device that sent it sees an upload; to anyone else it does not exist.
    if (
      found === null ||
      (actor !== null && actor !== found.deviceId) ||
      (authenticator !== undefined && actor === null)
    ) {
      return refuse(request, reply, 404, ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND, `no upload ${JSON.stringify(id)}`);
    }
    return serve(request, reply, found.mediaType, found.body, `"upload-${found.id}"`);
  });

  // Anything else under /repo: 405 with Allow on an item URL, otherwise a 404 that says what exists.
  const fallback = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split("?")[0] ?? "";
    const itemUrl =
      path.startsWith(`${REPOSITORY_PREFIX}/${SHARED_SEGMENT}/`) ||
      path.startsWith(`${REPOSITORY_PREFIX}/${DEVICES_SEGMENT}/`);
    if (itemUrl) {
      reply.header("Allow", ITEM_METHODS);
      return refuse(request, reply, 405, ServerErrorCode.INVALID_INPUT, `${request.method} is not allowed on ${path}`);
    }
    const detail = `no repository resource at ${path}; items live at ${REPOSITORY_PREFIX}/${SHARED_SEGMENT}/<path> and ${REPOSITORY_PREFIX}/${DEVICES_SEGMENT}/<DevID>/<path>`;
    return refuse(request, reply, 404, ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND, detail);
  };
  app.all(REPOSITORY_PREFIX, fallback);
  app.all(`${REPOSITORY_PREFIX}/*`, fallback);
  done();
};
