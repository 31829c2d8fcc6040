// omadm ui create|show — SHOW pages (docs/protocol.md §4.6); omadm token create|list|revoke — operator API tokens.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { cell, details, table, time } from "./format.js";
import { errorMessage } from "@omadm/protocol/omadm-error";

type Json = Record<string, unknown>;

/** The API token scopes (the server's docs/operators.md "Scopes"), lowest first. */
const TOKEN_SCOPES: readonly string[] = ["read", "operator", "admin"];

/** --template: inline JSON (starts with "{") or a file holding it. */
export function readTemplate(text: string): unknown {
  let source = text;
  if (!text.trimStart().startsWith("{")) {
    try {
      source = readFileSync(text, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read template ${text}: ${errorMessage(error)}`);
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new UsageError(`the template is not JSON: ${errorMessage(error)}`);
  }
}

function printUiSession(run: Run, u: Json): void {
  run.out(
    details([
      ["id", cell(u["id"])],
      ["device", cell(u["deviceId"])],
      ["state", cell(u["state"])],
      ["SHOW command", cell(u["commandId"])],
      ["created", time(u["createdAt"])],
      ["opened", time(u["openedAt"])],
      ["completed", time(u["completedAt"])],
      ["expires", time(u["expiresAt"])],
      ["result", u["result"] === null ? "-" : cell(u["result"])],
    ]),
  );
}

export function registerUiCommands(program: Command, deps: AdminDeps): void {
  const ui = program.command("ui").description("SHOW pages (UI sessions)");

  withApiOptions(
    ui.command("create").description("create a SHOW page and queue the SHOW command").argument("<deviceId>"),
  )
    .requiredOption("--template <json|file>", "the page: {title, text, choices?, fields?} as JSON or a file")
    .option("--ttl <seconds>", "the page (and its SHOW) expire after")
    .option("--no-show", "only create the page; do not queue SHOW")
    .action(
      action(deps, async (run, deviceId: string, o: { template: string; ttl?: string; show: boolean }) => {
        const ttlSeconds = o.ttl === undefined ? undefined : Number(o.ttl);
        if (ttlSeconds !== undefined && (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1)) {
          throw new UsageError(`--ttl ${JSON.stringify(o.ttl)} is not a whole number of seconds`);
        }
        const { data } = await run.api.json<{ uiSession: Json; serverUri: string; command: Json | null }>(
          "POST",
          "/ui-sessions",
          {
            json: {
              deviceId,
              template: readTemplate(o.template),
              show: o.show,
              ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
            },
          },
        );
        if (run.json) {
          run.printJson(data);
          return;
        }
        run.out(`UI session ${cell(data.uiSession["id"])} created for ${deviceId}`);
        run.out(`ServerURI: ${data.serverUri}`);
        run.out(data.command === null ? "SHOW not queued (--no-show)" : `SHOW queued: ${cell(data.command["id"])}`);
      }),
    );

  withApiOptions(
    ui.command("show").description("show a UI session and the user's answer").argument("<uiSessionId>"),
  ).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("GET", `/ui-sessions/${encodeURIComponent(id)}`);
      if (run.json) {
        run.printJson(data);
        return;
      }
      printUiSession(run, data);
    }),
  );
}

export function registerTokenCommands(program: Command, deps: AdminDeps): void {
  const token = program.command("token").description("operator API tokens");

  withApiOptions(token.command("create").description("create an API token (shown once)").argument("<name>"))
    .option(
      "--scope <scope>",
      "read (GET only), operator (also devices, commands, groups, …) or admin (also tokens and the audit log)",
      "admin",
    )
    .action(
      action(deps, async (run, name: string, o: { scope: string }) => {
        if (!TOKEN_SCOPES.includes(o.scope)) {
          throw new UsageError(`--scope must be one of ${TOKEN_SCOPES.join(", ")}, not ${JSON.stringify(o.scope)}`);
        }
        const json = { name, scope: o.scope };
        const { data } = await run.api.json<{ token: string; record: Json }>("POST", "/tokens", { json });
        if (run.json) {
          run.printJson(data);
          return;
        }
        run.out(
          `token ${cell(data.record["id"])} (${name}, scope ${cell(data.record["scope"])}) created. It is shown only now; store it:`,
        );
        run.out(data.token);
      }),
    );

  withApiOptions(token.command("list").description("list API tokens (never their secrets)")).action(
    action(deps, async (run) => {
      const { data } = await run.api.json<{ items: Json[] }>("GET", "/tokens");
      if (run.json) {
        run.printJson(data);
        return;
      }
      const rows = data.items.map((t) => [
        cell(t["id"]),
        cell(t["name"]),
        cell(t["scope"]),
        time(t["createdAt"]),
        time(t["lastUsedAt"]),
        time(t["revokedAt"]),
      ]);
      run.out(table(["ID", "NAME", "SCOPE", "CREATED", "LAST USED", "REVOKED"], rows));
    }),
  );

  withApiOptions(token.command("revoke").description("revoke an API token").argument("<tokenId>")).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("DELETE", `/tokens/${encodeURIComponent(id)}`);
      if (run.json) {
        run.printJson(data);
        return;
      }
      run.out(`token ${cell(data["id"])} (${cell(data["name"])}) revoked at ${time(data["revokedAt"])}`);
    }),
  );
}
