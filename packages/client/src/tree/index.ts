// Public exports of the DM Tree module; the package's hand-written export list is ../index.ts.
export { type Actor, LOCAL, serverActor, sameActor } from "./actor.js";
export { ChangeKind, type ChangeEvent, type ChangeListener } from "./change-events.js";
export { defineInterior, defineLeaf, defineMo, type NodeOptions, type OccurrenceSpec } from "./define.js";
export { childDefinition, isOpenInterior } from "./definition.js";
export type { DmNode, NodeLocation } from "./dm-node.js";
export {
  createDmTree,
  type DmTree,
  type DmTreeDeps,
  type DmTreeOptions,
  type AddInstanceOptions,
  type ReadOptions,
  type WriteOutcome,
} from "./dm-tree.js";
export {
  type LeafValue,
  type MoDataValue,
  type MoDataObject,
  decodeLeafJson,
  checkLeafValue,
  encodeLeafJson,
  leafValueToString,
  leafValuesEqual,
  decodeBase64,
  encodeBase64,
} from "./leaf-value.js";
export { type MiidSource, counterMiidSource, randomMiidSource } from "./miid.js";
export { createMoRegistry, type MoRegistry, type RegisterOptions } from "./mo-registry.js";
export { MAX_TREE_DEPTH, isWriteOnce } from "./subtree-builder.js";
export { type NodeFilter, readableByServer, encodeNode } from "./subtree-encoder.js";
export type { TreeSnapshot, InstanceSnapshot } from "./tree-snapshot.js";
export {
  registerStandardMos,
  DEFAULT_STANDARD_MOIDS,
  ALL_STANDARD_MOIDS,
  type DdfLoader,
  type StandardMoOptions,
} from "./standard-ddf.js";
export { readShippedDdf } from "./shipped-ddf.js";
export { createDevInfo, readDevId, type DevInfoConfig } from "./devinfo.js";
export {
  createDmAccount,
  dmAccountMoData,
  readAccounts,
  findAccount,
  type DmAccount,
  type DmAccountInput,
  type NotiCredentials,
  type HttpAuthCredentials,
  type TrspCredentials,
  type BootstrapCredentials,
} from "./dmacc.js";
export { setSessionInfo, Roaming, type SessionInfoValues } from "./sessioninfo.js";
export { moItemFor, storeMoData, type MoItemOptions, type StoreOutcome } from "./mo-items.js";
