// omadm firmware upload|list|show|delete — firmware images through /api/v1/firmware (docs/firmware.md). The upload
// streams the file (never read whole) with a progress bar on a terminal, and prints the URLs a FUMO update uses.
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { ApiError, UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { progressBar } from "./devices-import.js";
import { cell, details, time } from "./format.js";
import { streamPost } from "./import-upload.js";
import { printPage, withPageOptions } from "./list-page.js";

type Json = Record<string, unknown>;

const firmwarePath = (id: string) => `/firmware/${encodeURIComponent(id)}`;

function printImage(run: Run, f: Json): void {
  run.out(
    details([
      ["id", cell(f["id"])],
      ["name", cell(f["name"])],
      ["version", cell(f["version"])],
      ["manufacturer", cell(f["manufacturer"])],
      ["model", cell(f["model"])],
      ["size", `${cell(f["size"])} bytes`],
      ["sha256", cell(f["sha256"])],
      ["uploaded", time(f["createdAt"])],
      ["download", cell(f["downloadUrl"])],
      ["PkgURL", cell(f["pkgUrl"])],
      ["FUMO data", cell(f["fumoDataUrl"])],
    ]),
  );
}

interface UploadOptions {
  readonly name?: string;
  readonly fwVersion: string;
  readonly model?: string;
  readonly manufacturer?: string;
}

export function registerFirmwareCommands(program: Command, deps: AdminDeps): void {
  const firmware = program.command("firmware").description("firmware images for FUMO updates (docs/firmware.md)");

  withApiOptions(
    firmware
      .command("upload")
      .description("upload a firmware image (streamed; the server computes its SHA-256 and size)")
      .argument("<file>"),
  )
    // Not --version: that is the program's own option, recognised after a subcommand too.
    .requiredOption("--fw-version <version>", "the version devices report after the update (FUMO PkgVersion)")
    .option("--name <name>", "package name (FUMO PkgName; default: the file name)")
    .option("--model <model>", "the model it is for (informational)")
    .option("--manufacturer <manufacturer>", "the manufacturer it is for (informational)")
    .action(
      action(deps, async (run, file: string, o: UploadOptions) => {
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          throw new UsageError(`cannot read ${file}`);
        }
        const query = new URLSearchParams({ name: o.name ?? basename(file), version: o.fwVersion });
        if (o.model !== undefined) query.set("model", o.model);
        if (o.manufacturer !== undefined) query.set("manufacturer", o.manufacturer);
        const baseUrl = run.server.baseUrl;
        const bar = await progressBar(size, process.stderr, "uploading");
        let res: { status: number; parsed: unknown };
        try {
          res = await streamPost(
            `${baseUrl.replace(/\/+$/, "")}/api/v1/firmware?${query.toString()}`,
            {
              baseUrl,
              token: run.token,
              contentType: "application/octet-stream",
              body: createReadStream(file) as AsyncIterable<Buffer>,
              onSent: (n) => {
                bar.update(n);
              },
            },
            "the image",
          );
        } finally {
          bar.stop();
        }
        const data = (res.parsed ?? {}) as Json;
        if (res.status !== 201) {
          throw new ApiError(
            res.status,
            typeof data["code"] === "string" ? data["code"] : null,
            typeof data["detail"] === "string" ? data["detail"] : `HTTP ${res.status}`,
          );
        }
        if (run.json) {
          run.printJson(data);
          return;
        }
        run.out(`firmware ${cell(data["id"])} uploaded`);
        printImage(run, data);
      }),
    );

  withPageOptions(withApiOptions(firmware.command("list").description("list firmware images (upload order)"))).action(
    action(deps, (run, o: { limit?: string; cursor?: string }) =>
      printPage(
        run,
        "/firmware",
        { limit: o.limit, cursor: o.cursor },
        ["ID", "NAME", "VERSION", "MODEL", "SIZE", "SHA256"],
        (f) => [
          cell(f["id"]),
          cell(f["name"]),
          cell(f["version"]),
          cell(f["model"]),
          cell(f["size"]),
          String(f["sha256"]).slice(0, 16),
        ],
      ),
    ),
  );

  withApiOptions(firmware.command("show").description("show one firmware image and its URLs").argument("<id>")).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("GET", firmwarePath(id));
      if (run.json) run.printJson(data);
      else printImage(run, data);
    }),
  );

  withApiOptions(
    firmware.command("delete").description("delete a firmware image and its file").argument("<id>"),
  ).action(
    action(deps, async (run, id: string) => {
      await run.api.call("DELETE", firmwarePath(id));
      if (run.json) run.printJson({ deleted: id });
      else run.out(`firmware ${id} deleted`);
    }),
  );
}
