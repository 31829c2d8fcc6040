// Public exports of this module; the package's hand-written export list is ../index.ts.
export * from "./client-uri.js";
export * from "./client-uri-format.js";
export * from "./resolve.js";
export * from "./server-uri.js";
