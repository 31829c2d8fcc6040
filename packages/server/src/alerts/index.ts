// Generic Alert intake's public surface (re-exported by ../index.ts).
export {
  createAlertIntake,
  type AlertIntake,
  type AlertIntakeDeps,
  type AlertIntakeInput,
  type AlertIntakeResult,
} from "./alert-intake.js";
export { asyncCompletionOf, sourceUriForms } from "./async-completion.js";
