// The operator REST API's public surface (re-exported by the package index by the composition root's owner).
// Register on the root instance without a prefix: `await app.register(apiPlugin, { store, … })`.
export {
  apiPlugin,
  API_PREFIX,
  API_V1_PREFIX,
  DEFAULT_API_BODY_LIMIT,
  DEFAULT_REPOSITORY_BODY_LIMIT,
  DOCS_PATH,
  OPENAPI_PATH,
  type ApiPluginOptions,
} from "./api-plugin.js";
export type { ApiUiSessionService } from "./api-context.js";
export { AUTH_REALM, isLoopbackAddress } from "./auth.js";
export { ERROR_CODE_DOCS } from "./error-docs.js";
export { PROBLEM_MEDIA_TYPE, problemOf, type Problem } from "./problem.js";
