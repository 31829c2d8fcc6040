// Public exports of the SUB module; the package's hand-written export list is ../index.ts.
export {
  createSubscriptionRegistry,
  type SubscriptionRegistry,
  type SubscriptionChange,
} from "./subscription-registry.js";
export {
  createSubscriptionReporter,
  DEFAULT_SUB_DEBOUNCE_MS,
  DEFAULT_SUB_RETRY_MS,
  type SubscriptionReporter,
  type SubscriptionReporterDeps,
  type SubscriptionReporterOptions,
} from "./subscription-reporter.js";
export { changeTouches } from "./change-match.js";
