// What every admin subcommand shares: where its output goes (injected, so tests need no child process), the
// --server/--token/--json options with their environment fallbacks, and one way to fail: a readable line on
// stderr and a non-zero exit code, never a stack trace.
import { Option, type Command } from "commander";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { ApiError, ConnectionError, UsageError } from "../cli-errors.js";
import { createApiClient, type ApiClient, type FetchLike } from "./api-client.js";

export const DEFAULT_SERVER_URL = "http://127.0.0.1:8080";

/** Exit codes of the admin commands. */
export const ExitCode = {
  Ok: 0,
  /** The server refused the request (its problem detail is printed). */
  Refused: 1,
  /** Bad arguments, caught before anything was sent. */
  Usage: 2,
  /** The server could not be reached. */
  Unreachable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface AdminDeps {
  /** Writes to standard output (text as given; add your own newline). */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  readonly fetchLike?: FetchLike | undefined;
  /** Default: `process.exitCode = code` (the process ends normally, with that code). */
  readonly setExitCode?: ((code: number) => void) | undefined;
  /** Environment for OMADM_SERVER_URL / OMADM_TOKEN (default: process.env, read when a command runs). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface ApiOptionValues {
  readonly server?: string;
  readonly token?: string;
  readonly json?: boolean;
}

/** Adds --server, --token and --json to a leaf command (they may also be set on a parent). */
export function withApiOptions(command: Command): Command {
  return command
    .addOption(new Option("--server <url>", `DM Server base URL (env OMADM_SERVER_URL; default ${DEFAULT_SERVER_URL})`))
    .addOption(new Option("--token <token>", "API token (env OMADM_TOKEN)"))
    .addOption(new Option("--json", "print the API's JSON instead of a table"));
}

export interface Run {
  readonly api: ApiClient;
  /** The API token in use, for requests the ApiClient does not make (a streamed upload). */
  readonly token: string | undefined;
  readonly json: boolean;
  readonly out: (line: string) => void;
  /** Prints the value as indented JSON. */
  readonly printJson: (value: unknown) => void;
  /** The server base URL and token the command uses (for requests that are not JSON, e.g. event streams). */
  readonly server: { readonly baseUrl: string; readonly token: string | undefined };
  /** Sets the process exit code (commands whose outcome is a code: `commands wait`). */
  readonly exit: (code: number) => void;
}

/**
 * Wraps an action: resolves the API options, runs `body`, and turns failures into one stderr line and an exit
 * code. The server's problem `detail` is what the operator reads.
 */
export function action<A extends unknown[]>(
  deps: AdminDeps,
  body: (run: Run, ...args: A) => Promise<void>,
): (...args: [...A, Command]) => Promise<void> {
  return async (...args) => {
    const command = args[args.length - 1] as Command;
    const setExitCode =
      deps.setExitCode ??
      ((code: number) => {
        process.exitCode = code;
      });
    try {
      const opts = command.optsWithGlobals<ApiOptionValues>();
      const env = deps.env ?? process.env;
      const server = {
        baseUrl: opts.server ?? env["OMADM_SERVER_URL"] ?? DEFAULT_SERVER_URL,
        token: opts.token ?? env["OMADM_TOKEN"],
      };
      const api = createApiClient({ ...server, fetchLike: deps.fetchLike });
      const out = (line: string) => {
        deps.out(`${line}\n`);
      };
      const run: Run = {
        api,
        token: server.token,
        json: opts.json === true,
        out,
        printJson: (value) => {
          out(JSON.stringify(value, null, 2));
        },
        server,
        exit: setExitCode,
      };
      await body(run, ...(args.slice(0, -1) as A));
    } catch (error) {
      const [code, message] = describeFailure(error);
      deps.err(`error: ${message}\n`);
      setExitCode(code);
    }
  };
}

function describeFailure(error: unknown): [ExitCode, string] {
  if (error instanceof ApiError) {
    const hint = error.status === 401 ? " (set --token or OMADM_TOKEN)" : "";
    return [ExitCode.Refused, `${error.message}${hint} [${error.problemCode ?? `HTTP ${error.status}`}]`];
  }
  if (error instanceof ConnectionError) return [ExitCode.Unreachable, error.message];
  if (error instanceof UsageError) return [ExitCode.Usage, error.message];
  return [ExitCode.Refused, errorMessage(error)];
}
