// /api/v1/bootstrap: the bootstrap role (docs/bootstrap.md) — credentials imported in bulk (keys write-only),
// rules, remote targets (management servers of other deployments; tokens write-only), provisions, and
// re-bootstrap (rotate a device's credentials or move it to another rule). Without `bootstrap.enabled` every
// route answers 501 API_COMPONENT_UNAVAILABLE.
import { Type } from "typebox";
import { ServerErrorCode } from "../errors.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { need } from "./api-context.js";
import {
  CredentialView,
  credentialView,
  ImportBody,
  ProvisionView,
  provisionView,
  RebootstrapBody,
  RemoteTargetBody,
  RemoteTargetView,
  remoteTargetView,
  RuleBody,
  RuleView,
  ruleView,
} from "./bootstrap-schemas.js";
import { IdParams, mapPage, PageOf, pageArgs, PageQuery } from "./common-schemas.js";
import { BODY_ERROR_CODES, LIST_ERROR_CODES, problemResponses } from "./error-docs.js";

const C = ServerErrorCode;
const tags = ["bootstrap"];
const OFF = C.API_COMPONENT_UNAVAILABLE;

export function registerBootstrapRoutes(app: ApiApp, ctx: ApiContext): void {
  const admin = () => need(ctx.bootstrap, "bootstrap role", "bootstrap");

  app.post(
    "/bootstrap/credentials",
    {
      schema: {
        tags,
        operationId: "importBootstrapCredentials",
        summary: "Import bootstrap credentials in bulk (all or nothing)",
        body: ImportBody,
        response: {
          201: Type.Object({ items: Type.Array(CredentialView) }),
          ...problemResponses(C.INVALID_INPUT, C.BOOTSTRAP_CREDENTIAL_CONFLICT, OFF, ...BODY_ERROR_CODES),
        },
      },
    },
    async (request, reply) => {
      const stored = await admin().importCredentials(request.body.credentials);
      return reply.code(201).send({ items: stored.map(credentialView) });
    },
  );

  app.get(
    "/bootstrap/credentials",
    {
      schema: {
        tags,
        operationId: "listBootstrapCredentials",
        summary: "List bootstrap credentials (never their keys)",
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(CredentialView), ...problemResponses(OFF, ...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      admin();
      return mapPage(await ctx.store.bootstrap.listCredentials(pageArgs(request.query)), credentialView);
    },
  );

  app.delete(
    "/bootstrap/credentials/:id",
    {
      schema: {
        tags,
        operationId: "deleteBootstrapCredential",
        summary: "Delete a bootstrap credential (devices holding it can no longer bootstrap)",
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(C.BOOTSTRAP_CREDENTIAL_NOT_FOUND, OFF) },
      },
    },
    async (request, reply) => {
      await admin().deleteCredential(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    "/bootstrap/rules/:id",
    {
      schema: {
        tags,
        operationId: "putBootstrapRule",
        summary: "Create or replace a rule mapping devices to their management server",
        params: IdParams,
        body: RuleBody,
        response: {
          200: RuleView,
          ...problemResponses(C.INVALID_INPUT, C.BOOTSTRAP_TARGET_NOT_FOUND, OFF, ...BODY_ERROR_CODES),
        },
      },
    },
    async (request) => ruleView(await admin().putRule({ id: request.params.id, ...request.body })),
  );

  app.get(
    "/bootstrap/rules",
    {
      schema: {
        tags,
        operationId: "listBootstrapRules",
        summary: "List the rules, in the order they are tried",
        response: { 200: Type.Object({ items: Type.Array(RuleView) }), ...problemResponses(OFF) },
      },
    },
    async () => {
      admin();
      return { items: (await ctx.store.bootstrap.listRules()).map(ruleView) };
    },
  );

  app.delete(
    "/bootstrap/rules/:id",
    {
      schema: {
        tags,
        operationId: "deleteBootstrapRule",
        summary: "Delete a rule (devices pinned to it are unpinned)",
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(C.BOOTSTRAP_RULE_NOT_FOUND, OFF) },
      },
    },
    async (request, reply) => {
      await admin().deleteRule(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/bootstrap/provisions",
    {
      schema: {
        tags,
        operationId: "listBootstrapProvisions",
        summary: "List bootstrap sessions, newest first",
        querystring: Type.Object(
          { ...PageQuery, deviceId: Type.Optional(Type.String({ minLength: 1 })) },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(ProvisionView), ...problemResponses(OFF, ...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      admin();
      const { deviceId } = request.query;
      const page = await ctx.store.bootstrap.listProvisions({
        ...pageArgs(request.query),
        ...(deviceId === undefined ? {} : { deviceId }),
      });
      return mapPage(page, provisionView);
    },
  );

  app.post(
    "/bootstrap/devices/:id/rebootstrap",
    {
      schema: {
        tags,
        operationId: "rebootstrapDevice",
        summary: "Revoke a device's session credentials and ask it to bootstrap again (optionally to another rule)",
        params: IdParams,
        body: RebootstrapBody,
        response: {
          200: Type.Object({
            deviceId: Type.String(),
            ruleId: Type.Union([Type.String(), Type.Null()]),
            revoked: Type.Boolean(),
            notified: Type.Boolean(),
            notifyError: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problemResponses(
            C.BOOTSTRAP_RULE_NOT_FOUND,
            C.INVALID_INPUT,
            C.BOOTSTRAP_TARGET_UNAVAILABLE,
            OFF,
            ...BODY_ERROR_CODES,
          ),
        },
      },
    },
    async (request) => admin().rebootstrap(request.params.id, request.body),
  );

  app.put(
    "/bootstrap/targets/:id",
    {
      schema: {
        tags,
        operationId: "putBootstrapTarget",
        summary:
          "Create or replace a remote target: a management server in another deployment, with an API token there",
        params: IdParams,
        body: RemoteTargetBody,
        response: { 200: RemoteTargetView, ...problemResponses(C.INVALID_INPUT, OFF, ...BODY_ERROR_CODES) },
      },
    },
    async (request) => remoteTargetView(await admin().putTarget({ id: request.params.id, ...request.body })),
  );

  app.get(
    "/bootstrap/targets",
    {
      schema: {
        tags,
        operationId: "listBootstrapTargets",
        summary: "List the remote targets (never their tokens)",
        response: { 200: Type.Object({ items: Type.Array(RemoteTargetView) }), ...problemResponses(OFF) },
      },
    },
    async () => {
      admin();
      return { items: (await ctx.store.bootstrap.listTargets()).map(remoteTargetView) };
    },
  );

  app.delete(
    "/bootstrap/targets/:id",
    {
      schema: {
        tags,
        operationId: "deleteBootstrapTarget",
        summary: "Delete a remote target no rule targets",
        params: IdParams,
        response: {
          204: Type.Null(),
          ...problemResponses(C.BOOTSTRAP_TARGET_NOT_FOUND, C.BOOTSTRAP_TARGET_IN_USE, OFF),
        },
      },
    },
    async (request, reply) => {
      await admin().deleteTarget(request.params.id);
      return reply.code(204).send(null);
    },
  );
}
