// API token scopes (docs/operators.md "Scopes"): which scope a route needs, and the check. A route declares its
// scope in its options (`config: { requiredScope: ApiScope.Admin }`); a route that declares none gets the default
// of its HTTP method — GET and HEAD need `read`, every other method `operator` — so a route added without a
// thought about scopes is still safe: a read-only token can never change anything through it. The scopes are
// ordered, each including the ones before it: read < operator < admin.
import { ServerError, ServerErrorCode } from "../errors.js";
import { ApiScope } from "../store/types-content.js";
import type { ApiCaller } from "./auth.js";

/** The route `config` key that declares a route's scope. */
export const REQUIRED_SCOPE_CONFIG = "requiredScope";

const RANK: Readonly<Record<ApiScope, number>> = { read: 0, operator: 1, admin: 2 };

/** The scope a route needs: its own declaration, else its method's default. */
export function requiredScopeOf(method: string, config: unknown): ApiScope {
  const declared = (config as Record<string, unknown> | undefined)?.[REQUIRED_SCOPE_CONFIG];
  if (declared === ApiScope.Read || declared === ApiScope.Operator || declared === ApiScope.Admin) return declared;
  return method === "GET" || method === "HEAD" ? ApiScope.Read : ApiScope.Operator;
}

/** A loopback caller without a token is the local administrator (./auth.ts); a token has its scope. */
export function scopeOfCaller(caller: ApiCaller): ApiScope {
  return caller.kind === "token" ? caller.token.scope : ApiScope.Admin;
}

export function scopeAllows(has: ApiScope, needs: ApiScope): boolean {
  return RANK[has] >= RANK[needs];
}

/** API_FORBIDDEN (403) naming the missing scope, unless the caller has it. */
export function checkScope(caller: ApiCaller, needs: ApiScope, action: string): void {
  const has = scopeOfCaller(caller);
  if (scopeAllows(has, needs)) return;
  throw new ServerError(
    ServerErrorCode.API_FORBIDDEN,
    `${action} needs an API token with scope ${needs}; this token has scope ${has}`,
    { extensions: { requiredScope: needs, scope: has } },
  );
}
