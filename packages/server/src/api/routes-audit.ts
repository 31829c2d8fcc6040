// GET /api/v1/audit: the audit log of operator writes (./audit.ts), newest first, keyset pages. Admin only: the
// log shows who did what, when, to which device — operator activity that a dashboard's read-only token or an
// automation's operator token has no need to see, and token ids that an admin alone manages.
import { Type } from "typebox";
import { ServerErrorCode } from "../errors.js";
import { ApiScope } from "../store/types-content.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { defined, mapPage, PageOf, PageQuery, pageArgs } from "./common-schemas.js";
import { LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import { auditRecordView, AuditRecordView } from "./record-schemas.js";
import { REQUIRED_SCOPE_CONFIG } from "./scopes.js";

const C = ServerErrorCode;

const AuditQuery = Type.Object({
  tokenId: Type.Optional(Type.String({ minLength: 1, description: "Only this token's writes" })),
  action: Type.Optional(Type.String({ minLength: 1, description: "Exact action, e.g. `POST /api/v1/devices`" })),
  since: Type.Optional(Type.String({ format: "date-time", description: "Only records at or after this time" })),
  until: Type.Optional(Type.String({ format: "date-time", description: "Only records before this time" })),
  order: Type.Optional(Type.Enum(["asc", "desc"], { description: "desc (default: newest first) or asc" })),
  ...PageQuery,
});

function epochOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function registerAuditRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    "/audit",
    {
      config: { [REQUIRED_SCOPE_CONFIG]: ApiScope.Admin },
      schema: {
        tags: ["audit"],
        operationId: "listAudit",
        summary: "List audit records of operator writes (newest first; admin scope)",
        querystring: AuditQuery,
        response: { 200: PageOf(AuditRecordView), ...problemResponses(C.API_FORBIDDEN, ...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { tokenId, action, since, until, order } = request.query;
      const page = await ctx.store.audit.list({
        ...defined({ tokenId, action, since: epochOf(since), until: epochOf(until), order }),
        ...pageArgs(request.query),
      });
      return mapPage(page, auditRecordView);
    },
  );
}
