// Public exports of the status module (docs/protocol.md §5); the package's hand-written export list is ../index.ts.
export {
  Status,
  STATUS_CODES,
  statusInfo,
  statusName,
  isValidStatusCode,
  isSuccessStatus,
  type StatusCodeInfo,
} from "./status-codes.js";
