// The two formats of a device import (`POST /api/v1/devices/import`), read as a stream so that the body is never
// held whole in memory: NDJSON (one JSON device object per line) and CSV (a header of field paths, one device per
// record). Both yield numbered entries: the object to validate, or the line's own problem.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";

export interface ImportLimits {
  /** Largest body, bytes. */
  readonly maxBytes: number;
  /** Most lines (NDJSON) or records (CSV, header excluded). */
  readonly maxLines: number;
}

/** One line (NDJSON) or record (CSV) of the file: the device object it describes, or what is wrong with it. */
export type ImportEntry =
  { readonly line: number; readonly value: unknown } | { readonly line: number; readonly problem: string };

/** Thrown by `limitBytes` when the body grows past its limit; the route answers 413 with the report so far. */
export class ImportLimitExceeded extends Error {
  readonly what: string;
  constructor(what: string) {
    super(what);
    this.what = what;
  }
}

/** Longest line or record accepted (a device object is a few hundred bytes). */
export const MAX_IMPORT_LINE_BYTES = 64 * 1024;

/** The body's chunks, refusing to read past `maxBytes`. */
export async function* limitBytes(body: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of body) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    total += buffer.byteLength;
    if (total > maxBytes) throw new ImportLimitExceeded(`the body is larger than ${maxBytes} bytes`);
    yield buffer;
  }
}

/** NDJSON: blank lines are skipped; a line that is not JSON, or too long, is reported and the next one read. */
export async function* ndjsonEntries(chunks: AsyncIterable<Buffer>): AsyncGenerator<ImportEntry> {
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // An object, not a let: the closures below change it, which flow analysis would not see.
  const state = { overlong: false };
  const finish = (): ImportEntry | undefined => {
    line++;
    const text = Buffer.concat(pending).toString("utf8").replace(/\r$/, "");
    const wasOverlong = state.overlong;
    pending = [];
    pendingBytes = 0;
    state.overlong = false;
    if (wasOverlong) return { line, problem: `the line is longer than ${MAX_IMPORT_LINE_BYTES} bytes` };
    if (text.trim() === "") return undefined;
    try {
      return { line, value: JSON.parse(text) as unknown };
    } catch {
      return { line, problem: "the line is not a JSON object" };
    }
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      append(chunk.subarray(start, nl));
      const entry = finish();
      if (entry !== undefined) yield entry;
      start = nl + 1;
    }
    append(chunk.subarray(start));
  }
  if (pendingBytes > 0 || state.overlong) {
    const entry = finish();
    if (entry !== undefined) yield entry;
  }

  function append(part: Buffer): void {
    if (part.byteLength === 0 || state.overlong) return;
    pendingBytes += part.byteLength;
    if (pendingBytes > MAX_IMPORT_LINE_BYTES) {
      state.overlong = true;
      pending = [];
      return;
    }
    pending.push(part);
  }
}

/** The CSV columns a header may name: a device object's field paths (`labels.<name>` for each label). */
export const CSV_COLUMNS: readonly string[] = [
  "id",
  "notification.type",
  "notification.secret",
  "notification.authData",
  "notifyAddress.udp.host",
  "notifyAddress.udp.port",
  "notifyAddress.mqtt.topic",
  "http.type",
  "http.username",
  "http.realm",
  "http.password",
  "http.ha1Md5",
  "http.ha1Sha256",
  "certFingerprint",
  "psk.identity",
  "psk.key",
];
const NUMERIC_COLUMNS = new Set(["notification.type", "notifyAddress.udp.port"]);

/** Refuses a header with an unknown or repeated column, or without `id`: nothing has been imported yet. */
export function checkCsvHeader(columns: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const c of columns) {
    if (!CSV_COLUMNS.includes(c) && !/^labels\.[^.]+$/.test(c)) return `unknown CSV column ${JSON.stringify(c)}`;
    if (seen.has(c)) return `CSV column ${JSON.stringify(c)} appears twice`;
    seen.add(c);
  }
  return seen.has("id") ? undefined : "the CSV header has no id column";
}

/** One CSV record → the device object it describes: dotted columns nest, empty cells are left out. */
export function csvRecordObject(columns: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  columns.forEach((column, i) => {
    const cell = cells[i] ?? "";
    if (cell === "") return;
    const path = column.startsWith("labels.") ? ["labels", column.slice(7)] : column.split(".");
    let node = out;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1] as string] = NUMERIC_COLUMNS.has(column) && /^\d+$/.test(cell) ? Number(cell) : cell;
  });
  return out;
}

/**
 * CSV (RFC 4180, csv-parse): the first record is the header. A record with the wrong number of cells or a broken
 * quote is reported and skipped; a bad header ends the import before anything is written (`onHeader` throws).
 */
export async function* csvEntries(
  chunks: AsyncIterable<Buffer>,
  onHeader: (columns: readonly string[]) => void,
): AsyncGenerator<ImportEntry> {
  const skipped: ImportEntry[] = [];
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: MAX_IMPORT_LINE_BYTES,
    skip_records_with_error: true,
    info: true,
    on_skip: (error) => {
      const line = Number((error as { lines?: unknown } | undefined)?.lines ?? 0);
      skipped.push({ line, problem: error?.message ?? "malformed CSV record" });
    },
  });
  const feeding = pipeline(Readable.from(chunks), parser);
  // The reader below sees the error through the parser; this only keeps the promise from being unhandled.
  feeding.catch(() => undefined);
  let columns: string[] | undefined;
  for await (const item of parser as AsyncIterable<{ info: { lines: number }; record: string[] }>) {
    yield* skipped.splice(0);
    if (columns === undefined) {
      columns = item.record;
      onHeader(columns);
      continue;
    }
    const line = item.info.lines;
    if (item.record.length !== columns.length) {
      yield { line, problem: `the record has ${item.record.length} cells, the header ${columns.length}` };
      continue;
    }
    yield { line, value: csvRecordObject(columns, item.record) };
  }
  await feeding;
  yield* skipped.splice(0);
}
