// RFC 9457 problem details for everything the DM endpoint refuses: the status code plus a body that names the
// problem (bad input gets a clear error: ARCHITECTURE.md invariant 7), with the stable error code of our catalogues.
import { STATUS_CODES } from "node:http";
import { isProtocolError, type ProtocolError } from "@omadm/protocol";
import { isServerError, type ServerError } from "../errors.js";

export const MT_PROBLEM = "application/problem+json";

export interface Problem {
  /** A URN naming the error code (stable; no documentation host is implied). */
  readonly type: string;
  /** The HTTP reason phrase of `status`. */
  readonly title: string;
  readonly status: number;
  /** What was wrong, in words. */
  readonly detail: string;
  /** The stable code: `OMADM_*` (protocol) or `OMADM_SRV_*` (server). */
  readonly code: string;
  /** For package violations: where in the body (JSON path or byte offset). */
  readonly path?: string;
  /** For 415: the media types this URL accepts. */
  readonly accept?: readonly string[];
}

/** A refusal: the problem and any headers that go with it (OMADM-Accept, WWW-Authenticate, Allow). */
export interface Refusal {
  readonly problem: Problem;
  readonly headers: Readonly<Record<string, string>>;
}

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: `urn:omadm:error:${code}`,
    title: STATUS_CODES[status] ?? "Error",
    status,
    detail,
    code,
    ...extra,
  };
}

/** The problem for a typed error of either catalogue, with the HTTP status it carries. */
export function problemFromError(error: ProtocolError | ServerError): Problem {
  if (isProtocolError(error)) {
    return problem(error.status, error.code, error.message, error.path === undefined ? {} : { path: error.path });
  }
  return problem(error.httpStatus, error.code, error.message);
}

export function refusal(p: Problem, headers: Readonly<Record<string, string>> = {}): Refusal {
  return { problem: p, headers };
}

export function isTypedError(value: unknown): value is ProtocolError | ServerError {
  return isProtocolError(value) || isServerError(value);
}
