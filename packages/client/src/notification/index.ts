// Public exports of the notification module (Package#0 intake and its transports); the package's hand-written
// export list is ../index.ts.
export * from "./transports/index.js";
export {
  evaluateNotification,
  IntakeKind,
  RejectReason,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MAX_FUTURE_SECONDS,
  type AcceptedNotification,
  type IntakeContext,
  type IntakeDecision,
  type IntakeOptions,
  type RejectedNotification,
} from "./intake.js";
export {
  chooseBearer,
  staticBearerAvailability,
  mutableBearerAvailability,
  type BearerAvailability,
  type BearerChoice,
  type MutableBearerAvailability,
} from "./bearer.js";
export {
  createRecentNotificationIds,
  RECENT_ID_CAPACITY,
  RECENT_ID_TTL_MS,
  type RecentIdOptions,
  type RecentNotificationIds,
} from "./recent-ids.js";
