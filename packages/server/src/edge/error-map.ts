// What a thrown value becomes on the wire: one mapping for every route. Typed errors carry their own status and
// code; the framework's own errors (body too large, unknown media type, malformed JSON, schema validation, bad URL
// escapes, over-long parameters) get the code of the component whose URL was asked for, so a device talking to
// /repo reads repository codes and an operator talking to /api reads API codes; anything else is a 500 that says
// nothing but "see the log" (the log gets the error under the request id).
import { ErrorCode, isProtocolError } from "@omadm/protocol";
import { isServerError, ServerErrorCode, ServerErrorHttpStatus } from "../errors.js";
import { makeProblem, problemFromError, type Problem } from "./problem.js";

/** The component a URL belongs to (by its first path segment). */
export type EdgeComponent = "dm" | "repository" | "ui" | "api" | "other";

export function componentOf(url: string): EdgeComponent {
  const first = /^\/([^/?#]*)/.exec(url)?.[1] ?? "";
  if (first === "dm") return "dm";
  if (first === "repo") return "repository";
  if (first === "ui") return "ui";
  if (first === "api") return "api";
  return "other";
}

type FrameworkCodes = Readonly<Record<400 | 404 | 413 | 415 | 500, string>>;

const GENERIC: FrameworkCodes = {
  400: ServerErrorCode.HTTP_BAD_REQUEST,
  404: ServerErrorCode.HTTP_ROUTE_NOT_FOUND,
  413: ServerErrorCode.HTTP_PAYLOAD_TOO_LARGE,
  415: ServerErrorCode.HTTP_UNSUPPORTED_MEDIA_TYPE,
  500: ServerErrorCode.HTTP_INTERNAL,
};

/** The code of each framework refusal, per component (docs/operations.md lists them). */
const FRAMEWORK_CODES: Readonly<Record<EdgeComponent, FrameworkCodes>> = {
  dm: {
    ...GENERIC,
    400: ServerErrorCode.INVALID_INPUT,
    413: ErrorCode.JSON_TOO_LARGE,
    500: ServerErrorCode.DM_INTERNAL,
  },
  repository: {
    400: ServerErrorCode.INVALID_INPUT,
    404: ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND,
    413: ServerErrorCode.REPOSITORY_TOO_LARGE,
    415: ServerErrorCode.REPOSITORY_UNSUPPORTED_MEDIA_TYPE,
    500: ServerErrorCode.REPOSITORY_INTERNAL,
  },
  api: {
    400: ServerErrorCode.API_BAD_REQUEST,
    404: ServerErrorCode.API_ROUTE_NOT_FOUND,
    413: ServerErrorCode.API_PAYLOAD_TOO_LARGE,
    415: ServerErrorCode.API_UNSUPPORTED_MEDIA_TYPE,
    500: ServerErrorCode.API_INTERNAL,
  },
  ui: GENERIC,
  other: GENERIC,
};

/** The code for a framework refusal of `status` on a component's URL. */
export function frameworkCode(component: EdgeComponent, status: number): string {
  const codes = FRAMEWORK_CODES[component];
  if (status === 400 || status === 404 || status === 413 || status === 415) return codes[status];
  if (status === 414) return ServerErrorCode.HTTP_URI_TOO_LONG;
  if (status === 431) return ServerErrorCode.HTTP_HEADERS_TOO_LARGE;
  if (status === 408) return ServerErrorCode.HTTP_REQUEST_TIMEOUT;
  if (status === 503) return ServerErrorCode.HTTP_OVERLOADED;
  return status >= 500 ? codes[500] : codes[400];
}

/** What fastify and its parsers put on their own errors. */
interface FrameworkError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly validation?: unknown;
  readonly message?: unknown;
}

export interface MappedProblem {
  readonly problem: Problem;
  /** true when the error was not one we meant (log it in full; the caller sees only the request id). */
  readonly unexpected: boolean;
}

export interface MapContext {
  readonly component: EdgeComponent;
  /** The body limit of the route, for the 413 detail. */
  readonly bodyLimit?: number | undefined;
}

/** Maps any thrown value to a problem. */
export function problemOf(error: unknown, context: MapContext): MappedProblem {
  const { component } = context;
  if (isServerError(error)) {
    const problem = makeProblem(error.httpStatus, error.code, error.message, error.extensions);
    return { problem, unexpected: error.httpStatus === 500 };
  }
  if (isProtocolError(error)) {
    // Only operator input reaches the API's protocol checks: a bad request, whatever DM status it carries.
    if (component === "api") return { problem: makeProblem(400, error.code, error.message), unexpected: false };
    return { problem: problemFromError(error), unexpected: false };
  }
  const e = (typeof error === "object" && error !== null ? error : {}) as FrameworkError;
  const message = typeof e.message === "string" && e.message !== "" ? e.message : "bad request";
  if (e.validation !== undefined) {
    const code = ServerErrorCode.API_VALIDATION_FAILED;
    return {
      problem: makeProblem(ServerErrorHttpStatus[code], code, `invalid request: ${message}`),
      unexpected: false,
    };
  }
  const status = typeof e.statusCode === "number" ? e.statusCode : error instanceof SyntaxError ? 400 : 500;
  if (status >= 400 && status < 500) {
    const detail =
      e.code === "FST_ERR_CTP_BODY_TOO_LARGE" && context.bodyLimit !== undefined
        ? `the request body exceeds the limit of ${context.bodyLimit} bytes`
        : message;
    return { problem: makeProblem(status, frameworkCode(component, status), detail), unexpected: false };
  }
  const detail = "internal server error; the server log has the details under the request id";
  return { problem: makeProblem(500, frameworkCode(component, 500), detail), unexpected: true };
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
