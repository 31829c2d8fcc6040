// Public exports of the access-control module; the package's hand-written export list is ../index.ts.
export {
  createAccessControl,
  type AccessControl,
  type AccessControlOptions,
  type AccessGrant,
  type AccessSnapshot,
  type AccessStatus,
  type AccessTarget,
} from "./access-control.js";
export {
  Right,
  ALL_RIGHTS,
  isRight,
  type TreeCommand,
  TREE_COMMANDS,
  RIGHT_FOR,
  ACCESS_TYPES_FOR,
  isReadCommand,
} from "./rights.js";
