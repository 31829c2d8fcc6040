// What the `omadm client` commands share, apart from the device: their dependencies, flags and exit codes (the
// failures that are the user's to fix, exit code 2, are ConfigProblem and UsageError in ../cli-errors.ts).
// Light on purpose: the command definitions (index.ts) load it without loading the client.
import type { DmClient } from "@omadm/client";

export interface ClientCommandDeps {
  /** Standard output (text as given; lines end in "\n"). */
  readonly out: (text: string) => void;
  /** Standard error: warnings and errors. */
  readonly err: (text: string) => void;
  /** Default: `process.exitCode = code`. */
  readonly setExitCode?: (code: number) => void;
  /** Called once the daemon listens; default: stop it on SIGINT and SIGTERM, then exit. */
  readonly onDaemonStarted?: (daemon: RunningDaemon) => void;
}

export interface RunningDaemon {
  readonly client: DmClient;
  /** Where it listens, e.g. `udp 127.0.0.1:46000`. */
  readonly listeners: readonly string[];
  stop(): Promise<void>;
}

export const ClientExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

export interface CommonFlags {
  readonly config: string;
  readonly verbose?: boolean;
}

export interface AlertFlags extends CommonFlags {
  readonly server?: string;
  readonly source?: string;
  readonly target?: string;
  readonly mark?: string;
  readonly dataType?: string;
  readonly data?: string;
  readonly now?: boolean;
}
