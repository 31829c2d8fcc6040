// Public exports of @omadm/server: a hand-written list; internals stay internal.
export * from "./notifier/transports/index.js";
