// omadm repo put|get|ls — Data Repository content for HGET, shared or per device (docs/protocol.md §4.1), through
// /api/v1/repository. `put` prints the ServerURI to use in HGET commands.
import { readFileSync, writeFileSync } from "node:fs";
import { extname } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps } from "./context.js";
import { cell, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";
import { errorMessage } from "@omadm/protocol/omadm-error";

type Json = Record<string, unknown>;

/** Media types guessed from a file name when --type is not given. */
const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  ".json": "application/dmmo+json",
  ".xml": "application/vnd.syncml.dmtnds+xml",
  ".txt": "text/plain",
  ".html": "text/html",
};

export function mediaTypeFor(file: string, explicit: string | undefined): string {
  return explicit ?? TYPES_BY_EXTENSION[extname(file).toLowerCase()] ?? "application/octet-stream";
}

export function registerRepoCommands(program: Command, deps: AdminDeps): void {
  const repo = program.command("repo").description("Data Repository content for HGET");

  withApiOptions(
    repo
      .command("put")
      .description("store a file for HGET")
      .argument("<path>", "item path, e.g. fw/2.1/pkg.json")
      .argument("<file>"),
  )
    .option("--device <deviceId>", "only for this device (default: shared by all)")
    .option("--type <mediaType>", "media type (default from the file extension; .json = application/dmmo+json)")
    .option("--if-match <etag>", "replace only if the current ETag is this one ('*': only if it exists)")
    .action(
      action(deps, async (run, path: string, file: string, o: { device?: string; type?: string; ifMatch?: string }) => {
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(readFileSync(file));
        } catch (error) {
          throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
        }
        const { data } = await run.api.json<Json>("PUT", "/repository/content", {
          query: { path, deviceId: o.device },
          body: bytes,
          contentType: mediaTypeFor(file, o.type),
          ...(o.ifMatch === undefined ? {} : { headers: { "if-match": o.ifMatch } }),
        });
        if (run.json) {
          run.printJson(data);
          return;
        }
        const scope = data["deviceId"] === null ? "shared" : `device ${cell(data["deviceId"])}`;
        run.out(
          `stored ${cell(data["path"])} (${scope}, ${cell(data["mediaType"])}, ${cell(data["size"])} bytes, ETag ${cell(data["etag"])})`,
        );
        run.out(`ServerURI: ${cell(data["url"])}`);
      }),
    );

  withApiOptions(repo.command("get").description("download an item").argument("<path>"))
    .option("--device <deviceId>", "the device's own item (default: the shared one)")
    .option("-o, --output <file>", "write to this file (default: standard output)")
    .action(
      action(deps, async (run, path: string, o: { device?: string; output?: string }) => {
        const res = await run.api.call("GET", "/repository/content", { query: { path, deviceId: o.device } });
        if (o.output === undefined) {
          run.out(new TextDecoder().decode(res.body).replace(/\n$/, ""));
          return;
        }
        writeFileSync(o.output, res.body);
        run.out(
          `wrote ${res.body.byteLength} bytes to ${o.output} (${res.contentType ?? "?"}, ETag ${res.etag ?? "-"})`,
        );
      }),
    );

  withPageOptions(
    withApiOptions(repo.command("ls").description("list items"))
      .option("--device <deviceId>", "only this device's items")
      .option("--shared", "only shared items")
      .option("--prefix <pathPrefix>", "only paths starting with this"),
  ).action(
    action(deps, (run, o: { device?: string; shared?: boolean; prefix?: string; limit?: string; cursor?: string }) =>
      printPage(
        run,
        "/repository",
        { deviceId: o.device, shared: o.shared, pathPrefix: o.prefix, limit: o.limit, cursor: o.cursor },
        ["PATH", "SCOPE", "TYPE", "SIZE", "UPDATED", "SERVERURI"],
        (i) => [
          cell(i["path"]),
          i["deviceId"] === null ? "shared" : cell(i["deviceId"]),
          cell(i["mediaType"]),
          cell(i["size"]),
          time(i["updatedAt"]),
          cell(i["url"]),
        ],
      ),
    ),
  );
}
