// Errors the DmClient facade throws or rejects with (its results and sessions never throw; these are misuse or
// an unusable configuration/state). Stable codes, as the transports' errors have.
import { OmadmError } from "@omadm/protocol";

export const DmClientErrorCode = {
  /** The device config cannot be turned into a tree (a DDF that does not register, a bad instance). */
  CONFIG: "OMADM_CLIENT_CONFIG",
  /** The saved state cannot be loaded or restored, or the client is not in the state the call needs. */
  STATE: "OMADM_CLIENT_STATE",
  /** No DM Account has this SrvID (or several exist and none was named). */
  UNKNOWN_SERVER: "OMADM_CLIENT_UNKNOWN_SERVER",
  /** The client was stopped before the session could run. */
  STOPPED: "OMADM_CLIENT_STOPPED",
} as const;
export type DmClientErrorCode = (typeof DmClientErrorCode)[keyof typeof DmClientErrorCode];

export class DmClientError extends OmadmError<DmClientErrorCode> {
  override readonly name = "DmClientError";

  constructor(code: DmClientErrorCode, message: string, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
  }
}
