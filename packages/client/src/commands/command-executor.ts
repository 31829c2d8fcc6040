// The client side of every DM command the session runner hands over (docs/protocol.md §4): HGET, HPUT,
// HPOST, DELETE, EXEC, GET, SHOW, DEFAULT, SUB and UNSUB. CONT, END and invalid items are the runner's. Each
// command becomes one Package#3 status item; execute() never rejects (a failure is a status code, §5).
// Also the device-software side of DEFAULT (requestConfiguration) and the OMADM-Accept setter the runner feeds
// from Package#2 responses (docs/protocol.md §1.6).
import { errorMessage, type Command, Status, type StatusItem } from "@omadm/protocol";
import { performExec } from "./exec.js";
import type { ExecRegistry } from "./exec-registry.js";
import type {
  AlertOutbox,
  CommandContext,
  CommandExecutor,
  CommandOutcome,
  OutboxAlert,
} from "../session/contracts.js";
import { performSub, performUnsub } from "./sub.js";
import type { SubscriptionRegistry } from "../subscriptions/subscription-registry.js";
import type { BrowserLauncher } from "./browser-launcher.js";
import { type CommandEnvDeps, type CommandEnvOptions, createCommandEnv } from "./command-env.js";
import { type ConfigurationOutcome, performDefault, requestConfiguration } from "./default-command.js";
import type { DefaultUriStore } from "./default-uri-store.js";
import { performDelete } from "./delete.js";
import { performGet } from "./get.js";
import { performHget } from "./hget.js";
import { performHput } from "./hput.js";
import { performShow } from "./show.js";

export interface CommandExecutorDeps extends CommandEnvDeps {
  /** Where asynchronous EXEC results wait for a session (docs/protocol.md §4.12). */
  readonly outbox: AlertOutbox;
  readonly execHandlers: ExecRegistry;
  /** The Web Browser Component for SHOW; absent → SHOW answers 501. */
  readonly browser?: BrowserLauncher;
  readonly subscriptions: SubscriptionRegistry;
  readonly defaults: DefaultUriStore;
  /** Told about each asynchronous EXEC result queued, e.g. to open a session to its targetUri (§4.4). */
  readonly onAsyncReport?: (entry: OutboxAlert) => void;
}

export type CommandExecutorOptions = CommandEnvOptions;

export interface DmCommandExecutor extends CommandExecutor {
  /**
   * Records the `OMADM-Accept` a DM Server sent (e.g. on its Package#2 response); later HPUT/HPOST bodies for
   * that server use the best listed format this client writes (docs/protocol.md §1.6). Undefined forgets it.
   */
  setServerAccept(serverId: string, omadmAccept: string | undefined): void;
  /**
   * Device software asks for the configuration of a MOID (docs/protocol.md §4.9): when the tree has no instance, the
   * HGET procedure runs against the MOID's DEFAULT URI, with no status to any DM Server. Concurrent calls for
   * the same MOID share one download.
   */
  requestConfiguration(moid: string, options?: { readonly signal?: AbortSignal }): Promise<ConfigurationOutcome>;
  /** Resolves when every asynchronous EXEC started so far has put its result in the outbox. */
  whenIdle(): Promise<void>;
}

export function createCommandExecutor(
  deps: CommandExecutorDeps,
  options: CommandExecutorOptions = {},
): DmCommandExecutor {
  const env = createCommandEnv(deps, options);
  const inFlight = new Set<Promise<void>>();
  const configuring = new Map<string, Promise<ConfigurationOutcome>>();
  const execDeps = {
    registry: deps.execHandlers,
    outbox: deps.outbox,
    inFlight,
    ...(deps.onAsyncReport === undefined ? {} : { onAsyncReport: deps.onAsyncReport }),
  };

  async function run(
    command: Command,
    ctx: CommandContext,
  ): Promise<{ readonly status: StatusItem; readonly message?: string }> {
    const serverId = ctx.serverId;
    switch (command.name) {
      case "HGET": {
        const r = await performHget(env, {
          serverUri: command.serverUri,
          serverId,
          signal: ctx.signal,
          ...(command.clientUri === undefined ? {} : { clientUri: command.clientUri }),
        });
        const status: StatusItem = r.sc === Status.OK ? { sc: r.sc, URI: [...r.uris] } : { sc: r.sc };
        return r.message === undefined ? { status } : { status, message: r.message };
      }
      case "HPUT":
      case "HPOST":
        return performHput(env, {
          method: command.name === "HPUT" ? "PUT" : "POST",
          serverUri: command.serverUri,
          clientUris: command.clientUris,
          serverId,
          signal: ctx.signal,
        });
      case "DELETE":
        return performDelete(env, serverId, command.clientUri);
      case "EXEC":
        return performExec(env, execDeps, ctx, command);
      case "GET":
        return performGet(env, serverId, command.clientUri);
      case "SHOW":
        return performShow(env, deps.browser, command.serverUri);
      case "DEFAULT":
        return performDefault(env, deps.defaults, serverId, command);
      case "SUB":
        return performSub(env, deps.subscriptions, serverId, command);
      case "UNSUB":
        return performUnsub(deps.subscriptions, serverId, command.clientUri);
      case "CONT":
      case "END":
        // The runner's own (§4.7, §4.8); reaching here is a wiring bug, reported as a failed command.
        return { status: { sc: Status.COMMAND_FAILED }, message: `${command.name} is handled by the session runner` };
    }
  }

  return {
    async execute(command, ctx): Promise<CommandOutcome> {
      try {
        const r = await run(command, ctx);
        if (r.message !== undefined) {
          env.logger.info?.(
            {
              sessionId: ctx.sessionId,
              serverId: ctx.serverId,
              command: command.name,
              sc: r.status.sc,
              reason: r.message,
            },
            "DM command not completed",
          );
        }
        return { status: r.status };
      } catch (error) {
        // Contract: never reject. An exception here is a bug; the command failed, the session goes on.
        env.logger.warn(
          {
            sessionId: ctx.sessionId,
            command: command.name,
            error: errorMessage(error),
          },
          "DM command threw",
        );
        return { status: { sc: Status.COMMAND_FAILED } };
      }
    },
    setServerAccept(serverId, omadmAccept) {
      env.serverAccept.setServerAccept(serverId, omadmAccept);
    },
    requestConfiguration(moid, opts = {}) {
      const running = configuring.get(moid);
      if (running !== undefined) return running;
      const p = requestConfiguration(env, deps.defaults, moid, opts.signal)
        .catch((error: unknown): ConfigurationOutcome => {
          const message = errorMessage(error);
          return {
            kind: "failed",
            sc: Status.COMMAND_FAILED,
            message,
            serverUri: deps.defaults.get(moid)?.serverUri ?? "",
          };
        })
        .finally(() => configuring.delete(moid));
      configuring.set(moid, p);
      return p;
    },
    async whenIdle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
