// Error answers of the device-facing HTTP components as RFC 9457 problem details: a JSON body that says what
// was wrong (`detail`), with the stable `code` from the server catalogue and, where it helps the device
// recover, what would have been accepted (`available`, `supported`) or where in the body the fault is (`path`).
import { STATUS_CODES } from "node:http";
import type { FastifyReply } from "fastify";

export const MT_PROBLEM_JSON = "application/problem+json";

export interface ProblemDetails {
  readonly type: "about:blank";
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly [extension: string]: unknown;
}

export function problemDetails(
  status: number,
  code: string,
  detail: string,
  extensions: Readonly<Record<string, unknown>> = {},
): ProblemDetails {
  const base = { type: "about:blank", title: STATUS_CODES[status] ?? "Error", status, detail, code } as const;
  // The standard members first and never overridden by an extension of the same name.
  const extra = Object.fromEntries(Object.entries(extensions).filter(([key]) => !(key in base)));
  return { ...base, ...extra };
}

/** Sends a problem answer; returns the reply so async hooks and handlers can `return sendProblem(…)`. */
export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extensions: Readonly<Record<string, unknown>> = {},
): FastifyReply {
  return reply
    .code(status)
    .type(MT_PROBLEM_JSON)
    .send(JSON.stringify(problemDetails(status, code, detail, extensions)));
}
