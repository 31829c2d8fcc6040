// omadm commands queue|list|show|cancel — a device's command queue through /api/v1. `queue` takes the command
// the way Package#2 carries it: the name, then its parameters in the order of docs/protocol.md §4; its --help
// prints that parameter table (queue-help.ts).
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { cell, details, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";
import { addQueueHelp, type QueueHelpTable } from "./queue-help.js";

type Json = Record<string, unknown>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function itemText(c: Json): string {
  const item = Array.isArray(c["item"]) ? (c["item"] as unknown[]) : [c["name"]];
  return item.map((x) => cell(x)).join(" ");
}

function printCommand(run: Run, c: Json): void {
  const result = c["result"] as { uris?: unknown; data?: unknown } | null;
  const pairs: [string, string][] = [
    ["id", cell(c["id"])],
    ["device", cell(c["deviceId"])],
    ["command", itemText(c)],
    ["state", cell(c["state"])],
    ["status code", cell(c["statusCode"])],
    ["idempotency key", cell(c["idempotencyKey"])],
    ["created", time(c["createdAt"])],
    ["expires", time(c["expiresAt"])],
    ["sent", time(c["sentAt"])],
    ["completed", time(c["completedAt"])],
    ["delivery", deliveryText(c)],
    ["attempts", cell(c["attempts"])],
    ["session", cell(c["sessionId"])],
  ];
  if (c["reason"] !== null && c["reason"] !== undefined) pairs.push(["reason", cell(c["reason"])]);
  if (result !== null) {
    pairs.push([
      "result URIs",
      Array.isArray(result.uris) && result.uris.length > 0 ? result.uris.map(cell).join(" ") : "-",
    ]);
  }
  run.out(details(pairs));
  if (result !== null && result.data !== null && result.data !== undefined) {
    run.out("result data:");
    run.out(JSON.stringify(result.data, null, 2));
  }
}

/** "at-least-once (at most 3)" or "at-most-once". */
function deliveryText(c: Json): string {
  const delivery = cell(c["delivery"]);
  return delivery === "at-least-once" ? `${delivery} (at most ${cell(c["maxDeliveries"])})` : delivery;
}

/** The delivery policies `--delivery` takes (docs/delivery.md). */
const DELIVERY_POLICIES = ["at-least-once", "at-most-once"];

/** The protocol's command table and the server's list of queueable commands, loaded for --help only. */
async function loadQueueHelpTable(): Promise<QueueHelpTable> {
  const [protocol, server] = await Promise.all([import("@omadm/protocol"), import("@omadm/server")]);
  return {
    commands: server.OPERATOR_COMMANDS,
    parameters: protocol.COMMAND_PARAMETERS,
    info: protocol.COMMAND_INFO,
  };
}

export function registerCommandCommands(program: Command, deps: AdminDeps): void {
  const commands = program.command("commands").description("queue, list, show and cancel DM commands");

  const queue = withApiOptions(
    commands
      .command("queue")
      .description("queue a command: NAME then its parameters in Package#2 order (e.g. GET <ClientURI>)")
      .argument("<deviceId>")
      .argument("<name>", "HGET, HPUT, HPOST, DELETE, EXEC, GET, SHOW, DEFAULT, SUB or UNSUB")
      .argument("[params...]", "ServerURIs, ClientURIs and MOIDs in the order of the table below"),
  );
  addQueueHelp(commands, queue, loadQueueHelpTable);
  queue
    .option("--idempotency-key <key>", "queueing again with the same key returns the first command")
    .option("--ttl <seconds>", "drop the command if it was not sent within this time")
    .option(
      "--delivery <policy>",
      "at-least-once (sent again when unanswered, up to dm.maxDeliveries times) or at-most-once (never sent " +
        "again; unanswered it ends unknown); default: at-most-once for EXEC, HPOST, SHOW, else at-least-once",
    )
    .action(
      action(
        deps,
        async (
          run,
          deviceId: string,
          name: string,
          params: string[],
          o: { idempotencyKey?: string; ttl?: string; delivery?: string },
        ) => {
          if (o.delivery !== undefined && !DELIVERY_POLICIES.includes(o.delivery)) {
            throw new UsageError(`--delivery ${JSON.stringify(o.delivery)} is not ${DELIVERY_POLICIES.join(" or ")}`);
          }
          let ttlSeconds: number | undefined;
          if (o.ttl !== undefined) {
            ttlSeconds = Number(o.ttl);
            if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
              throw new UsageError(`--ttl ${JSON.stringify(o.ttl)} is not a whole number of seconds`);
            }
          }
          const { status, data } = await run.api.json<Json>(
            "POST",
            `/devices/${encodeURIComponent(deviceId)}/commands`,
            {
              json: {
                command: [name, ...params],
                ...(o.idempotencyKey === undefined ? {} : { idempotencyKey: o.idempotencyKey }),
                ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
                ...(o.delivery === undefined ? {} : { delivery: o.delivery }),
              },
            },
          );
          if (run.json) {
            run.printJson(data);
            return;
          }
          const verb = status === 201 ? "queued" : "already queued (same idempotency key)";
          run.out(`${verb}: ${cell(data["id"])} ${itemText(data)} [${cell(data["state"])}, ${deliveryText(data)}]`);
        },
      ),
    );

  withPageOptions(
    withApiOptions(commands.command("list").description("list commands (enqueue order)"))
      .option("--device <deviceId>", "only this device's commands")
      .option(
        "--state <state>",
        "queued, sent, accepted, done, failed, expired, cancelled, unknown (repeatable)",
        collect,
      )
      .option("--desc", "newest first"),
  ).action(
    action(deps, (run, o: { device?: string; state?: string[]; desc?: boolean; limit?: string; cursor?: string }) =>
      printPage(
        run,
        "/commands",
        {
          deviceId: o.device,
          state: o.state,
          order: o.desc === true ? "desc" : undefined,
          limit: o.limit,
          cursor: o.cursor,
        },
        ["ID", "DEVICE", "STATE", "SC", "DELIVERY", "ATTEMPTS", "UPDATED", "COMMAND"],
        (c) => [
          cell(c["id"]),
          cell(c["deviceId"]),
          cell(c["state"]),
          cell(c["statusCode"]),
          cell(c["delivery"]),
          `${cell(c["attempts"])}/${cell(c["maxDeliveries"])}`,
          time(c["updatedAt"]),
          itemText(c),
        ],
      ),
    ),
  );

  withApiOptions(
    commands.command("show").description("show a command with its status code and result").argument("<commandId>"),
  ).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("GET", `/commands/${encodeURIComponent(id)}`);
      if (run.json) {
        run.printJson(data);
        return;
      }
      printCommand(run, data);
    }),
  );

  withApiOptions(
    commands
      .command("cancel")
      .description("cancel a queued or sent command (a sent one is not sent again)")
      .argument("<commandId>"),
  ).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("POST", `/commands/${encodeURIComponent(id)}/cancel`);
      if (run.json) {
        run.printJson(data);
        return;
      }
      run.out(`cancelled: ${cell(data["id"])} ${itemText(data)}`);
    }),
  );
}
