// Public exports of the persistent-state module; the package's hand-written export list is ../index.ts.
export {
  STATE_FORMAT,
  STATE_VERSION,
  EMPTY_RECORDS,
  snapshotClientState,
  restoreClientState,
  type ClientStateDocument,
  type ClientStateRecords,
  type SubscriptionRecord,
  type DefaultUriRecord,
  type NotificationIdRecord,
  type PendingAlertRecord,
  type PendingReportRecord,
} from "./client-state.js";
export { encodeClientState, decodeClientState } from "./state-codec.js";
export { type StateStore, createMemoryStateStore } from "./state-store.js";
export { type StateFs, type StateFileHandle, nodeStateFs } from "./state-fs.js";
export { createFileStateStore, type FileStateStoreOptions } from "./file-state-store.js";
