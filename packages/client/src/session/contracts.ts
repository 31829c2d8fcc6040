// The seams between the session runner and the rest of the DM Client. The runner handles CONT, END and invalid
// commands itself (DM 2.0 §5.3.8–§5.3.9, docs/protocol.md §3.2, §4.7, §4.8); every other command goes to a
// CommandExecutor, whose outcome is one Package#3 status item (§3.3).
import type { Command, GenericAlert, StatusItem } from "@omadm/protocol";

/** What an executor knows about the session a command arrived in. */
export interface CommandContext {
  /** SrvID of the DM Account (§9.2) the session runs for: access control (§10) is per server. */
  readonly serverId: string;
  /** A per-session id (for logs and for tying 202-accepted EXECs to their later alert). */
  readonly sessionId: string;
  /** Aborted when the session is aborted (HTTP error, timeout, caller cancel): stop side transfers early. */
  readonly signal: AbortSignal;
}

export interface CommandOutcome {
  /** The command's Package#3 status item: `sc`, plus `URI` (HGET) or `Data` (GET) where they apply. */
  readonly status: StatusItem;
}

/** Runs one DM command. Never rejects: every failure is a status code in the outcome (docs/protocol.md §5). */
export interface CommandExecutor {
  execute(command: Command, ctx: CommandContext): Promise<CommandOutcome>;
}

/** A Generic Alert waiting to be carried in a Package#1 or Package#3 (docs/protocol.md §3.4). */
export interface OutboxAlert {
  readonly id: string;
  /** SrvID of the DM Server the alert is for. */
  readonly serverId: string;
  readonly alert: GenericAlert;
  /** EXEC ServerURI for an asynchronous report: the alert goes to a new session opened to this URI (§4.4). */
  readonly targetUri?: string;
}

/**
 * Alerts queued for the DM Servers. An alert leaves the outbox only when `acknowledge` is called, which the
 * runner does once the package that carried it was answered with HTTP 200 — nothing is lost on an aborted
 * session (ARCHITECTURE.md invariant 5).
 */
export interface AlertOutbox {
  add(serverId: string, alert: GenericAlert, options?: { readonly targetUri?: string }): OutboxAlert;
  /**
   * Alerts pending for `serverId`. Without `targetUri`: the alerts for the account's SrvURI (those with no
   * targetUri). With `targetUri`: only the asynchronous reports bound for that ServerURI.
   */
  pending(serverId: string, targetUri?: string): readonly OutboxAlert[];
  acknowledge(ids: readonly string[]): void;
}
