// The Notifier's public surface (Package#0 building, signing, sending, recording; wake on queue) together
// with the transports it sends through. Re-exported by ../index.ts.
export * from "./transports/index.js";
export type { Notifier, NotifierDeps, NotifierEventLogger, NotifierOptions, WakeOptions } from "./notifier.js";
export { createNotifier, NotificationFailedError } from "./notifier.js";
export type { Timers, WakeOnQueue, WakeOnQueueOptions, WakeOutcome } from "./wake-on-queue.js";
export { createWakeOnQueue, systemTimers } from "./wake-on-queue.js";
export { DEFAULT_TRANSPORT_ORDER, NotiAuthType } from "./wake-plan.js";
