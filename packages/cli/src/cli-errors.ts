// The errors the `omadm` command raises itself, with their stable codes. Each maps to an exit code where it is
// caught (admin/context.ts, client/index.ts); the message is what the user reads after "error: ". The base comes
// from the protocol's light entry point, so that the admin commands do not load the whole protocol package.
import { OmadmError } from "@omadm/protocol/omadm-error";

export const CliErrorCode = {
  /** Arguments or options that cannot work, found before any request (exit code 2). */
  USAGE: "OMADM_CLI_USAGE",
  /** The device config file of `omadm client` cannot be used (exit code 2). */
  CONFIG: "OMADM_CLI_CONFIG",
  /** The DM Server answered with an error status; its own problem code is in `ApiError.problemCode`. */
  API_REFUSED: "OMADM_CLI_API_REFUSED",
  /** The DM Server could not be reached at all (refused, reset, DNS, …). */
  UNREACHABLE: "OMADM_CLI_UNREACHABLE",
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** A refusal detected locally, before any request. */
export class UsageError extends OmadmError<CliErrorCode> {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(CliErrorCode.USAGE, message);
  }
}

/** A device config file problem, with the key at fault in the message. */
export class ConfigProblem extends OmadmError<CliErrorCode> {
  override readonly name = "ConfigProblem";
  constructor(message: string, cause?: unknown) {
    super(CliErrorCode.CONFIG, message, cause === undefined ? {} : { cause });
  }
}

/** The server refused a request: HTTP status, the problem's stable code (`OMADM_SRV_…`) and its `detail`. */
export class ApiError extends OmadmError<CliErrorCode> {
  override readonly name = "ApiError";
  readonly status: number;
  /** The server's problem code, null when the answer carried none. */
  readonly problemCode: string | null;
  constructor(status: number, problemCode: string | null, detail: string) {
    super(CliErrorCode.API_REFUSED, detail);
    this.status = status;
    this.problemCode = problemCode;
  }
}

/** A device import the server stopped (413 past a limit, or a refused body), with what it had imported. */
export class ImportRefusedError extends ApiError {
  /** The server's report of the lines before it stopped, when it sent one. */
  readonly report: unknown;
  constructor(status: number, problemCode: string | null, detail: string, report: unknown) {
    super(status, problemCode, detail);
    this.report = report;
  }
}

/** The server could not be reached at all (refused, reset, DNS, …). */
export class ConnectionError extends OmadmError<CliErrorCode> {
  override readonly name = "ConnectionError";
  constructor(message: string, cause?: unknown) {
    super(CliErrorCode.UNREACHABLE, message, cause === undefined ? {} : { cause });
  }
}
