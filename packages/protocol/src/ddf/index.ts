export * from "./mo-definition.js";
