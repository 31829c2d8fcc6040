// Public exports of @omadm/server: a hand-written list; internals stay internal.
export * from "./errors.js";
export * from "./config.js";
export * from "./app.js";
export * from "./store/index.js";
export * from "./notifier/index.js";
export * from "./auth/index.js";
export * from "./repository/index.js";
export * from "./ui/index.js";
export * from "./api/index.js";
export * from "./services/index.js";
export * from "./dm/index.js";
export * from "./alerts/index.js";
export * from "./registry/index.js";
export * from "./tls/index.js";
