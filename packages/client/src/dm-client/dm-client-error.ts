// Errors the DmClient facade throws or rejects with (its results and sessions never throw; these are misuse or
// an unusable configuration/state), and the errors of the state directory's lock and control socket
// (docs/client-state.md). Stable codes, as the transports' errors have.
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
  /** Another live process holds the state directory's lock (a daemon, or a command editing the state). */
  LOCKED: "OMADM_CLIENT_LOCKED",
  /** A control-socket request is not valid JSON, too long, or names an unknown operation or bad arguments. */
  CONTROL_REQUEST: "OMADM_CLIENT_CONTROL_REQUEST",
  /** The control socket could not be reached, or it closed before answering. */
  CONTROL_UNAVAILABLE: "OMADM_CLIENT_CONTROL_UNAVAILABLE",
  /** The daemon refused or failed the operation (the message says why: a bad ClientURI, a value out of range …). */
  CONTROL_FAILED: "OMADM_CLIENT_CONTROL_FAILED",
} as const;
export type DmClientErrorCode = (typeof DmClientErrorCode)[keyof typeof DmClientErrorCode];

export class DmClientError extends OmadmError<DmClientErrorCode> {
  override readonly name = "DmClientError";

  constructor(code: DmClientErrorCode, message: string, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
  }
}
