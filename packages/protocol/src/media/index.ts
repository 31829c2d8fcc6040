// Public exports of this module; the package's hand-written export list is ../index.ts.
export * from "./media-range.js";
export * from "./negotiate.js";
