// omadm groups create|list|show|add|remove|delete|devices — saved device groups through /api/v1/groups
// (docs/filters.md): static lists of devices and dynamic groups that are a filter.
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { deviceRow, DEVICE_HEADERS } from "./devices.js";
import { cell, details, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";

type Json = Record<string, unknown>;

/** Device ids per request (the server's bound); longer lists go in several requests. */
const MEMBERS_PER_REQUEST = 10_000;

const collect = (value: string, previous: string[] = []) => [...previous, value];
const groupPath = (id: string) => `/groups/${encodeURIComponent(id)}`;

function printGroup(run: Run, g: Json): void {
  run.out(
    details([
      ["id", cell(g["id"])],
      ["kind", cell(g["kind"])],
      ["description", g["description"] === "" ? "-" : cell(g["description"])],
      ["filter", cell(g["filter"])],
      ["created", time(g["createdAt"])],
      ["updated", time(g["updatedAt"])],
    ]),
  );
}

/** Adds or removes members in requests of at most MEMBERS_PER_REQUEST ids; the total changed. */
async function changeMembers(run: Run, id: string, deviceIds: readonly string[], add: boolean): Promise<number> {
  let changed = 0;
  for (let i = 0; i < deviceIds.length; i += MEMBERS_PER_REQUEST) {
    const { data } = await run.api.json<{ changed: number }>(
      "POST",
      `${groupPath(id)}/members${add ? "" : "/remove"}`,
      { json: { deviceIds: deviceIds.slice(i, i + MEMBERS_PER_REQUEST) } },
    );
    changed += data.changed;
  }
  return changed;
}

export function registerGroupCommands(program: Command, deps: AdminDeps): void {
  const groups = program.command("groups").description("saved device groups: static lists or filters");

  withApiOptions(
    groups
      .command("create")
      .description("save a group: dynamic with --filter, else static (with --device members)")
      .argument("<groupId>"),
  )
    .option("--filter <filter>", "a dynamic group: the devices this filter selects (docs/filters.md)")
    .option("--device <deviceId>", "a static group's first member (repeatable)", collect)
    .option("--description <text>", "what the group is for")
    .action(
      action(deps, async (run, id: string, o: { filter?: string; device?: string[]; description?: string }) => {
        if (o.filter !== undefined && o.device !== undefined) {
          throw new UsageError("--filter makes a dynamic group, which has no --device members");
        }
        const body: Json = { id, kind: o.filter === undefined ? "static" : "dynamic" };
        if (o.filter !== undefined) body["filter"] = o.filter;
        if (o.description !== undefined) body["description"] = o.description;
        const first = o.device?.slice(0, MEMBERS_PER_REQUEST);
        if (first !== undefined) body["deviceIds"] = first;
        const { data } = await run.api.json<Json>("POST", "/groups", { json: body });
        if (o.device !== undefined && o.device.length > MEMBERS_PER_REQUEST) {
          await changeMembers(run, id, o.device.slice(MEMBERS_PER_REQUEST), true);
        }
        if (run.json) {
          run.printJson(data);
          return;
        }
        run.out(`group ${cell(data["id"])} created`);
        printGroup(run, data);
      }),
    );

  withPageOptions(withApiOptions(groups.command("list").description("list groups (ordered by id)"))).action(
    action(deps, (run, o: { limit?: string; cursor?: string }) =>
      printPage(run, "/groups", { limit: o.limit, cursor: o.cursor }, ["ID", "KIND", "FILTER", "DESCRIPTION"], (g) => [
        cell(g["id"]),
        cell(g["kind"]),
        cell(g["filter"]),
        g["description"] === "" ? "-" : cell(g["description"]),
      ]),
    ),
  );

  withApiOptions(groups.command("show").description("show one group").argument("<groupId>")).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("GET", groupPath(id));
      if (run.json) run.printJson(data);
      else printGroup(run, data);
    }),
  );

  for (const [name, add] of [
    ["add", true],
    ["remove", false],
  ] as const) {
    withApiOptions(
      groups
        .command(name)
        .description(`${add ? "add devices to" : "remove devices from"} a static group`)
        .argument("<groupId>")
        .argument("<deviceIds...>"),
    ).action(
      action(deps, async (run, id: string, deviceIds: string[]) => {
        const changed = await changeMembers(run, id, deviceIds, add);
        if (run.json) run.printJson({ changed });
        else run.out(`${changed} device(s) ${add ? "added to" : "removed from"} group ${id}`);
      }),
    );
  }

  withApiOptions(
    groups.command("delete").description("delete a group (its devices stay)").argument("<groupId>"),
  ).action(
    action(deps, async (run, id: string) => {
      await run.api.call("DELETE", groupPath(id));
      if (run.json) run.printJson({ deleted: id });
      else run.out(`group ${id} deleted`);
    }),
  );

  withPageOptions(
    withApiOptions(
      groups.command("devices").description("list a group's devices (ordered by id)").argument("<groupId>"),
    )
      .option("--filter <filter>", "only the group's devices this filter also selects")
      .option("--count", "also print how many devices the selection holds"),
  ).action(
    action(deps, (run, id: string, o: { filter?: string; count?: boolean; limit?: string; cursor?: string }) =>
      printPage(
        run,
        `${groupPath(id)}/devices`,
        { filter: o.filter, count: o.count, limit: o.limit, cursor: o.cursor },
        DEVICE_HEADERS,
        deviceRow,
      ),
    ),
  );
}
