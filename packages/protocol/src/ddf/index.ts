// Public exports of the DDF module (docs/protocol.md §8, §9); the package's hand-written export list is ../index.ts.
export {
  NodeFormat,
  AccessType,
  OccurrenceKind,
  Scope,
  CaseSense,
  isInterior,
  isPermanent,
  allows,
  occurrenceBounds,
  findNodeDefinition,
  type Occurrence,
  type NodeDefinition,
  type MoDefinition,
} from "./mo-definition.js";
export { parseDdf, DDF_DEFAULT_MAX_BYTES, DDF_DEFAULT_MAX_DEPTH, type DdfParseOptions } from "./parse-ddf.js";
export {
  MOID_DEVINFO,
  MOID_DMACC,
  MOID_SESSIONINFO,
  MOID_DACMO,
  isDevInfoMoid,
  STANDARD_DDF_FILES,
} from "./standard-mos.js";
