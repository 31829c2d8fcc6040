// The Data Repository's public surface (re-exported by the package index by the composition root's owner).
export { repositoryPlugin, type RepositoryPluginOptions } from "./plugin.js";
export {
  createRepositoryService,
  DEFAULT_REPOSITORY_LIMITS,
  type NewContent,
  type ReceivedUpload,
  type RepositoryLimits,
  type RepositoryService,
  type RepositoryServiceDeps,
  type RepositoryServiceOptions,
  type UploadReceipt,
} from "./service.js";
export type { AccessDecision, DeviceAuthOutcome, RequestAuthenticator } from "./device-access.js";
export { BadContentError } from "./content-check.js";
export { DEFAULT_UPLOAD_TYPES, offeredTypes, uploadTypeList } from "./media.js";
export {
  checkRepositoryPath,
  REPOSITORY_PREFIX,
  repositoryItemPath,
  repositoryItemUrl,
  repositoryUploadUrl,
  type RepositoryRef,
} from "./paths.js";
export { MT_PROBLEM_JSON, problemDetails, type ProblemDetails } from "./problem.js";
