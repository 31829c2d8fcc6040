// The command service and operator API tokens: the public surface (re-exported by the package index by the
// composition root's owner).
export {
  createCommandService,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_TTL_SECONDS,
  type CommandService,
  type CommandServiceDeps,
  type CommandServiceOptions,
  type EnqueueRequest,
  type EnqueueResponse,
} from "./command-service.js";
export {
  checkOperatorCommand,
  OPERATOR_COMMANDS,
  SERVER_MANAGED_COMMANDS,
  type CheckedCommand,
  type OperatorCommandInput,
} from "./command-input.js";
export {
  API_TOKEN_BYTES,
  authenticateApiToken,
  createApiToken,
  hashApiToken,
  type ApiTokenDeps,
  type CreatedApiToken,
} from "./api-tokens.js";
