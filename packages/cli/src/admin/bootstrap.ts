// omadm bootstrap import|rule|rebootstrap (the rest: bootstrap-manage.ts) — the server's bootstrap role (docs/bootstrap.md) through its REST API.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { registerBootstrapManageCommands } from "./bootstrap-manage.js";
import { action, withApiOptions, type AdminDeps } from "./context.js";
import { errorMessage } from "@omadm/protocol/omadm-error";

/** A JSON document given inline (starting with `{` or `[`) or as a file. */
function readJson(text: string, what: string): unknown {
  let source = text;
  if (!/^\s*[[{]/.test(text)) {
    try {
      source = readFileSync(text, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read ${what} ${text}: ${errorMessage(error)}`);
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new UsageError(`${what} is not JSON: ${errorMessage(error)}`);
  }
}

export function registerBootstrapCommands(program: Command, deps: AdminDeps): void {
  const bootstrap = program
    .command("bootstrap")
    .description("the bootstrap role: credentials, rules, remote targets, re-bootstrap");
  registerBootstrapManageCommands(bootstrap, deps);

  withApiOptions(
    bootstrap
      .command("import")
      .description("import bootstrap credentials in bulk (a JSON array or { credentials: [...] }; all or nothing)")
      .argument("<file>", "JSON file (or inline JSON) of credentials, see docs/bootstrap.md"),
  ).action(
    action(deps, async (run, file: string) => {
      const doc = readJson(file, "the credentials");
      const credentials = Array.isArray(doc) ? doc : (doc as { credentials?: unknown }).credentials;
      if (!Array.isArray(credentials)) throw new UsageError("expected a JSON array of credentials");
      const { data } = await run.api.json<{ items: unknown[] }>("POST", "/bootstrap/credentials", {
        json: { credentials },
      });
      if (run.json) run.printJson(data);
      else run.out(`${data.items.length} bootstrap credentials imported`);
    }),
  );

  withApiOptions(
    bootstrap
      .command("rule")
      .description("create or replace a rule mapping devices to their management server")
      .argument("<id>")
      .argument("<rule>", "JSON file (or inline JSON): priority, devIdPattern, labels, devInfo, targets"),
  ).action(
    action(deps, async (run, id: string, rule: string) => {
      const { data } = await run.api.json("PUT", `/bootstrap/rules/${encodeURIComponent(id)}`, {
        json: readJson(rule, "the rule"),
      });
      if (run.json) run.printJson(data);
      else run.out(`rule ${id} saved`);
    }),
  );

  withApiOptions(
    bootstrap
      .command("rebootstrap")
      .description("revoke a device's session credentials and ask it to bootstrap again")
      .argument("<devId>")
      .option("--rule <id>", "move the device: pin it to this rule")
      .option("--no-wake", "do not send the server-initiated bootstrap Package#0"),
  ).action(
    action(deps, async (run, devId: string, options: { rule?: string; wake: boolean }) => {
      const { data } = await run.api.json<{ notified: boolean; notifyError: string | null }>(
        "POST",
        `/bootstrap/devices/${encodeURIComponent(devId)}/rebootstrap`,
        { json: { wake: options.wake, ...(options.rule === undefined ? {} : { ruleId: options.rule }) } },
      );
      if (run.json) run.printJson(data);
      else {
        run.out(`${devId}: credentials revoked`);
        run.out(data.notified ? "bootstrap Package#0 sent" : `no Package#0: ${data.notifyError ?? "not asked"}`);
      }
    }),
  );
}
