// Shared by the `omadm server` tests: run the command with arguments that must be refused before it starts.
import assert from "node:assert/strict";
import { Command } from "commander";
import { registerServerCommand } from "../src/server-command.js";

/** Runs `omadm server <args>` expecting a refusal; returns the exit code set and what went to stderr. */
export async function refusedServerCommand(args: readonly string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  let code = 0;
  const program = new Command("omadm").exitOverride();
  registerServerCommand(program, {
    out: () => undefined,
    err: (t) => err.push(t),
    env: {},
    setExitCode: (c) => (code = c),
    onStarted: () => assert.fail("must not start"),
  });
  await program.parseAsync(["node", "omadm", "server", ...args]);
  return { code, err: err.join("") };
}
