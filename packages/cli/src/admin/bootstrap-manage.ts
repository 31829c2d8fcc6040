// omadm bootstrap credentials|rules|provisions|targets|target|delete-* — reading and managing what the bootstrap
// role keeps (docs/bootstrap.md) through its REST API. Keys and tokens go in, never come out.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps } from "./context.js";
import { cell, details, labels, table } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";

type Json = Record<string, unknown>;

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${errorMessage(error)}`);
  }
}

const targetsOf = (rule: Json): string =>
  ((rule["targets"] as Json[] | undefined) ?? [])
    .map((t) => `${cell(t["srvId"])}${t["targetId"] === undefined ? "" : ` (target ${cell(t["targetId"])})`}`)
    .join(",");

export function registerBootstrapManageCommands(bootstrap: Command, deps: AdminDeps): void {
  withApiOptions(
    withPageOptions(bootstrap.command("credentials").description("list bootstrap credentials (never keys)")),
  ).action(
    action(deps, async (run, options: { limit?: string; cursor?: string }) => {
      await printPage(
        run,
        "/bootstrap/credentials",
        { limit: options.limit, cursor: options.cursor },
        ["ID", "SECMODE", "IDENTITY/FINGERPRINT", "DEVICE/PATTERN", "LABELS"],
        (c) => [
          cell(c["id"]),
          c["secMode"] === 0 ? "psk" : "x509",
          cell(c["pskIdentity"] ?? c["certFingerprint"]),
          cell(c["deviceId"] ?? c["devIdPattern"]),
          labels(c["labels"]),
        ],
      );
    }),
  );

  withApiOptions(bootstrap.command("rules").description("list the rules, in the order they are tried")).action(
    action(deps, async (run) => {
      const { data } = await run.api.json<{ items: Json[] }>("GET", "/bootstrap/rules");
      if (run.json) {
        run.printJson(data);
        return;
      }
      const rows = data.items.map((r) => [
        cell(r["id"]),
        cell(r["priority"]),
        cell(r["devIdPattern"]),
        labels(r["labels"]),
        labels(r["devInfo"]),
        targetsOf(r),
      ]);
      run.out(table(["ID", "PRIORITY", "DEVID", "LABELS", "DEVINFO", "SERVERS"], rows));
    }),
  );

  withApiOptions(
    withPageOptions(bootstrap.command("provisions").description("bootstrap sessions, newest first")).option(
      "--device <devId>",
      "only this device's",
    ),
  ).action(
    action(deps, async (run, options: { limit?: string; cursor?: string; device?: string }) => {
      await printPage(
        run,
        "/bootstrap/provisions",
        { limit: options.limit, cursor: options.cursor, deviceId: options.device },
        ["ID", "DEVICE", "RULE", "STATE", "SERVERS"],
        (p) => [
          cell(p["id"]),
          cell(p["deviceId"]),
          cell(p["ruleId"]),
          cell(p["state"]),
          ((p["targets"] as Json[] | undefined) ?? []).map((t) => `${cell(t["srvId"])}/${cell(t["miid"])}`).join(","),
        ],
      );
    }),
  );

  withApiOptions(bootstrap.command("targets").description("list remote targets (never their tokens)")).action(
    action(deps, async (run) => {
      const { data } = await run.api.json<{ items: Json[] }>("GET", "/bootstrap/targets");
      if (run.json) {
        run.printJson(data);
        return;
      }
      const rows = data.items.map((t) => [cell(t["id"]), cell(t["srvId"]), cell(t["srvUri"]), cell(t["apiBaseUrl"])]);
      run.out(table(["ID", "SRVID", "SRVURI", "API"], rows));
    }),
  );

  withApiOptions(
    bootstrap
      .command("target")
      .description("create or replace a remote target: a management server of another deployment")
      .argument("<id>")
      .requiredOption("--srv-id <srvId>", "its SrvID")
      .requiredOption("--srv-uri <url>", "its DM endpoint (the devices' SrvURI)")
      .requiredOption("--api-url <url>", "its REST API base URL, e.g. https://dm-b.example.net/api/v1")
      .option("--remote-token-file <file>", "file holding an API token of that server (required for a new target)")
      .option("--ca <file>", "PEM CA certificates its API's TLS certificate chains to"),
  ).action(
    action(
      deps,
      async (
        run,
        id: string,
        o: { srvId: string; srvUri: string; apiUrl: string; remoteTokenFile?: string; ca?: string },
      ) => {
        const token =
          o.remoteTokenFile === undefined ? undefined : readText(o.remoteTokenFile, "the token file").trim();
        if (token === "") throw new UsageError(`the token file ${o.remoteTokenFile ?? ""} is empty`);
        const body = {
          srvId: o.srvId,
          srvUri: o.srvUri,
          apiBaseUrl: o.apiUrl,
          ...(token === undefined ? {} : { token }),
          ...(o.ca === undefined ? {} : { caPem: readText(o.ca, "the CA file") }),
        };
        const { data } = await run.api.json<Json>("PUT", `/bootstrap/targets/${encodeURIComponent(id)}`, {
          json: body,
        });
        if (run.json) {
          run.printJson(data);
          return;
        }
        run.out(`target ${id} saved`);
        run.out(
          details([
            ["srvId", cell(data["srvId"])],
            ["api", cell(data["apiBaseUrl"])],
            ["token", data["tokenSet"] === true ? "set" : "-"],
          ]),
        );
      },
    ),
  );

  for (const [what, path, label] of [
    ["credential", "/bootstrap/credentials", "bootstrap credential"],
    ["rule", "/bootstrap/rules", "rule"],
    ["target", "/bootstrap/targets", "target"],
  ] as const) {
    withApiOptions(bootstrap.command(`delete-${what}`).description(`delete a ${label}`).argument("<id>")).action(
      action(deps, async (run, id: string) => {
        await run.api.call("DELETE", `${path}/${encodeURIComponent(id)}`);
        if (run.json) {
          run.printJson({ deleted: id });
          return;
        }
        run.out(`${label} ${id} deleted`);
      }),
    );
  }
}
