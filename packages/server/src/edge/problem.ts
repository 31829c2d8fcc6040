// The one shape of every HTTP error the server answers, on every route (DM endpoint, Data Repository, Web Server
// Component, REST API, and what the framework itself refuses): an `application/problem+json` body (RFC 9457)
// with a stable `type` (a URN naming the code), `status`, `title` (the same for every problem of a code),
// `detail` (what was wrong, in words) and our stable `code` (ARCHITECTURE.md invariant 7).
import { Type, type Static } from "typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { isProtocolError, type ProtocolError } from "@omadm/protocol";
import { isServerError, type ServerError } from "../errors.js";

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: "urn:omadm:error:<code>" }),
    title: Type.String({ description: "The code in words; the same for every problem of that code." }),
    status: Type.Integer(),
    detail: Type.String({ description: "What was wrong, naming the field or parameter." }),
    code: Type.String({ description: "Stable error code from the catalogue (see the table in the API description)." }),
    instance: Type.Optional(Type.String({ description: "The request path (without the query)." })),
    requestId: Type.Optional(Type.String()),
    notifications: Type.Optional(
      Type.Array(Type.Unknown(), { description: "For NOTIFY_* failures: the recorded Package#0 attempts." }),
    ),
  },
  { additionalProperties: true, description: "RFC 9457 problem details" },
);

/** A problem body: the standard members, our `code`, and extensions (`path`, `supported`, `available`, …). */
export type Problem = Static<typeof ProblemSchema> & { readonly [extension: string]: unknown };

/** The problem `type` URI of a code (a URN: stable, and it never pretends to be a fetchable page). */
export function problemType(code: string): string {
  return `urn:omadm:error:${code}`;
}

/** "OMADM_SRV_DEVICE_NOT_FOUND" → "Device not found"; "OMADM_JSON_TOO_LARGE" → "Json too large". */
export function titleOf(code: string): string {
  const text = code
    .replace(/^OMADM_(SRV_((API|HTTP)_)?)?/, "")
    .toLowerCase()
    .replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function makeProblem(
  status: number,
  code: string,
  detail: string,
  extensions: Readonly<Record<string, unknown>> = {},
): Problem {
  const base = { type: problemType(code), title: titleOf(code), status, detail, code };
  // The standard members first and never overridden by an extension of the same name.
  const extra = Object.fromEntries(Object.entries(extensions).filter(([key]) => !(key in base)));
  return { ...base, ...extra };
}

/** The problem of a typed error of either catalogue, with the HTTP status it carries (and the body path). */
export function problemFromError(error: ProtocolError | ServerError): Problem {
  if (isProtocolError(error)) {
    return makeProblem(error.status, error.code, error.message, error.path === undefined ? {} : { path: error.path });
  }
  return makeProblem(error.httpStatus, error.code, error.message);
}

export function isTypedError(value: unknown): value is ProtocolError | ServerError {
  return isProtocolError(value) || isServerError(value);
}

/** A refusal decided before a handler runs: the problem and the headers that go with it (Allow, OMADM-Accept…). */
export interface Refusal {
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

export function refusal(p: Problem, headers: Refusal["headers"] = {}): Refusal {
  return { problem: p, headers };
}

/**
 * Sends a problem answer, with `instance` (the path, never the query: a uiid is a credential) and the request id
 * the log files the request under. Returns the reply, so hooks and handlers can `return sendProblem(…)`.
 */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Problem,
  headers: Refusal["headers"] = {},
): FastifyReply {
  for (const [name, value] of Object.entries(headers))
    reply.header(name, typeof value === "string" ? value : [...value]);
  const body = { ...problem, instance: pathOf(request.url), requestId: request.id };
  // A Buffer, so that no charset parameter is added: the type is exactly application/problem+json (UTF-8).
  return reply
    .code(problem.status)
    .header("content-type", PROBLEM_MEDIA_TYPE)
    .send(Buffer.from(JSON.stringify(body), "utf8"));
}

/** Shorthand of `sendProblem(request, reply, makeProblem(…))`. */
export function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extensions: Readonly<Record<string, unknown>> = {},
): FastifyReply {
  return sendProblem(request, reply, makeProblem(status, code, detail, extensions));
}

/** The path of a request URL, without query or fragment. */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}
