// The audit log of operator writes (docs/operators.md "Audit"): every request through the API other than a read
// (GET, HEAD) by an authenticated caller is recorded with the caller's token id and name (never its secret), the
// action (method and route pattern), the target (the route parameters), the time and the status answered —
// refused writes too (a 403 for a missing scope is exactly what an audit should show). It is written in `onSend`,
// before the answer leaves, so a caller that got its answer finds its record. A request that did not authenticate
// (401) has nobody to attribute it to and is not recorded, so unauthenticated traffic cannot fill the log.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Store } from "../store/store.js";
import type { NewAuditRecord } from "../store/types-content.js";
import type { ApiCaller } from "./auth.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who the API authenticated (null before authentication or when it failed). */
    apiCaller: ApiCaller | null;
  }
}

const READS: readonly string[] = ["GET", "HEAD", "OPTIONS"];

/** The record of one write, or null for a read or an unauthenticated request. Pure. */
export function auditEntryOf(
  caller: ApiCaller | null,
  method: string,
  route: string | undefined,
  params: unknown,
  status: number,
): NewAuditRecord | null {
  if (caller === null || READS.includes(method)) return null;
  const target: Record<string, string> = {};
  if (typeof params === "object" && params !== null) {
    for (const [k, v] of Object.entries(params)) if (typeof v === "string") target[k] = v;
  }
  return {
    tokenId: caller.kind === "token" ? caller.token.id : null,
    tokenName: caller.kind === "token" ? caller.token.name : null,
    action: `${method} ${route ?? "(no route)"}`,
    target,
    status,
  };
}

/** The `onSend` hook that records writes. A failing audit store is logged; the answer still goes out. */
export function auditHook(store: Pick<Store, "audit">) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const entry = auditEntryOf(
      request.apiCaller,
      request.method,
      request.routeOptions.url,
      request.params,
      reply.statusCode,
    );
    if (entry === null) return payload;
    try {
      await store.audit.record(entry);
    } catch (error) {
      request.log.warn({ err: error, action: entry.action }, "could not record the audit entry of an API write");
    }
    return payload;
  };
}
