// The bootstrap endpoint (docs/bootstrap.md; docs/protocol.md §14, §11.3) as a fastify plugin, under
// `bootstrap.path` (default /bootstrap):
//
//   POST <path>            Package#1 of a bootstrap session (the devices' Auth/Bootstrap/ServerURI)
//   POST <path>/devinfo    first contact, when the rule depends on DevInfo: the Package#3 answering its GET
//   POST <path>/s/:token   the session URL sent in CONT: the Package#3
//   GET  <path>/c/:token   a single-use capability URL: one DMAcc instance's MO data, for the device's HGET
//
// Every request is authenticated by the bootstrap credential its TLS connection proved, which must cover the
// OMADM-DevID it names; refusals are problem+json with a stable code and change nothing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  HDR_DEVID,
  MT_MO_JSON,
  MT_P1,
  MT_P2,
  MT_P3,
  parsePackage1,
  parsePackage3,
  serializePackage2,
} from "@omadm/protocol";
import { headerLines, sendRefusal } from "../dm/dm-endpoint.js";
import { isTypedError, makeProblem as problem, problemFromError, refusal } from "../edge/problem.js";
import { checkDmHeaders } from "../dm/request-checks.js";
import { isWellFormedToken } from "../dm/session-cookie.js";
import { ServerErrorCode } from "../errors.js";
import type { BootstrapCredential } from "../store/types-bootstrap.js";
import type { BootstrapAuthenticator } from "./bootstrap-auth.js";
import {
  bootstrapCapabilityPath,
  bootstrapDevInfoPath,
  bootstrapSessionPath,
  type BootstrapService,
} from "./bootstrap-service.js";

export interface BootstrapEndpointOptions {
  readonly path: string;
  readonly service: BootstrapService;
  readonly authenticate: BootstrapAuthenticator;
  readonly bodyLimitBytes: number;
}

/** What a device is told to wait when a remote target is unavailable. */
const RETRY_AFTER_SECONDS = 60;

const credentials = new WeakMap<object, { readonly devId: string; readonly credential: BootstrapCredential }>();

export function bootstrapEndpointPlugin(app: FastifyInstance, opts: BootstrapEndpointOptions): Promise<void> {
  const bodyLimit = opts.bodyLimitBytes;
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_req, body, done) => {
    done(null, body);
  });
  app.setErrorHandler(async (error: unknown, req, reply) => {
    if (isTypedError(error)) {
      if (error.code === ServerErrorCode.BOOTSTRAP_TARGET_UNAVAILABLE) {
        // Nothing was provisioned; the device tries again later (docs/bootstrap.md "Remote targets").
        req.log.warn({ err: error }, "bootstrap: the remote management server did not learn the credentials");
        const headers = { "retry-after": String(RETRY_AFTER_SECONDS) };
        return sendRefusal(req, reply, refusal(problemFromError(error), headers));
      }
      return sendRefusal(req, reply, refusal(problemFromError(error)));
    }
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return sendRefusal(req, reply, refusal(problem(status, ServerErrorCode.INVALID_INPUT, (error as Error).message)));
    }
    req.log.error({ err: error }, "bootstrap endpoint failed");
    return sendRefusal(req, reply, refusal(problem(500, ServerErrorCode.DM_INTERNAL, "the bootstrap server failed")));
  });

  const authenticate = async (req: FastifyRequest, devId: string): Promise<void> => {
    const credential = await opts.authenticate(req.raw.socket, devId);
    credentials.set(req.raw, { devId, credential });
  };
  const guard = (packageType: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const checked = checkDmHeaders(
      { contentType: req.headers["content-type"], accept: req.headers.accept, devIds: headerLines(req, HDR_DEVID) },
      [packageType],
    );
    if (!checked.ok) return sendRefusal(req, reply, checked.error);
    await authenticate(req, checked.value.deviceId);
    return undefined;
  };
  const who = (req: FastifyRequest) => {
    const c = credentials.get(req.raw);
    if (c === undefined) throw new Error("bootstrap request reached its handler unauthenticated");
    return c;
  };
  const sendPackage2 = (reply: FastifyReply, p2: { CMD: string[][] }) =>
    reply
      .code(200)
      .header("content-type", MT_P2)
      .header("cache-control", "no-store")
      .send(Buffer.from(serializePackage2(p2), "utf8"));
  const body = (req: FastifyRequest): Uint8Array => (req.body instanceof Uint8Array ? req.body : new Uint8Array(0));
  const badToken = (req: FastifyRequest, reply: FastifyReply) =>
    sendRefusal(
      req,
      reply,
      refusal(problem(404, ServerErrorCode.BOOTSTRAP_PROVISION_NOT_FOUND, "nothing at this URL")),
    );

  app.post(opts.path, { bodyLimit, onRequest: guard(MT_P1) }, async (req, reply) => {
    const { devId, credential } = who(req);
    const p1 = parsePackage1(body(req), { maxBytes: bodyLimit });
    if (!p1.ok) return sendRefusal(req, reply, refusal(problemFromError(p1.error)));
    return sendPackage2(reply, await opts.service.handlePackage1(credential, devId, p1.value));
  });

  app.post(bootstrapDevInfoPath(opts.path), { bodyLimit, onRequest: guard(MT_P3) }, async (req, reply) => {
    const { devId, credential } = who(req);
    const p3 = parsePackage3(body(req), { maxBytes: bodyLimit });
    if (!p3.ok) return sendRefusal(req, reply, refusal(problemFromError(p3.error)));
    return sendPackage2(reply, await opts.service.handleDevInfo(credential, devId, p3.value));
  });

  app.post<{ Params: { token: string } }>(
    `${bootstrapSessionPath(opts.path)}/:token`,
    {
      bodyLimit,
      onRequest: async (req, reply) =>
        isWellFormedToken(req.params.token) ? guard(MT_P3)(req, reply) : badToken(req, reply),
    },
    async (req, reply) => {
      const { devId } = who(req);
      const p3 = parsePackage3(body(req), { maxBytes: bodyLimit });
      if (!p3.ok) return sendRefusal(req, reply, refusal(problemFromError(p3.error)));
      return sendPackage2(reply, await opts.service.handlePackage3(devId, req.params.token, p3.value));
    },
  );

  app.get<{ Params: { token: string } }>(`${bootstrapCapabilityPath(opts.path)}/:token`, async (req, reply) => {
    if (!isWellFormedToken(req.params.token)) return badToken(req, reply);
    const devIds = [...new Set(headerLines(req, HDR_DEVID).map((v) => v.trim()))].filter((v) => v !== "");
    const devId = devIds.length === 1 ? devIds[0] : undefined;
    if (devId === undefined) {
      return sendRefusal(
        req,
        reply,
        refusal(problem(400, ServerErrorCode.DM_DEVID_MISSING, `one ${HDR_DEVID} header is required`)),
      );
    }
    await authenticate(req, devId);
    const payload = await opts.service.fetchCapability(devId, req.params.token);
    return reply
      .code(200)
      .header("content-type", MT_MO_JSON)
      .header("cache-control", "no-store")
      .send(Buffer.from(JSON.stringify(payload), "utf8"));
  });
  return Promise.resolve();
}
