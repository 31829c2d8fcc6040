// Retention rules every store shares: which records of a kind are finished, and the checks on a prune call.
import { requireInt, requireOneOf } from "./rules.js";
import { CommandState } from "./types.js";
import { UiSessionState } from "./types-content.js";
import { RetainedKind } from "./types-retention.js";

/** Commands that can change no more; an accepted EXEC still waits for its alert and is kept. */
export const FINISHED_COMMAND_STATES: readonly CommandState[] = [
  CommandState.Done,
  CommandState.Failed,
  CommandState.Expired,
  CommandState.Cancelled,
  CommandState.Unknown,
];

export const FINISHED_UI_SESSION_STATES: readonly UiSessionState[] = [UiSessionState.Completed, UiSessionState.Expired];

export const MAX_PRUNE_LIMIT = 10_000;

export function checkPrune(
  kind: unknown,
  before: unknown,
  limit: unknown,
): { kind: RetainedKind; before: number; limit: number } {
  return {
    kind: requireOneOf(kind, Object.values(RetainedKind), "kind"),
    before: requireInt(before, "before", 0),
    limit: requireInt(limit, "limit", 1, MAX_PRUNE_LIMIT),
  };
}
