// EXEC behaviours from a device config (docs/protocol.md §4.4) as ExecRegistry handlers:
// - sync    `{ "result": 200 }`: the final status now, in Package#3;
// - async   `{ "async": true, "result": 200, "delayMs": 100 }`: 202 now, the result alert after the delay;
// - command `{ "command": ["/usr/bin/reboot-helper"] }`: 202 now; the process runs, exit code 0 → 200, other →
//   500, a process that cannot start → 500. It gets OMADM_CLIENT_URI, OMADM_SERVER_ID and OMADM_SERVER_URI.
// Timers and process spawning are injected (ARCHITECTURE.md invariant 2).
import { spawn } from "node:child_process";
import { Status } from "@omadm/protocol";
import type { Timers } from "../commands/command-env.js";
import { type ExecBehaviour, ExecKind } from "../config/device-config.js";
import type { ExecHandler, ExecRegistry } from "../commands/exec-registry.js";

/** Runs a process to completion; resolves with its exit code, rejects when it cannot start. */
export type ProcessRunner = (argv: readonly string[], env: Readonly<Record<string, string>>) => Promise<number>;

/** The Node runner: no shell, stdio ignored, the child's exit code (a signal counts as failure: 1). */
export const nodeProcessRunner: ProcessRunner = (argv, env) =>
  new Promise<number>((resolve, reject) => {
    const [command, ...args] = argv;
    if (command === undefined) {
      reject(new Error("empty command"));
      return;
    }
    const child = spawn(command, args, { stdio: "ignore", env: { ...process.env, ...env } });
    child.once("error", reject);
    child.once("exit", (code) => {
      resolve(code ?? 1);
    });
  });

export function execBehaviourHandler(
  b: ExecBehaviour,
  deps: { readonly timers: Timers; readonly runProcess: ProcessRunner },
): ExecHandler {
  switch (b.kind) {
    case ExecKind.Sync:
      return () => ({ sc: b.result });
    case ExecKind.Async:
      return () => ({
        async: new Promise((resolve) => {
          deps.timers.setTimeout(() => {
            resolve({ sc: b.result });
          }, b.delayMs);
        }),
      });
    case ExecKind.Command:
      return (request) => ({
        async: deps
          .runProcess(b.argv, {
            OMADM_CLIENT_URI: request.clientUri,
            OMADM_SERVER_ID: request.serverId,
            ...(request.serverUri === undefined ? {} : { OMADM_SERVER_URI: request.serverUri }),
          })
          .then(
            (code) => ({ sc: code === 0 ? Status.OK : Status.COMMAND_FAILED }),
            () => ({ sc: Status.COMMAND_FAILED }),
          ),
      });
  }
}

/** Registers every configured behaviour; returns a function that removes them all. */
export function registerExecBehaviours(
  registry: ExecRegistry,
  behaviours: readonly ExecBehaviour[],
  deps: { readonly timers: Timers; readonly runProcess: ProcessRunner },
): () => void {
  const offs = behaviours.map((b) => registry.register(b.moid, b.path, execBehaviourHandler(b, deps)));
  return () => {
    for (const off of offs) off();
  };
}
