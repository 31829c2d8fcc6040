// /api/v1/tokens: operator API tokens. The secret is in the creation response only; the store keeps its hash.
import { Type } from "typebox";
import { ServerErrorCode } from "../errors.js";
import { createApiToken, MAX_API_TOKEN_NAME_LENGTH } from "../services/api-tokens.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { IdParams } from "./common-schemas.js";
import { BODY_ERROR_CODES, problemResponses } from "./error-docs.js";
import { apiTokenView, ApiTokenView } from "./record-schemas.js";
import { REQUIRED_SCOPE_CONFIG } from "./scopes.js";
import { ApiScope } from "../store/types-content.js";

const C = ServerErrorCode;
const tags = ["tokens"];

const CreatedToken = Type.Object({
  token: Type.String({ description: "The bearer secret. Shown once: store it now." }),
  record: ApiTokenView,
});

/** Tokens are admin business, reading them too: a token list names who can reach the API. */
const config = { [REQUIRED_SCOPE_CONFIG]: ApiScope.Admin };

export function registerTokenRoutes(app: ApiApp, ctx: ApiContext): void {
  const { store } = ctx;

  app.post(
    "/tokens",
    {
      config,
      schema: {
        tags,
        operationId: "createToken",
        summary: "Create an API token (its secret is returned once)",
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: MAX_API_TOKEN_NAME_LENGTH }),
            scope: Type.Optional(
              Type.Enum(Object.values(ApiScope), {
                description: "read (GET only), operator (also devices, commands, groups, …) or admin (default)",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedToken, ...problemResponses(C.INVALID_INPUT, ...BODY_ERROR_CODES) },
      },
    },
    async (request, reply) => {
      const { token, record } = await createApiToken(store, request.body.name, {}, request.body.scope);
      return reply.code(201).send({ token, record: apiTokenView(record) });
    },
  );

  app.get(
    "/tokens",
    {
      config,
      schema: {
        tags,
        operationId: "listTokens",
        summary: "List API tokens (never their secrets)",
        response: { 200: Type.Object({ items: Type.Array(ApiTokenView) }), ...problemResponses() },
      },
    },
    async () => ({ items: (await store.apiTokens.list()).map(apiTokenView) }),
  );

  app.delete(
    "/tokens/:id",
    {
      config,
      schema: {
        tags,
        operationId: "revokeToken",
        summary: "Revoke an API token (it is refused from then on; the record stays for the audit trail)",
        params: IdParams,
        response: { 200: ApiTokenView, ...problemResponses(C.API_TOKEN_NOT_FOUND) },
      },
    },
    // Its console sign-ins end with it, in the same commit (docs/console.md); the console's own check at each
    // request would refuse them anyway, this only keeps the table from holding useless rows.
    async (request) =>
      apiTokenView(
        await store.transaction(async (tx) => {
          const revoked = await tx.apiTokens.revoke(request.params.id);
          await tx.consoleSignIns.endForToken(revoked.id);
          return revoked;
        }),
      ),
  );
}
