// POST /api/v1/devices/import: creates or updates many devices from an NDJSON or CSV body, streamed (never held
// whole in memory) and applied in batches of IMPORT_BATCH_ROWS rows, each one store transaction
// (`DeviceStore.importBatch`). Idempotent: importing the same file again reports every device `unchanged` and
// writes nothing. Every bad line is reported with its number and problem, and the others are imported. Secrets
// go in and never come back: the report names lines, ids and problems, never a credential.
import type { Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import { ServerError, ServerErrorCode } from "../errors.js";
import { ImportOutcome, type DeviceImportRow } from "../store/types-import.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { NewDeviceBody, newDeviceOf } from "./device-schemas.js";
import { problemResponses } from "./error-docs.js";
import {
  checkCsvHeader,
  csvEntries,
  CSV_COLUMNS,
  ImportLimitExceeded,
  limitBytes,
  ndjsonEntries,
} from "./import-lines.js";
import type { ImportEntry, ImportLimits } from "./import-lines.js";

import { formatValidationErrors } from "../edge/error-map.js";
import { makeProblem, PROBLEM_MEDIA_TYPE } from "../edge/problem.js";
import { RAW_BODY_CONFIG } from "./routes-repository.js";

const C = ServerErrorCode;
/** Rows per store transaction: large enough that a commit is rare, small enough to never hold the loop long. */
export const IMPORT_BATCH_ROWS = 500;
/** Most line errors a report lists (the counts cover all of them). */
export const MAX_REPORTED_ERRORS = 1000;

export const NDJSON_TYPES = ["application/x-ndjson", "application/jsonl"] as const;
export const CSV_TYPE = "text/csv";

const LineError = Type.Object({
  line: Type.Integer({ description: "1-based line of the body (CSV: the line the record ends on)" }),
  id: Type.Optional(Type.String({ description: "The device id of the line, when it has one" })),
  code: Type.String({ description: "Stable error code (OMADM_SRV_INVALID_INPUT, OMADM_SRV_CREDENTIAL_CONFLICT, …)" }),
  message: Type.String(),
});

export const ImportReport = Type.Object(
  {
    lines: Type.Integer({ description: "Device lines read (blank lines and the CSV header not counted)" }),
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer({ description: "Devices that already had exactly these values (nothing written)" }),
    failed: Type.Integer({ description: "Lines refused; each is in errors (up to the first 1000)" }),
    errors: Type.Array(LineError),
    errorsTruncated: Type.Boolean({ description: "More lines failed than errors lists" }),
  },
  { description: "What the import did, line by line in counts; credentials are never echoed" },
);
export type ImportReport = Static<typeof ImportReport>;

const checkLine = Compile(NewDeviceBody);

class ReportBuilder {
  readonly report = {
    lines: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    errors: [] as Static<typeof LineError>[],
    errorsTruncated: false,
  };

  fail(line: number, id: string | undefined, code: string, message: string): void {
    this.report.failed++;
    if (this.report.errors.length >= MAX_REPORTED_ERRORS) {
      this.report.errorsTruncated = true;
      return;
    }
    this.report.errors.push({ line, ...(id === undefined || id === "" ? {} : { id }), code, message });
  }

  count(outcome: ImportOutcome): void {
    this.report[outcome]++;
  }
}

/** The id of a line's object when it has a string one (for the report), without trusting anything else in it. */
function idOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" ? id.slice(0, 256) : undefined;
}

/** Reads the entries, checks each line, and applies them batch by batch. Throws ImportLimitExceeded. */
async function runImport(
  ctx: ApiContext,
  entries: AsyncIterable<ImportEntry>,
  limits: ImportLimits,
  builder: ReportBuilder,
): Promise<void> {
  let batch: { line: number; row: DeviceImportRow }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const results = await ctx.store.devices.importBatch(rows.map((r) => r.row));
    results.forEach((result, i) => {
      const { line, row } = rows[i] as { line: number; row: DeviceImportRow };
      if ("outcome" in result) builder.count(result.outcome);
      else builder.fail(line, row.id, result.error.code, result.error.message);
    });
  };
  try {
    for await (const entry of entries) {
      if (builder.report.lines >= limits.maxLines) {
        throw new ImportLimitExceeded(`the body has more than ${limits.maxLines} lines`);
      }
      builder.report.lines++;
      if ("problem" in entry) {
        builder.fail(entry.line, undefined, C.INVALID_INPUT, entry.problem);
        continue;
      }
      const { line, value } = entry;
      if (!checkLine.Check(value)) {
        const errors = [...checkLine.Errors(value)] as unknown as Parameters<typeof formatValidationErrors>[0];
        builder.fail(line, idOf(value), C.INVALID_INPUT, formatValidationErrors(errors, "line"));
        continue;
      }
      try {
        batch.push({ line, row: newDeviceOf(value, ctx) });
      } catch (error) {
        if (!(error instanceof ServerError)) throw error;
        builder.fail(line, value.id, error.code, error.message);
        continue;
      }
      if (batch.length >= IMPORT_BATCH_ROWS) await flush();
    }
  } finally {
    // What was read before a limit or a broken body is still imported, and the report says so.
    await flush();
  }
}

export function registerImportRoutes(app: ApiApp, ctx: ApiContext): void {
  const limits = ctx.importLimits;
  app.register((scope: ApiApp, _opts, done) => {
    scope.removeAllContentTypeParsers();
    // The body stays a stream: the handler reads it line by line.
    scope.addContentTypeParser([...NDJSON_TYPES, CSV_TYPE], (_request, payload, next) => {
      next(null, payload);
    });
    scope.post(
      "/devices/import",
      {
        config: { [RAW_BODY_CONFIG]: true },
        schema: {
          tags: ["devices"],
          operationId: "importDevices",
          summary: "Create or update many devices from NDJSON or CSV (streamed; idempotent; per-line errors)",
          description: [
            "The body is `application/x-ndjson` (one device object per line, the fields of `createDevice`) or",
            "`text/csv` (a header of field paths, then one device per record). CSV columns: " +
              CSV_COLUMNS.map((c) => `\`${c}\``).join(", ") +
              " and `labels.<name>` per label; an empty cell leaves its field out.",
            "A device that exists is updated with the fields given (labels, when given, replace all labels);",
            "one that does not is created `provisioned`. Importing the same file again changes nothing.",
            `Lines are applied in batches of ${IMPORT_BATCH_ROWS} (one transaction each). A bad line is`,
            "reported with its number and problem and the others are imported. Past the server's limits",
            "(`api.importMaxBytes`, `api.importMaxLines`) the answer is 413 with the report of what was imported.",
          ].join("\n"),
          response: {
            200: ImportReport,
            ...problemResponses(
              C.INVALID_INPUT,
              C.API_BAD_REQUEST,
              C.API_PAYLOAD_TOO_LARGE,
              C.API_UNSUPPORTED_MEDIA_TYPE,
            ),
          },
        },
      },
      async (request, reply) => {
        const declared = Number(request.headers["content-length"] ?? "0");
        if (declared > limits.maxBytes) {
          throw new ServerError(C.API_PAYLOAD_TOO_LARGE, `the body is larger than ${limits.maxBytes} bytes`);
        }
        const body = request.body as Readable;
        // Stopping early (a limit, a bad CSV header) must not destroy the request: its socket carries the answer.
        const chunks = limitBytes(body.iterator({ destroyOnReturn: false }), limits.maxBytes);
        const csv = (request.headers["content-type"] ?? "").toLowerCase().startsWith(CSV_TYPE);
        const entries = csv
          ? csvEntries(chunks, (columns) => {
              const problem = checkCsvHeader(columns);
              if (problem !== undefined) throw new ServerError(C.INVALID_INPUT, problem);
            })
          : ndjsonEntries(chunks);
        const builder = new ReportBuilder();
        try {
          await runImport(ctx, entries, limits, builder);
        } catch (error) {
          if (!(error instanceof ImportLimitExceeded)) throw error;
          // The rest of the body is not read: the connection closes after the answer rather than carry on.
          const problem = makeProblem(
            413,
            C.API_PAYLOAD_TOO_LARGE,
            `${error.what}; the report lists what was imported`,
          );
          // The 413 problem carries the report (documented as ProblemSchema's `report`).
          return (reply as unknown as FastifyReply)
            .code(413)
            .header("connection", "close")
            .type(PROBLEM_MEDIA_TYPE)
            .send({ ...problem, instance: request.url, requestId: request.id, report: builder.report });
        }
        return builder.report;
      },
    );
    done();
  });
}
