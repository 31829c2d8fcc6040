// The server log's two forms: JSON lines (pino's own) for collectors, and readable lines for a person at a
// terminal — `logFormat` `auto` picks the readable one only when standard output is a terminal. The readable
// form is pino's JSON re-written line by line by a small formatter here (time, level, message, then the fields
// as key=value, an error's stack below), so no worker thread or extra dependency is involved.
import { Writable } from "node:stream";
import pino from "pino";

export type LogFormatSetting = "auto" | "json" | "pretty";

/** What `auto` means: pretty for a terminal, JSON for a pipe or file. */
export function chooseLogFormat(setting: LogFormatSetting, isTty: boolean): "json" | "pretty" {
  if (setting === "auto") return isTty ? "pretty" : "json";
  return setting;
}

const LEVELS: Readonly<Record<number, readonly [string, string]>> = {
  10: ["TRACE", "\u001b[90m"],
  20: ["DEBUG", "\u001b[36m"],
  30: ["INFO ", "\u001b[32m"],
  40: ["WARN ", "\u001b[33m"],
  50: ["ERROR", "\u001b[31m"],
  60: ["FATAL", "\u001b[35m"],
};
const RESET = "\u001b[0m";
const DIM = "\u001b[2m";
/** Fields every line has or that say nothing to a reader at a terminal. */
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "service", "v"]);

type Json = Record<string, unknown>;

function value(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  // Durations arrive with float noise (165.02879099999882): three decimals say enough.
  if (typeof v === "number") return String(Number.isInteger(v) ? v : Number(v.toFixed(3)));
  if (typeof v === "boolean" || v === null) return String(v);
  return JSON.stringify(v);
}

/** The fastify request and response objects as a reader wants them. */
function field(key: string, v: unknown): string {
  if ((key === "req" || key === "request") && typeof v === "object" && v !== null) {
    const r = v as Json;
    return `${String(r["method"])} ${String(r["url"])}`;
  }
  if (key === "res" && typeof v === "object" && v !== null) return `status=${value((v as Json)["statusCode"])}`;
  return `${key}=${value(v)}`;
}

/** One pino JSON record as one readable line (plus an error's stack lines). */
export function prettyLine(record: Json, colour: boolean): string {
  const [label, tint] = LEVELS[Number(record["level"])] ?? [String(record["level"]).padEnd(5), ""];
  const time = typeof record["time"] === "number" ? new Date(record["time"]).toISOString().slice(11, 23) : "";
  const fields: string[] = [];
  let stack = "";
  for (const [key, v] of Object.entries(record)) {
    if (HIDDEN.has(key) || v === undefined) continue;
    if (key === "err" && typeof v === "object" && v !== null) {
      const e = v as Json;
      const type = typeof e["type"] === "string" ? e["type"] : "Error";
      const message = typeof e["message"] === "string" ? e["message"] : "";
      fields.push(`err=${value(`${type}: ${message}`)}`);
      if (typeof e["stack"] === "string") stack = `\n${e["stack"].split("\n").slice(1).join("\n")}`;
      continue;
    }
    fields.push(field(key, v));
  }
  const msg = typeof record["msg"] === "string" ? record["msg"] : "";
  const rest = fields.join(" ");
  if (!colour) return `${time} ${label} ${msg}${rest === "" ? "" : `  ${rest}`}${stack}`;
  return `${DIM}${time}${RESET} ${tint}${label}${RESET} ${msg}${rest === "" ? "" : `  ${DIM}${rest}${RESET}`}${stack}`;
}

/** A stream for pino that writes each JSON line it gets to `out` as a readable line. */
export function prettyStream(out: { write(text: string): unknown }, colour: boolean): Writable {
  let partial = "";
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      partial += typeof chunk === "string" ? chunk : chunk.toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") continue;
        let text: string;
        try {
          text = prettyLine(JSON.parse(line) as Json, colour);
        } catch {
          text = line; // not JSON: pass it through untouched
        }
        out.write(`${text}\n`);
      }
      done();
    },
  });
}

export interface LogOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** The server's logger: JSON lines on `out`, or readable ones when `format` (or `auto` on a terminal) says so. */
export function serverLogger(
  options: { readonly level: string; readonly format: LogFormatSetting },
  out: LogOutput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): pino.Logger {
  const base = { level: options.level, base: { service: "omadm" } };
  if (chooseLogFormat(options.format, out.isTTY === true) === "json")
    return out === process.stdout ? pino(base) : pino(base, jsonSink(out));
  // NO_COLOR (no-color.org) and a non-terminal output turn the colours off.
  const colour = out.isTTY === true && (env["NO_COLOR"] ?? "") === "";
  return pino(base, prettyStream(out, colour));
}

/** JSON lines to an output that is not process.stdout (tests). */
function jsonSink(out: LogOutput): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      out.write(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
      done();
    },
  });
}
