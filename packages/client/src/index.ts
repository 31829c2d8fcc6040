// Public exports of @omadm/client: a hand-written list; internals stay internal.
export * from "./tree/index.js";
export * from "./access/index.js";
export * from "./state/index.js";
export * from "./notification/transports/index.js";
