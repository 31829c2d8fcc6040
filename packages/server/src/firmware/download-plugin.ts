// The device-facing side of firmware images (docs/firmware.md):
//   GET|HEAD /firmware/<id>        the image: strong ETag (its SHA-256), Range/If-Range (206, 416) so a cut
//                                  download resumes, If-None-Match (304)
//   GET|HEAD /firmware/<id>/fumo   the HGET source (JSON MO data, docs/protocol.md §4.1, §7.1) that sets a
//                                  device's FUMO PkgName, PkgVersion and both PkgURLs to this image
// Devices authenticate with the server's one device-authentication step (auth/auth-hook.ts), as on /dm and /repo;
// without an authenticator (deviceAuth.modes none) the image URL is the capability, as for shared repository items.
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { FumoNode, MOID_FUMO, MT_MO_JSON } from "@omadm/protocol";
import { createDeviceAuthHook, type RequestAuthenticator } from "../auth/auth-hook.js";
import { refuse } from "../edge/problem.js";
import { ServerErrorCode } from "../errors.js";
import { ifNoneMatchHits } from "../repository/conditional.js";
import type { Store } from "../store/store.js";
import type { FirmwareImage } from "../store/types-firmware.js";
import { decideRange, imageEtag } from "./byte-range.js";
import { FIRMWARE_PREFIX, type FirmwareService } from "./firmware-service.js";

export interface FirmwareDownloadOptions {
  readonly store: Store;
  readonly service: FirmwareService;
  readonly authenticator?: RequestAuthenticator | undefined;
}

const C = ServerErrorCode;

/** The MO data an HGET without ClientURI writes into the device's (only) FUMO instance. */
export function fumoMoData(image: FirmwareImage, pkgUrl: string): unknown[] {
  const at = (path: string, name: string, value: string) => ({
    ClientURI: `${MOID_FUMO}//${path}`,
    MOData: { [name]: value },
  });
  return [
    at(FumoNode.PkgName, FumoNode.PkgName, image.name),
    at(FumoNode.PkgVersion, FumoNode.PkgVersion, image.version),
    at(`${FumoNode.Download}/${FumoNode.PkgURL}`, FumoNode.PkgURL, pkgUrl),
    at(`${FumoNode.DownloadAndUpdate}/${FumoNode.PkgURL}`, FumoNode.PkgURL, pkgUrl),
  ];
}

export const firmwareDownloadPlugin: FastifyPluginCallback<FirmwareDownloadOptions> = (app, options, done) => {
  const { store, service, authenticator } = options;
  const auth =
    authenticator === undefined
      ? undefined
      : createDeviceAuthHook(authenticator, { unauthorized: C.FIRMWARE_UNAUTHORIZED, forbidden: C.FIRMWARE_FORBIDDEN });
  const onRequest = auth === undefined ? [] : [auth.hook];

  const find = async (request: FastifyRequest, reply: FastifyReply): Promise<FirmwareImage | null> => {
    const id = (request.params as { id?: string }).id ?? "";
    const image = await store.firmware.get(id);
    if (image === null) refuse(request, reply, 404, C.FIRMWARE_NOT_FOUND, `no firmware image ${JSON.stringify(id)}`);
    return image;
  };

  // HEAD is its own method here (not fastify's derived HEAD route), so its Content-Length is the image's.
  app.route({
    method: ["GET", "HEAD"],
    url: `${FIRMWARE_PREFIX}/:id`,
    onRequest,
    handler: async (request, reply) => {
      const image = await find(request, reply);
      if (image === null) return reply;
      const onDisk = await service.files.size(image.id);
      if (onDisk !== image.size) {
        request.log.error({ id: image.id, onDisk, size: image.size }, "firmware image file missing or changed");
        return refuse(
          request,
          reply,
          500,
          C.FIRMWARE_STORAGE_FAILED,
          `the file of firmware image ${image.id} is unusable`,
        );
      }
      const etag = imageEtag(image.sha256);
      reply
        .header("ETag", etag)
        .header("Accept-Ranges", "bytes")
        .header("Cache-Control", "private, no-cache")
        .header("X-Content-Type-Options", "nosniff");
      if (ifNoneMatchHits(request.headers["if-none-match"], etag)) return reply.code(304).send();
      const decision = decideRange(request.headers.range, headerText(request.headers["if-range"]), etag, image.size);
      if (decision.kind === "unsatisfiable") {
        reply.header("Content-Range", `bytes */${image.size}`);
        return refuse(
          request,
          reply,
          416,
          C.FIRMWARE_RANGE_NOT_SATISFIABLE,
          `the image has ${image.size} bytes; the range ${request.headers.range ?? ""} is outside it`,
        );
      }
      reply.type("application/octet-stream");
      const head = request.method === "HEAD";
      if (decision.kind === "partial") {
        const { start, end } = decision;
        reply
          .code(206)
          .header("Content-Range", `bytes ${start}-${end}/${image.size}`)
          .header("Content-Length", String(end - start + 1));
        return head ? reply.send() : reply.send(service.files.open(image.id, { start, end }));
      }
      reply.code(200).header("Content-Length", String(image.size));
      // An empty image has no byte to read: createReadStream's `end` could not express it.
      return head || image.size === 0 ? reply.send() : reply.send(service.files.open(image.id));
    },
  });

  app.get(`${FIRMWARE_PREFIX}/:id/fumo`, { onRequest }, async (request, reply) => {
    const image = await find(request, reply);
    if (image === null) return reply;
    return reply
      .code(200)
      .header("Cache-Control", "no-cache")
      .type(MT_MO_JSON)
      .send(JSON.stringify(fumoMoData(image, service.pkgUrl(image))));
  });
  done();
};

function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
