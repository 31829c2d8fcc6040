// Retries of asynchronous EXEC reports (docs/protocol.md §4.4: the result goes in a new DM session to its
// ServerURI) whose report session failed: each failed attempt waits longer before the next — retryBaseMs, then
// doubling up to retryMaxMs — and after maxAttempts the report is dropped, with a "report-dropped" event and one
// warning, rather than retried at every later session for ever. The counts are in the persistent state, so the
// limit holds across restarts. Pure bookkeeping: the caller passes the time and runs the timers.

/** docs/client-state.md: the defaults of the device config's `asyncReports` keys. */
export const DEFAULT_REPORT_MAX_ATTEMPTS = 5;
export const DEFAULT_REPORT_RETRY_BASE_MS = 30_000;
export const DEFAULT_REPORT_RETRY_MAX_MS = 3_600_000;

export interface ReportRetryPolicy {
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

export function reportRetryPolicy(config: {
  readonly maxAttempts?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}): ReportRetryPolicy {
  return {
    maxAttempts: config.maxAttempts ?? DEFAULT_REPORT_MAX_ATTEMPTS,
    retryBaseMs: config.retryBaseMs ?? DEFAULT_REPORT_RETRY_BASE_MS,
    retryMaxMs: config.retryMaxMs ?? DEFAULT_REPORT_RETRY_MAX_MS,
  };
}

/** How a report stands: failed attempts so far and when it may be tried again. */
export interface ReportAttempts {
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

/** The wait after the `attempts`-th failure (1-based): base · 2^(attempts-1), at most retryMaxMs. */
export function backoffMs(policy: ReportRetryPolicy, attempts: number): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 40);
  return Math.min(policy.retryBaseMs * 2 ** exp, policy.retryMaxMs);
}

/** After one more failed attempt: retry at a later time, or drop. */
export function afterFailure(
  policy: ReportRetryPolicy,
  previous: ReportAttempts | undefined,
  now: number,
): { readonly kind: "retry"; readonly state: ReportAttempts } | { readonly kind: "drop"; readonly attempts: number } {
  const attempts = (previous?.attempts ?? 0) + 1;
  if (attempts >= policy.maxAttempts) return { kind: "drop", attempts };
  return { kind: "retry", state: { attempts, nextAttemptAt: now + backoffMs(policy, attempts) } };
}
