// omadm wake <deviceId> and omadm alerts list — Package#0 on demand (docs/protocol.md §2) and the Generic Alerts
// devices sent (§3.4).
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps } from "./context.js";
import { cell, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";

type Json = Record<string, unknown>;

export function registerEventCommands(program: Command, deps: AdminDeps): void {
  withApiOptions(
    program
      .command("wake")
      .description("send the device a Package#0 so that it opens a DM session")
      .argument("<deviceId>"),
  )
    .option("--req-mos", "ask for the MOS inventory (REQ-MOS)")
    .option("--no-req-mos", "do not ask for the MOS inventory")
    .option("--con-type <codes>", "PREFERRED-CON-TYPE bearer codes, comma-separated (e.g. 1,0)")
    .action(
      action(deps, async (run, deviceId: string, o: { reqMos?: boolean; conType?: string }) => {
        const body: Json = {};
        if (o.reqMos !== undefined) body["reqMos"] = o.reqMos;
        if (o.conType !== undefined) {
          const codes = o.conType.split(",").map((x) => Number(x.trim()));
          if (codes.some((c) => !Number.isInteger(c)))
            throw new UsageError(`--con-type ${o.conType} is not a list of numbers`);
          body["preferredConTypes"] = codes;
        }
        const { data } = await run.api.json<Json>("POST", `/devices/${encodeURIComponent(deviceId)}/wake`, {
          json: body,
        });
        if (run.json) {
          run.printJson(data);
          return;
        }
        run.out(
          `woke ${deviceId}: NOTIFICATION-ID ${cell(data["notificationId"])} over ${cell(data["transport"])} (${cell(data["outcome"])})`,
        );
      }),
    );

  const alerts = program.command("alerts").description("Generic Alerts sent by devices");
  withPageOptions(
    withApiOptions(alerts.command("list").description("list Generic Alerts (arrival order)"))
      .option("--device <deviceId>", "only this device's alerts")
      .option("--type <alertType>", "only this AlertType (exact URN)")
      .option("--desc", "newest first"),
  ).action(
    action(deps, (run, o: { device?: string; type?: string; desc?: boolean; limit?: string; cursor?: string }) =>
      printPage(
        run,
        "/alerts",
        {
          deviceId: o.device,
          type: o.type,
          order: o.desc === true ? "desc" : undefined,
          limit: o.limit,
          cursor: o.cursor,
        },
        ["RECEIVED", "DEVICE", "TYPE", "MARK", "SOURCE", "DATA"],
        (a) => [
          time(a["receivedAt"]),
          cell(a["deviceId"]),
          cell(a["alertType"]),
          cell(a["mark"]),
          cell(a["sourceUri"]),
          a["data"] === null ? "-" : cell(a["data"]),
        ],
      ),
    ),
  );
}
