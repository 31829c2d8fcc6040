// The operator REST API as one fastify plugin: everything under /api, encapsulated so
// its validator, error handler, 404 handler, body parsers and auth hook touch no other component.
//
//   /api/v1/…            the API (JSON; errors application/problem+json; bearer-token auth)
//   /api/openapi.json    the OpenAPI 3.1 document generated from the route schemas
//   /api/docs            Swagger UI
//
// Register it on the server's root instance without a prefix: `await app.register(apiPlugin, options)`.
import type { BootstrapAdmin } from "../bootstrap/bootstrap-admin.js";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import type { FastifyPluginAsync } from "fastify";
import { formatValidationErrors } from "../edge/error-map.js";
import type { Notifier } from "../notifier/notifier.js";
import type { RepositoryService } from "../repository/service.js";
import { createCommandService, type CommandService, type CommandServiceDeps } from "../services/command-service.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import type { ApiApp, ApiContext, ApiUiSessionService } from "./api-context.js";
import { auditHook } from "./audit.js";
import { authenticate } from "./auth.js";
import { registerAuditRoutes } from "./routes-audit.js";
import { checkScope, requiredScopeOf } from "./scopes.js";
import { errorCodeTable } from "./error-docs.js";
import { registerBootstrapRoutes } from "./routes-bootstrap.js";
import { registerCommandRoutes } from "./routes-commands.js";
import { registerBulkCommandRoutes } from "./routes-commands-bulk.js";
import { registerDeviceRoutes } from "./routes-devices.js";
import type { ImportLimits } from "./import-lines.js";
import { registerImportRoutes } from "./routes-import.js";
import { registerEventStreamRoute, type EventStreamOptions } from "./routes-event-stream.js";
import { registerEventRoutes } from "./routes-events.js";
import { registerGroupRoutes } from "./routes-groups.js";
import { registerFirmwareRoutes } from "./routes-firmware.js";
import type { FirmwareService } from "../firmware/firmware-service.js";
import { registerCampaignRoutes } from "./routes-campaigns.js";
import type { CampaignService } from "../campaigns/campaign-service.js";
import { RAW_BODY_CONFIG, registerRepositoryRoutes } from "./routes-repository.js";
import { registerTokenRoutes } from "./routes-tokens.js";
import { registerUiSessionRoutes } from "./routes-ui-sessions.js";
import { registerWebhookRoutes } from "./routes-webhooks.js";
import type { WebhookDispatcher } from "../webhooks/dispatcher.js";
import type { Registry } from "prom-client";
import { authorizeConsoleRequest, type ConsoleAuth } from "../console/console-auth.js";
import { registerConsoleSessionRoutes } from "../console/routes-console-session.js";
import { registerFleetRoute } from "./routes-fleet.js";

export const API_PREFIX = "/api";
/** Default JSON body limit of the API (1 MiB). */
export const DEFAULT_API_BODY_LIMIT = 1024 * 1024;
/** Default repository item body limit of the API (16 MiB, the repository's default item limit). */
export const DEFAULT_REPOSITORY_BODY_LIMIT = 16 * 1024 * 1024;

export interface ApiPluginOptions {
  readonly store: Store;
  /** Default: the system clock. */
  readonly clock?: Clock | undefined;
  /**
   * The command service to queue through; share the composition root's one so that wake-on-queue applies.
   * Default: one built from `store`, `clock`, `allowHttp` and `onQueued`.
   */
  readonly commands?: CommandService | undefined;
  /** For the default command service: accept plain-http ServerURIs (default false). */
  readonly allowHttp?: boolean | undefined;
  /** For the default command service: called when a command is queued (e.g. wake-on-queue). */
  readonly onQueued?: CommandServiceDeps["onQueued"];
  /** `POST /devices/{id}/wake` answers 501 without it. */
  readonly notifier?: Pick<Notifier, "wake"> | null | undefined;
  /** `POST /ui-sessions` answers 501 without it. */
  readonly uiSessions?: ApiUiSessionService | null | undefined;
  /** The repository and upload routes answer 501 without it. */
  readonly repository?: RepositoryService | null | undefined;
  /** Requests from a loopback peer need no token (default true; see ./auth.ts for when to turn it off). */
  readonly loopbackWithoutToken?: boolean | undefined;
  /** Reverse proxies whose forwarding headers are believed (./auth.ts; default none). */
  readonly trustProxy?: readonly string[] | undefined;
  /** Realm for device HTTP credentials provisioned with a password but no realm (default "omadm"). */
  readonly httpRealm?: string | undefined;
  /** JSON body limit, bytes (default 1 MiB). */
  readonly bodyLimit?: number | undefined;
  /** Repository item body limit, bytes (default 16 MiB). */
  readonly repositoryBodyLimit?: number | undefined;
  /** Limits of one device import (default DEFAULT_IMPORT_LIMITS). */
  readonly importLimits?: ImportLimits | undefined;
  /** Firmware images (docs/firmware.md); absent: the /firmware routes answer 501. */
  readonly firmware?: FirmwareService | undefined;
  /** Serve Swagger UI at /api/docs (default true). The OpenAPI document is always served. */
  readonly docs?: boolean | undefined;
  /** The event log and its live signal for `GET /api/v1/events`; absent: the route is not served. */
  readonly events?: EventStreamOptions | undefined;
  /** Redelivers webhook dead letters; absent: that route answers 501 (the others work on the store alone). */
  readonly webhooks?: Pick<WebhookDispatcher, "redeliver" | "refresh"> | null | undefined;
  /** The bootstrap role's operations (docs/bootstrap.md); absent: its routes answer 501. */
  readonly bootstrap?: BootstrapAdmin | null | undefined;
  /** `servers` of the OpenAPI document, e.g. [{ url: "https://dm.example.com" }]. */
  /** Campaigns and bulk wakes (docs/campaigns.md); absent: their routes answer 501. */
  readonly campaigns?: CampaignService | null | undefined;
  readonly openapiServers?: readonly { readonly url: string; readonly description?: string }[] | undefined;
  /** The web console's sign-ins (docs/console.md); absent: no console routes, and a cookie means nothing. */
  readonly console?: ConsoleAuth | undefined;
  /** The server's metrics, for the counters of `GET /api/v1/fleet` (absent: they read null). */
  readonly metricsRegistry?: Registry | null | undefined;
}

/** Default limits of one device import: 512 MiB and a million lines. */
export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxBytes: 512 * 1024 * 1024, maxLines: 1_000_000 };

const systemClock: Clock = { now: () => Date.now() };

export const apiPlugin: FastifyPluginAsync<ApiPluginOptions> = async (root, options) => {
  const clock = options.clock ?? systemClock;
  const ctx: ApiContext = {
    store: options.store,
    clock,
    commands:
      options.commands ??
      createCommandService(
        {
          store: options.store,
          clock,
          onQueued: options.onQueued,
          onQueuedError: (error, deviceId) => {
            root.log.warn({ err: error, deviceId }, "wake-on-queue hook failed");
          },
        },
        { allowHttp: options.allowHttp ?? false },
      ),
    notifier: options.notifier ?? null,
    uiSessions: options.uiSessions ?? null,
    repository: options.repository ?? null,
    httpRealm: options.httpRealm ?? "omadm",
    repositoryBodyLimit: options.repositoryBodyLimit ?? DEFAULT_REPOSITORY_BODY_LIMIT,
    bootstrap: options.bootstrap ?? null,
    importLimits: options.importLimits ?? DEFAULT_IMPORT_LIMITS,
    firmware: options.firmware ?? null,
    webhooks: options.webhooks ?? null,
    campaigns: options.campaigns ?? null,
  };
  const loopbackWithoutToken = options.loopbackWithoutToken ?? true;

  await root.register(
    async (api: ApiApp) => {
      api.setValidatorCompiler(TypeBoxValidatorCompiler);
      // Every API route gets the JSON body limit unless it sets its own (the repository PUT does).
      const bodyLimit = options.bodyLimit ?? DEFAULT_API_BODY_LIMIT;
      api.addHook("onRoute", (route) => {
        route.bodyLimit ??= bodyLimit;
      });
      // Errors and unknown routes are answered by the server's one HTTP edge (../edge/http-edge.ts).
      api.setSchemaErrorFormatter((errors, dataVar) => new Error(formatValidationErrors(errors, dataVar)));

      await api.register(swagger, {
        openapi: {
          openapi: "3.1.0",
          info: {
            title: "omadm DM Server — operator API",
            version: "1",
            description: apiDescription(loopbackWithoutToken),
          },
          ...(options.openapiServers === undefined ? {} : { servers: [...options.openapiServers] }),
          components: {
            securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "An API token" } },
          },
          security: [{ bearerAuth: [] }],
        },
        transform: ({ schema, url, route }) => {
          // OpenAPI 3.1 lets a non-OAuth scheme list role names: each operation names the token scope it needs.
          const methods = [route.method].flat();
          const scope = requiredScopeOf(String(methods[0] ?? "GET"), route.config);
          const secured = url.startsWith(`${API_PREFIX}/v1`) ? { security: [{ bearerAuth: [scope] }] } : {};
          // The raw-body routes take any media type: document the body the validator never sees.
          const raw = (route.config as Record<string, unknown> | undefined)?.[RAW_BODY_CONFIG] === true;
          if (!raw) return { schema: { ...schema, ...secured }, url };
          return {
            schema: { ...schema, ...secured, consumes: ["*/*"], body: { type: "string", format: "binary" } },
            url,
          };
        },
      });
      if (options.docs ?? true) {
        await api.register(swaggerUi, {
          routePrefix: "/docs",
          // The page loads its assets relative to itself (./static/…), which only resolves under /api/docs/:
          // the URL without the slash (the one the start banner prints) redirects there.
          uiHooks: {
            onRequest: (request, reply, done) => {
              const [path = "", query] = request.url.split("?", 2);
              if (path === `${API_PREFIX}/docs`)
                void reply.redirect(`docs/${query === undefined ? "" : `?${query}`}`, 301);
              else done();
            },
          },
        });
      }
      api.get("/openapi.json", { schema: { hide: true } }, () => api.swagger());
      const consoleAuth = options.console;
      const authOptions = { loopbackWithoutToken, trustProxy: options.trustProxy };
      if (consoleAuth !== undefined) {
        registerConsoleSessionRoutes(api, { store: ctx.store, clock, auth: consoleAuth, apiAuth: authOptions });
      }

      await api.register(
        (v1: ApiApp, _opts, done) => {
          if (!v1.hasRequestDecorator("apiCaller")) v1.decorateRequest("apiCaller", null);
          v1.addHook("onRequest", async (request) => {
            // A console cookie becomes the API's own credential first (../console/console-auth.ts).
            const fromCookie =
              consoleAuth === undefined ? null : await authorizeConsoleRequest(consoleAuth, ctx.store, request);
            const caller = fromCookie ?? (await authenticate(ctx.store, request, authOptions));
            request.apiCaller = caller;
            // ./scopes.ts: the route's declared scope, else its method's default.
            const route = request.routeOptions;
            checkScope(caller, requiredScopeOf(request.method, route.config), `${request.method} ${route.url ?? ""}`);
          });
          v1.addHook("onSend", auditHook(ctx.store));
          registerDeviceRoutes(v1, ctx);
          registerImportRoutes(v1, ctx);
          registerCommandRoutes(v1, ctx);
          registerBulkCommandRoutes(v1, ctx);
          registerEventRoutes(v1, ctx);
          if (options.events !== undefined) {
            const closeStreams = registerEventStreamRoute(v1, options.events);
            // Before the server waits for its connections: open streams would otherwise keep it from closing.
            root.addHook("preClose", (done) => {
              closeStreams();
              done();
            });
          }
          registerRepositoryRoutes(v1, ctx);
          registerUiSessionRoutes(v1, ctx);
          registerTokenRoutes(v1, ctx);
          registerBootstrapRoutes(v1, ctx);
          registerGroupRoutes(v1, ctx);
          registerAuditRoutes(v1, ctx);
          registerFirmwareRoutes(v1, ctx);
          registerWebhookRoutes(v1, ctx);
          registerFleetRoute(v1, { store: ctx.store, clock, metrics: options.metricsRegistry ?? null });
          registerCampaignRoutes(v1, ctx);
          done();
        },
        { prefix: "/v1" },
      );
    },
    { prefix: API_PREFIX },
  );
};

function apiDescription(loopbackWithoutToken: boolean): string {
  return [
    "Devices, commands and their results, Generic Alerts, notifications, DM sessions, Data Repository content and",
    "uploads, SHOW UI sessions, and API tokens of an OMA DM 2.0 server.",
    "",
    "**Authentication**: `Authorization: Bearer <token>` (create tokens with `POST /api/v1/tokens`).",
    loopbackWithoutToken
      ? "This server lets requests from loopback addresses through without a token (loopbackWithoutToken), " +
        "unless they carry Forwarded, X-Forwarded-For or X-Real-IP from a proxy not named in trustProxy."
      : "Every request needs a token (loopbackWithoutToken is off).",
    "",
    "**Lists** are pages: `limit` (1–1000) and `cursor` (the previous page's `nextCursor`).",
    "",
    "**Errors** are `application/problem+json` (RFC 9457) with a stable `code`:",
    "",
    errorCodeTable(),
  ].join("\n");
}
