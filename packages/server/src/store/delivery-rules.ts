// The delivery policy of a queued command (docs/delivery.md), shared by every store implementation: which
// policy a command gets by default, and what becomes of a command that was sent in a session that ended
// without its answer. The store applies the rule in the same transaction that ends the session (superseded by
// a new Package#1, aborted, closed, or swept after its idle timeout), and `attempts` is counted when the
// command is taken into a Package#2, so the rule holds across a server crash: the sent state and the count
// are durable before the Package#2 leaves, and the session that carried it is ended by whichever comes first,
// the device's next Package#1 or the sweep after the idle timeout.
import { CommandState, DeliveryPolicy } from "./types.js";

/** dm.maxDeliveries's default: an at-least-once command goes out at most this many times. */
export const DEFAULT_MAX_DELIVERIES = 3;
export const MAX_MAX_DELIVERIES = 100;

/**
 * Commands whose repetition is harmful or visible to the user run at most once: EXEC (an action on the
 * device, docs/protocol.md §4.4), HPOST (appends to the repository, §4.2) and SHOW (shows the user a page,
 * §4.6). The others read or set state, so running them again is harmless (§4.1, §4.3, §4.5, §4.9–§4.11).
 */
const AT_MOST_ONCE_BY_DEFAULT: readonly string[] = ["EXEC", "HPOST", "SHOW"];

export function defaultDelivery(name: string): DeliveryPolicy {
  return AT_MOST_ONCE_BY_DEFAULT.includes(name) ? DeliveryPolicy.AtMostOnce : DeliveryPolicy.AtLeastOnce;
}

/** What a `sent` command becomes when its session ends without its answer. */
export interface UnansweredOutcome {
  readonly state: typeof CommandState.Queued | typeof CommandState.Failed | typeof CommandState.Unknown;
  /** Null when it goes back to the queue. */
  readonly reason: string | null;
}

export function unansweredOutcome(command: {
  readonly delivery: DeliveryPolicy;
  readonly attempts: number;
  readonly maxDeliveries: number;
}): UnansweredOutcome {
  if (command.delivery === DeliveryPolicy.AtMostOnce) {
    return {
      state: CommandState.Unknown,
      reason:
        "sent once and never answered (at-most-once): it may or may not have run on the device, and it is " +
        "not sent again; queue it again if it should run",
    };
  }
  if (command.attempts >= command.maxDeliveries) {
    return {
      state: CommandState.Failed,
      reason: `never answered: sent ${command.attempts} times (at-least-once, at most ${command.maxDeliveries})`,
    };
  }
  return { state: CommandState.Queued, reason: null };
}

/**
 * A result may be recorded for a command that is `sent` in the session, or that was cancelled while sent
 * there and has no answer yet (its late answer is recorded; it stays `cancelled`).
 */
export function awaitsAnswer(
  found: { readonly state: CommandState; readonly sessionId: string | null; readonly statusCode: number | null },
  sessionId: string,
): boolean {
  if (found.sessionId !== sessionId) return false;
  return found.state === CommandState.Sent || (found.state === CommandState.Cancelled && found.statusCode === null);
}
