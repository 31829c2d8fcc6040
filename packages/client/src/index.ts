// Public exports of @omadm/client: a hand-written list; internals stay internal.
export * from "./notification/transports/index.js";
