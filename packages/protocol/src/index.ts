// @omadm/protocol — the public export list. Pure: no sockets, files, timers or side effects at import.
export * from "./errors.js";
export { OmadmError, isOmadmError, errorMessage, type OmadmErrorOptions } from "./omadm-error.js";
export * from "./result.js";
export * from "./media-types.js";
export * from "./tree-view.js";
export * from "./notification/index.js";
export * from "./notification-topic.js";
export * from "./packages/index.js";
export * from "./status/index.js";
export * from "./uri/index.js";
export * from "./media/index.js";
export * from "./ddf/index.js";
export * from "./interworking/index.js";
