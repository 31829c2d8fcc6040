// Generic Alerts arriving in Package#1 or #3 (docs/protocol.md §3.4): every alert is stored as
// received — unknown AlertTypes and Data included, silently (§3.4: ignoring an unknown alert silently means no
// error and no status, not dropping it) — and an alert whose SourceURI names an EXEC that was answered 202 completes that
// command (§4.12). Nothing here produces anything for the Package#2: the server MUST NOT send status
// codes for Generic Alerts.
//
// Storing the alerts and completing the commands they report is one store transaction: a crash (or a refused
// completion) between the two must not leave an alert stored while its command stays `accepted`, because the
// device, whose package was not answered, sends the alert again and it would be stored twice. Alerts that can
// complete nothing (no SourceURI: every session-type alert) are one atomic `alerts.record`, without a
// transaction (whose AsyncLocalStorage costs every session; see bench/omadm-target.ts).
import type { GenericAlert } from "@omadm/protocol";
import { isServerError, ServerErrorCode } from "../errors.js";
import type { Store, StoreParts } from "../store/store.js";
import type { Command } from "../store/types.js";
import type { NewAlert, StoredAlert } from "../store/types-session.js";
import { asyncCompletionOf, sourceUriForms } from "./async-completion.js";

export interface AlertIntakeInput {
  readonly deviceId: string;
  readonly sessionId: string | null;
  readonly alerts: readonly GenericAlert[];
  /**
   * The command these alerts report, when they came to its capability report URI (docs/protocol.md §4.4: the
   * client sends an EXEC's result to that EXEC's ServerURI, which the server made unique per command): the alert
   * naming its node completes exactly that command, never another one by SourceURI.
   */
  readonly reportOf?: { readonly commandId: string; readonly sourceUri: string } | undefined;
}

export interface AlertIntakeResult {
  /** The alerts as stored, in arrival order. */
  readonly stored: readonly StoredAlert[];
  /** Accepted commands the alerts completed. */
  readonly completed: readonly Command[];
}

export interface AlertIntake {
  /**
   * Stores the alerts and completes what they report. With `tx` (the caller's store transaction, e.g. the DM
   * package's) both steps join it and commit with it; without, they are a transaction of their own.
   */
  receive(input: AlertIntakeInput, tx?: Pick<StoreParts, "alerts" | "commands">): Promise<AlertIntakeResult>;
}

export interface AlertIntakeDeps {
  readonly store: Pick<Store, "alerts" | "transaction">;
}

export function createAlertIntake(deps: AlertIntakeDeps): AlertIntake {
  const { store } = deps;
  return {
    async receive(input, tx) {
      if (input.alerts.length === 0) return { stored: [], completed: [] };
      if (tx !== undefined) return storeAndComplete(tx, input);
      if (input.alerts.every((a) => a.SourceURI === undefined)) {
        return { stored: await store.alerts.record(input.alerts.map((a) => toNewAlert(input, a))), completed: [] };
      }
      return store.transaction((tx) => storeAndComplete(tx, input));
    },
  };
}

async function storeAndComplete(
  tx: Pick<StoreParts, "alerts" | "commands">,
  input: AlertIntakeInput,
): Promise<AlertIntakeResult> {
  const stored = await tx.alerts.record(input.alerts.map((a) => toNewAlert(input, a)));
  const completed: Command[] = [];
  let report = input.reportOf;
  for (const [i, alert] of input.alerts.entries()) {
    const record = stored[i];
    if (alert.SourceURI === undefined || record === undefined) continue;
    const completion = { alertId: record.id, ...asyncCompletionOf(alert) };
    if (report !== undefined && reportsOn(alert.SourceURI, report.sourceUri)) {
      // By id: a report that arrives twice (or for a command cancelled meanwhile) completes nothing else.
      const done = await tx.commands.completeAccepted({ commandId: report.commandId }, completion).catch(notAccepted);
      if (done !== null) completed.push(done);
      report = undefined;
      continue;
    }
    for (const sourceUri of sourceUriForms(alert.SourceURI)) {
      // The store picks the oldest accepted command of the device with this correlation URI.
      const done = await tx.commands.completeAccepted({ deviceId: input.deviceId, sourceUri }, completion);
      if (done !== null) {
        completed.push(done);
        break;
      }
    }
  }
  return { stored, completed };
}

function reportsOn(alertSource: string, commandSource: string): boolean {
  const expected = new Set(sourceUriForms(commandSource));
  return sourceUriForms(alertSource).some((form) => expected.has(form));
}

/** The reported command is not `accepted` any more (done by an earlier copy of this report, or cancelled). */
function notAccepted(cause: unknown): null {
  if (isServerError(cause) && cause.code === ServerErrorCode.COMMAND_ILLEGAL_TRANSITION) return null;
  throw cause;
}

function toNewAlert(input: AlertIntakeInput, a: GenericAlert): NewAlert {
  return {
    deviceId: input.deviceId,
    sessionId: input.sessionId,
    alertType: a.AlertType,
    sourceUri: a.SourceURI ?? null,
    targetUri: a.TargetURI ?? null,
    mark: a.Mark ?? null,
    dataType: a.DataType ?? null,
    ...(a.Data !== undefined && { data: a.Data }),
  };
}
