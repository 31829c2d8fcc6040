// Every error of the REST API is an `application/problem+json` body (RFC 9457) with our stable `code`: one
// mapping from what can go wrong (ServerError, ProtocolError, fastify's validation and body-parser errors,
// anything unexpected) to status + code + a detail that names the problem. Never a stack trace.
import { Type, type Static } from "typebox";
import { isProtocolError } from "@omadm/protocol";
import { isServerError, ServerErrorCode, ServerErrorHttpStatus, type ServerErrorCode as Code } from "../errors.js";

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** The problem `type` URI of a code (a URN: stable, and it never pretends to be a fetchable page). */
export function problemType(code: string): string {
  return `urn:omadm:error:${code}`;
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: "urn:omadm:error:<code>" }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: "What was wrong, naming the field or parameter." }),
    code: Type.String({ description: "Stable error code from the catalogue (see the table in the API description)." }),
    instance: Type.Optional(Type.String({ description: "The request path." })),
    requestId: Type.Optional(Type.String()),
    report: Type.Optional(
      Type.Unknown({
        description: "For a device import past a limit: the report of what was imported (ImportReport).",
      }),
    ),
    notifications: Type.Optional(
      Type.Array(Type.Unknown(), { description: "For NOTIFY_* failures: the recorded Package#0 attempts." }),
    ),
  },
  { additionalProperties: true, description: "RFC 9457 problem details" },
);
export type Problem = Static<typeof ProblemSchema>;

/** "OMADM_SRV_DEVICE_NOT_FOUND" → "Device not found". */
export function titleOf(code: string): string {
  const words = code
    .replace(/^OMADM_(SRV_(API_)?)?/, "")
    .toLowerCase()
    .split("_");
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function makeProblem(status: number, code: string, detail: string): Problem {
  return { type: problemType(code), title: titleOf(code), status, detail, code };
}

/** What fastify puts on its own errors (validation, body parsing, limits). */
interface FastifyLikeError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly validation?: unknown;
  readonly message?: unknown;
}

const FASTIFY_CODES: Readonly<Record<string, Code>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ServerErrorCode.API_PAYLOAD_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ServerErrorCode.API_UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ServerErrorCode.API_BAD_REQUEST,
  FST_ERR_CTP_EMPTY_JSON_BODY: ServerErrorCode.API_BAD_REQUEST,
  FST_ERR_CTP_INVALID_JSON_BODY: ServerErrorCode.API_BAD_REQUEST,
};

export interface MappedProblem {
  readonly problem: Problem;
  /** true when the error was not one we meant (it is logged in full; the caller sees only the request id). */
  readonly unexpected: boolean;
}

/** One schema validation error as fastify passes them (Ajv's and TypeBox's shapes agree on these fields). */
export interface SchemaValidationError {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/**
 * A validation message that names the field: "body/command/0: must be string", "body: unknown field \"x\"".
 * The "schema is false" entries TypeBox reports for each extra property are folded into the one naming them.
 */
export function formatValidationErrors(errors: readonly SchemaValidationError[], dataVar: string): string {
  const parts = new Set<string>();
  for (const e of errors) {
    if (e.keyword === "boolean" || e.message === "schema is false") continue;
    const where = `${dataVar}${e.instancePath ?? ""}`;
    const extra = e.params?.["additionalProperties"];
    if (e.keyword === "additionalProperties" && Array.isArray(extra)) {
      const names = extra.map((n) => JSON.stringify(n)).join(", ");
      parts.add(`${where}: unknown field${extra.length === 1 ? "" : "s"} ${names}`);
    } else {
      parts.add(`${where}: ${e.message ?? "is invalid"}`);
    }
  }
  return parts.size === 0 ? `${dataVar} is invalid` : [...parts].join("; ");
}

/** Maps any thrown value to a problem. */
export function problemOf(error: unknown): MappedProblem {
  if (isServerError(error)) {
    return { problem: makeProblem(error.httpStatus, error.code, error.message), unexpected: false };
  }
  if (isProtocolError(error)) {
    // Only operator input reaches the API's protocol checks: a bad request, whatever DM status it carries.
    return { problem: makeProblem(400, error.code, error.message), unexpected: false };
  }
  const e = (typeof error === "object" && error !== null ? error : {}) as FastifyLikeError;
  const message = typeof e.message === "string" ? e.message : "";
  if (e.validation !== undefined) {
    const code = ServerErrorCode.API_VALIDATION_FAILED;
    return { problem: makeProblem(400, code, `invalid request: ${message}`), unexpected: false };
  }
  const mapped = typeof e.code === "string" ? FASTIFY_CODES[e.code] : undefined;
  if (mapped !== undefined) {
    return { problem: makeProblem(ServerErrorHttpStatus[mapped], mapped, message), unexpected: false };
  }
  if (error instanceof SyntaxError || (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500)) {
    // Body parsers' errors (JSON syntax, bad Content-Length …) carry a 4xx and a message meant for the caller.
    const status = typeof e.statusCode === "number" ? e.statusCode : 400;
    return { problem: makeProblem(status, ServerErrorCode.API_BAD_REQUEST, message), unexpected: false };
  }
  const code = ServerErrorCode.API_INTERNAL;
  return { problem: makeProblem(500, code, "internal server error; the server log has the details"), unexpected: true };
}
