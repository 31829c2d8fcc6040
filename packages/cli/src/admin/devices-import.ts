// omadm devices import FILE: streams an NDJSON or CSV file to POST /api/v1/devices/import (never read whole),
// with a progress bar on a terminal (cli-progress, loaded only then) and a summary. Exit code 1 when a line was
// refused or the server stopped the import at a limit (what it imported is still reported).
import { createReadStream, statSync } from "node:fs";
import type { Command } from "commander";
import { ImportRefusedError, UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { uploadImport, type ImportReport } from "./import-upload.js";

/** Lines of errors printed (all of them with --json). */
const PRINTED_ERRORS = 20;

interface ImportOptions {
  readonly format?: string;
}

export function formatOf(file: string, format: string | undefined): "ndjson" | "csv" {
  const chosen = format ?? (file.toLowerCase().endsWith(".csv") ? "csv" : "ndjson");
  if (chosen !== "ndjson" && chosen !== "csv")
    throw new UsageError(`--format ${JSON.stringify(chosen)}: ndjson or csv`);
  return chosen;
}

export function summaryLines(file: string, r: ImportReport): string[] {
  const lines = [
    `${file}: ${r.lines} lines, ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.failed} failed`,
  ];
  for (const e of r.errors.slice(0, PRINTED_ERRORS)) {
    lines.push(`  line ${e.line}${e.id === undefined ? "" : ` (${e.id})`}: ${e.message} [${e.code}]`);
  }
  const more = r.failed - Math.min(r.errors.length, PRINTED_ERRORS);
  if (more > 0) lines.push(`  … and ${more} more (--json lists up to ${r.errors.length})`);
  return lines;
}

/** A bar of bytes sent on a terminal, nothing otherwise; cli-progress is loaded only for a terminal. */
export async function progressBar(
  total: number,
  stream: NodeJS.WriteStream,
  label = "importing",
): Promise<{ update(n: number): void; stop(): void }> {
  if (!stream.isTTY || total === 0) return { update: () => undefined, stop: () => undefined };
  const { SingleBar, Presets } = (await import("cli-progress")).default;
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} bytes | {eta}s left`, stream, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (n) => {
      bar.update(Math.min(n, total));
    },
    stop: () => {
      bar.stop();
    },
  };
}

export function registerDeviceImportCommand(devices: Command, deps: AdminDeps): void {
  withApiOptions(
    devices
      .command("import")
      .description("create or update devices from an NDJSON or CSV file (streamed; idempotent; per-line errors)")
      .argument("<file>", "NDJSON (one device object per line) or CSV (header of field paths)"),
  )
    .option("--format <format>", "ndjson | csv (default: from the file name)")
    .action(
      action(deps, async (run: Run, file: string, o: ImportOptions) => {
        const format = formatOf(file, o.format);
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          throw new UsageError(`cannot read ${file}`);
        }
        const bar = await progressBar(size, process.stderr);
        let report: ImportReport;
        try {
          report = await uploadImport({
            baseUrl: run.api.baseUrl,
            token: run.token,
            contentType: format === "csv" ? "text/csv" : "application/x-ndjson",
            body: createReadStream(file, { highWaterMark: 256 * 1024 }),
            onSent: (n) => {
              bar.update(n);
            },
          });
        } catch (error) {
          if (error instanceof ImportRefusedError && error.report !== undefined) {
            const partial = error.report as ImportReport;
            if (run.json) run.printJson({ error: error.message, report: partial });
            else for (const line of summaryLines(file, partial)) run.out(line);
          }
          throw error;
        } finally {
          bar.stop();
        }
        if (run.json) run.printJson(report);
        else for (const line of summaryLines(file, report)) run.out(line);
        if (report.failed > 0) (deps.setExitCode ?? ((c: number) => (process.exitCode = c)))(1);
      }),
    );
}
