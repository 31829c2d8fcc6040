// omadm webhooks create|list|show|delete|rotate-secret|dead-letters|redeliver — the /api/v1/webhooks resources
// (docs/observability.md "Webhooks"). The signing secret is printed by `create` and `rotate-secret` only.
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { cell, details, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";
import { table } from "./format.js";

type Json = Record<string, unknown>;

const hookPath = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

function eventIdArg(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${value} is not an event id`);
  return Number(value);
}

function kindsOf(text: string | undefined): string[] {
  return text === undefined
    ? []
    : text
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== "");
}

function printHook(run: Run, hook: Json): void {
  run.out(
    details([
      ["id", cell(hook["id"])],
      ["url", cell(hook["url"])],
      ["kinds", Array.isArray(hook["kinds"]) && hook["kinds"].length > 0 ? hook["kinds"].join(",") : "(all)"],
      ["enabled", cell(hook["enabled"])],
      ["cursor", cell(hook["cursor"])],
      ["created", time(hook["createdAt"])],
      ["updated", time(hook["updatedAt"])],
    ]),
  );
}

function printSecret(run: Run, data: { secret: string; record: Json }, what: string): void {
  if (run.json) {
    run.printJson(data);
    return;
  }
  run.out(`webhook ${cell(data.record["id"])} ${what}. Its signing secret is shown only now; store it:`);
  run.out(data.secret);
}

export function registerWebhookCommands(program: Command, deps: AdminDeps): void {
  const hooks = program.command("webhooks").description("HTTP endpoints that receive server events, signed");

  withApiOptions(hooks.command("create").description("create a webhook (its secret is shown once)").argument("<url>"))
    .option("--kind <kinds>", "only these event kinds, comma-separated (default: every kind)")
    .option("--disabled", "create it disabled")
    .action(
      action(deps, async (run, url: string, o: { kind?: string; disabled?: boolean }) => {
        const json = { url, kinds: kindsOf(o.kind), enabled: o.disabled !== true };
        const { data } = await run.api.json<{ secret: string; record: Json }>("POST", "/webhooks", { json });
        printSecret(run, data, "created");
      }),
    );

  withApiOptions(hooks.command("list").description("list webhooks (never their secrets)")).action(
    action(deps, async (run) => {
      const { data } = await run.api.json<{ items: Json[] }>("GET", "/webhooks");
      if (run.json) {
        run.printJson(data);
        return;
      }
      const rows = data.items.map((h) => [
        cell(h["id"]),
        h["enabled"] === true ? "yes" : "no",
        Array.isArray(h["kinds"]) && h["kinds"].length > 0 ? h["kinds"].join(",") : "(all)",
        cell(h["cursor"]),
        cell(h["url"]),
      ]);
      run.out(table(["ID", "ENABLED", "KINDS", "CURSOR", "URL"], rows));
    }),
  );

  withApiOptions(hooks.command("show").description("show one webhook").argument("<webhookId>")).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("GET", hookPath(id));
      if (run.json) run.printJson(data);
      else printHook(run, data);
    }),
  );

  withApiOptions(
    hooks.command("delete").description("delete a webhook and its dead letters").argument("<webhookId>"),
  ).action(
    action(deps, async (run, id: string) => {
      await run.api.json("DELETE", hookPath(id));
      if (run.json) run.printJson({ deleted: id });
      else run.out(`webhook ${id} deleted`);
    }),
  );

  withApiOptions(
    hooks
      .command("rotate-secret")
      .description("replace the signing secret (the new one is shown once)")
      .argument("<webhookId>"),
  ).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<{ secret: string; record: Json }>("POST", `${hookPath(id)}/secret`);
      printSecret(run, data, "has a new secret");
    }),
  );

  withPageOptions(
    withApiOptions(
      hooks
        .command("dead-letters")
        .description("list the events whose every delivery attempt failed")
        .argument("<webhookId>"),
    ),
  ).action(
    action(deps, (run, id: string, o: { limit?: string; cursor?: string }) =>
      printPage(
        run,
        `${hookPath(id)}/dead-letters`,
        { limit: o.limit, cursor: o.cursor },
        ["EVENT", "KIND", "DEVICE", "ATTEMPTS", "FAILED", "ERROR"],
        (l) => {
          const event = (l["event"] ?? {}) as Json;
          return [
            cell(l["eventId"]),
            cell(event["kind"]),
            cell(event["deviceId"]),
            cell(l["attempts"]),
            time(l["failedAt"]),
            cell(l["lastError"]),
          ];
        },
      ),
    ),
  );

  withApiOptions(
    hooks
      .command("redeliver")
      .description("send dead letters again now (one attempt each; delivered ones are removed)")
      .argument("<webhookId>")
      .argument("[eventIds...]", "the dead letters' event ids (default: every dead letter)"),
  ).action(
    action(deps, async (run, id: string, eventIds: string[]) => {
      const ids = eventIds.length > 0 ? eventIds.map(eventIdArg) : await allLetters(run, id);
      const results: Json[] = [];
      for (const eventId of ids) {
        const { data } = await run.api.json<Json>("POST", `${hookPath(id)}/dead-letters/${eventId}/redeliver`);
        results.push({ eventId, ...data });
        if (!run.json)
          run.out(
            data["delivered"] === true ? `${eventId} delivered` : `${eventId} failed again: ${cell(data["error"])}`,
          );
      }
      if (run.json) run.printJson({ items: results });
      else if (ids.length === 0) run.out("no dead letters");
      if (results.some((r) => r["delivered"] !== true)) run.exit(1);
    }),
  );
}

/** Every dead letter's event id, page by page. */
async function allLetters(run: Run, id: string): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string> = { limit: "1000", ...(cursor !== null && { cursor }) };
    const { data } = await run.api.json<{ items: Json[]; nextCursor: string | null }>(
      "GET",
      `${hookPath(id)}/dead-letters`,
      { query },
    );
    for (const l of data.items) ids.push(Number(l["eventId"]));
    cursor = data.nextCursor;
  } while (cursor !== null);
  return ids;
}
