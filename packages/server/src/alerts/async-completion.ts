// What a Generic Alert says about the asynchronous EXEC it reports (docs/protocol.md §4.12, §3.5, §4.4).
// Pure. The final status sits in `Data.sc` for our (omadm's choice) ExecComplete alert; MO-specific alerts (SCOMO,
// DCMO, …) define their own Data, which the protocol leaves out of scope, so for those the Mark decides.
import { canonicalClientUri, isValidStatusCode, isSuccessStatus, Status, type GenericAlert } from "@omadm/protocol";
import { CommandOutcome, type AsyncCompletion } from "../store/types.js";

/** Marks that report a failure when the alert carries no status code of its own (docs/protocol.md §3.4). */
const FAILURE_MARKS: readonly string[] = ["fatal", "critical"];

/** The completion an alert gives the accepted command it matches (without the alert id). */
export function asyncCompletionOf(alert: GenericAlert): AsyncCompletion {
  const sc = statusCodeIn(alert.Data);
  const statusCode =
    sc ?? (alert.Mark !== undefined && FAILURE_MARKS.includes(alert.Mark) ? Status.COMMAND_FAILED : Status.OK);
  return {
    outcome: isSuccessStatus(statusCode) ? CommandOutcome.Done : CommandOutcome.Failed,
    statusCode,
    ...(alert.Data !== undefined && { data: alert.Data }),
  };
}

/** `{"sc": 200}` (our ExecComplete Data) or a bare status code; anything else gives undefined. */
function statusCodeIn(data: unknown): number | undefined {
  if (isValidStatusCode(data)) return data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const sc = (data as Readonly<Record<string, unknown>>).sc;
  return isValidStatusCode(sc) ? sc : undefined;
}

/**
 * The SourceURI forms an alert may be matched under: as sent, then its canonical ClientURI text when that
 * differs (a device may percent-encode differently from the URI the command carried).
 */
export function sourceUriForms(sourceUri: string): readonly string[] {
  const canonical = canonicalClientUri(sourceUri);
  return canonical.ok && canonical.value !== sourceUri ? [sourceUri, canonical.value] : [sourceUri];
}
