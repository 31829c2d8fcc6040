// The server's one HTTP edge: what every route shares, installed once on the root instance by the composition
// root (app.ts). It owns
//   - the one error handler and the one not-found handler: every 4xx/5xx is application/problem+json (./problem.ts),
//     the framework's own refusals included (bad URL escapes 400, over-long parameters 414, oversized headers
//     431, request time-outs 408, unknown routes 404, body parser errors), with the codes of ./error-map.ts;
//   - Content-Encoding: gzip and deflate bodies are decoded (the body limit counts decoded bytes), others 415;
//   - load shedding on event-loop delay (./admission.ts): 503 with Retry-After, except a Package#3 of a session
//     already admitted;
//   - the request decoration of the shared device-authentication step (../auth/auth-hook.ts);
//   - request logging with credentials taken out of the URL (./request-log.ts, the `logController`).
// `edgeServerOptions` gives the fastify factory options of the same edge (time-outs, limits, framework errors).
import { STATUS_CODES, type Server, type ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { Readable, Transform } from "node:stream";
import { createGunzip, createInflate } from "node:zlib";
import type { FastifyError, FastifyHttpOptions, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { MT_P3 } from "@omadm/protocol";
import { bearerChallenge } from "../api/auth.js";
import { decorateDeviceAuth } from "../auth/auth-hook.js";
import { MAX_PATH_PARAMETER_LENGTH } from "../device-id.js";
import { ServerErrorCode } from "../errors.js";
import type { LoadShedder } from "./admission.js";
import { componentOf, frameworkCode, problemOf } from "./error-map.js";
import { RedactingLogController } from "./request-log.js";
import { makeProblem, PROBLEM_MEDIA_TYPE, sendProblem } from "./problem.js";

/** Connection and request limits of the HTTP server (config keys `http.*`, docs/operations.md). */
export interface HttpLimits {
  /** The whole request, headers and body, must arrive within this (a trickling body is cut). */
  readonly requestTimeoutMs: number;
  /** The request headers must arrive within this. */
  readonly headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** A connection with no traffic at all is closed after this. */
  readonly idleTimeoutMs: number;
  /** Most simultaneous connections; more are refused at accept. */
  readonly maxConnections: number;
}

export const HTTP_LIMIT_DEFAULTS: HttpLimits = {
  requestTimeoutMs: 20_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxConnections: 4096,
};

/** Encodings a request body may arrive in (RFC 9110 §8.4); anything else is 415. */
const DECODERS: Readonly<Record<string, (() => Transform) | null>> = {
  identity: null,
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
};

/**
 * The fastify factory options of the edge: time-outs, the router's parameter limit (a DevID of any admitted
 * length fits, ../device-id.ts), problem answers for the router's own refusals and for malformed requests the
 * HTTP parser refuses before fastify sees them. Merge into `Fastify({...})`; set `maxConnections` with
 * `applyConnectionLimit` once the server exists.
 */
export function edgeServerOptions(
  limits: HttpLimits = HTTP_LIMIT_DEFAULTS,
): FastifyHttpOptions<Server> & { readonly http: ServerOptions } {
  return {
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    // Node checks request and header time-outs every `connectionsCheckingInterval` (30 s by default, which would
    // let a trickling body live up to twice the time-out).
    // Node refuses a header time-out longer than the request time-out.
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    logController: new RedactingLogController(),
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = typeof error.statusCode === "number" ? error.statusCode : 400;
      const detail =
        status === 414
          ? `a path parameter is longer than ${MAX_PATH_PARAMETER_LENGTH} characters`
          : "the URL contains a malformed percent-escape";
      sendProblem(request, reply, makeProblem(status, frameworkCode(componentOf(request.url), status), detail));
    },
    clientErrorHandler: answerClientError,
  };
}

/** Node's own refusals (before a request exists): oversized headers 431, time-outs 408, malformed requests 400. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, detail] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "the request headers are larger than the server accepts"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "the request did not arrive completely within the server's request time-out"]
        : [400, "the request is not well-formed HTTP/1.1"];
  const body = JSON.stringify(makeProblem(status, frameworkCode("other", status), detail));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Type: ${PROBLEM_MEDIA_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export type ProblemExtensions = Readonly<Record<number, Readonly<Record<string, unknown>>>>;

declare module "fastify" {
  interface FastifyContextConfig {
    /** Members to add to the framework's problems of a status on this route: `{ 415: { supported: [...] } }`. */
    problemExtensions?: ProblemExtensions;
  }
}

export interface HttpEdgeOptions {
  /** Load shedding on event-loop delay; absent: none. */
  readonly shedder?: LoadShedder | undefined;
}

/** Installs the edge on the root instance, before any component registers. */
export function installHttpEdge(app: FastifyInstance, options: HttpEdgeOptions = {}): void {
  decorateDeviceAuth(app);

  app.setErrorHandler((error: unknown, request, reply) => {
    const component = componentOf(request.url);
    const mapped = problemOf(error, { component, bodyLimit: request.routeOptions.bodyLimit });
    const { unexpected } = mapped;
    // A route may add members to the framework's refusals of a status (the repository's 415 lists its types).
    const extra = request.routeOptions.config.problemExtensions?.[mapped.problem.status];
    const problem = extra === undefined ? mapped.problem : { ...extra, ...mapped.problem };
    if (unexpected) request.log.error({ err: error }, "request failed unexpectedly");
    const headers =
      problem.code === ServerErrorCode.API_UNAUTHORIZED
        ? { "www-authenticate": bearerChallenge(request.headers.authorization) }
        : {};
    return sendProblem(request, reply, problem, headers);
  });

  app.setNotFoundHandler((request, reply) => {
    const component = componentOf(request.url);
    const where = component === "api" ? "no API route" : "no route";
    const detail = `${where} ${request.method} ${request.url.split("?")[0] ?? ""}`;
    return sendProblem(request, reply, makeProblem(404, frameworkCode(component, 404), detail));
  });

  // The two hooks every request passes are callback-style: an async hook costs a promise and a microtask turn.
  const shedder = options.shedder;
  if (shedder !== undefined) {
    app.addHook("onRequest", (request, reply, done) => {
      // A Package#3 belongs to a session already admitted: it is always served, so that sessions finish.
      if (isPackage3(request) || !shedder.overloaded()) {
        done();
        return;
      }
      const detail = "the server is overloaded; retry after the Retry-After delay";
      const headers = { "retry-after": String(shedder.retryAfterSeconds()) };
      sendProblem(request, reply, makeProblem(503, ServerErrorCode.HTTP_OVERLOADED, detail), headers);
    });
  }

  app.addHook("preParsing", (request, reply, payload, done) => {
    if (request.headers["content-encoding"] === undefined) {
      done(null, payload);
      return;
    }
    decodeBody(request, reply, payload).then((decoded) => {
      done(null, decoded);
    }, done);
  });
}

/** A request body in the Content-Encoding it names, decoded (or refused with 415). */
async function decodeBody(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: Readable,
): Promise<Readable & { receivedEncodedLength?: number }> {
  const header = request.headers["content-encoding"];
  if (header === undefined) return payload;
  const codings = header
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "");
  if (codings.length > 1 || (codings[0] !== undefined && !(codings[0] in DECODERS))) {
    const detail = `Content-Encoding ${JSON.stringify(header)} is not supported; send gzip, deflate or identity`;
    await sendProblem(request, reply, makeProblem(415, ServerErrorCode.HTTP_UNSUPPORTED_ENCODING, detail), {
      "accept-encoding": "gzip, deflate",
    });
    return payload;
  }
  const decoder = DECODERS[codings[0] ?? "identity"];
  if (decoder === null || decoder === undefined) return payload;
  const decoded: Transform & { receivedEncodedLength?: number } = decoder();
  // fastify compares Content-Length with the encoded bytes and the body limit with both.
  decoded.receivedEncodedLength = 0;
  payload.on("data", (chunk: Buffer) => {
    decoded.receivedEncodedLength = (decoded.receivedEncodedLength ?? 0) + chunk.length;
  });
  payload.on("error", (e) => decoded.emit("error", e));
  decoded.on("error", (e: Error & { statusCode?: number }) => {
    e.statusCode ??= 400;
  });
  return payload.pipe(decoded);
}

/** A request that can only be a Package#3: any POST to a session URL, or a Package#3 media type at /dm. */
function isPackage3(request: FastifyRequest): boolean {
  if (request.method !== "POST") return false;
  const url = request.url;
  if (url.startsWith("/dm/s/")) return true;
  if (url !== "/dm" && !url.startsWith("/dm?")) return false;
  return (request.headers["content-type"] ?? "").split(";", 1)[0]?.trim().toLowerCase() === MT_P3;
}
