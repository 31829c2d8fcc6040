// Streams a device import (`POST /api/v1/devices/import`, NDJSON or CSV) or a firmware image (`omadm firmware
// upload`) to the server without holding the file in memory, reporting the bytes sent as they go (the progress
// bars of `omadm devices import` and `omadm firmware upload`, the registration of `omadm simulate --register`).
// An import answers its report, or for 413 the problem with the report so far.
import { errorMessage } from "@omadm/protocol/omadm-error";
import { ConnectionError, ImportRefusedError } from "../cli-errors.js";

export interface ImportLineError {
  readonly line: number;
  readonly id?: string;
  readonly code: string;
  readonly message: string;
}

export interface ImportReport {
  readonly lines: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly errors: readonly ImportLineError[];
  readonly errorsTruncated: boolean;
}

export interface ImportUpload {
  readonly baseUrl: string;
  readonly token?: string | undefined;
  readonly contentType: string;
  readonly body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
  /** Called after each chunk is handed to the socket, with the total so far. */
  readonly onSent?: (bytes: number) => void;
}

/** Bytes gathered before one write to the socket. */
const WRITE_CHUNK = 64 * 1024;

/** Resolves when the request can take more, or is closed (then the loop above stops). */
function drained(req: import("node:http").ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off("drain", done);
      req.off("close", done);
      resolve();
    };
    req.on("drain", done);
    req.on("close", done);
  });
}

/** The answer to a streamed POST, or ConnectionError when the server cannot be reached. */
export async function streamPost(
  url: string,
  upload: Pick<ImportUpload, "token" | "contentType" | "body" | "onSent" | "baseUrl">,
  what: string,
): Promise<{ readonly status: number; readonly parsed: unknown }> {
  const { request } = url.startsWith("https:") ? await import("node:https") : await import("node:http");
  const headers: Record<string, string> = {
    "content-type": upload.contentType,
    accept: "application/json, application/problem+json",
  };
  if (upload.token !== undefined && upload.token !== "") headers["authorization"] = `Bearer ${upload.token}`;
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    req.on("error", reject);
    void (async () => {
      let sent = 0;
      // Small pieces (a generator's lines) go out gathered into chunks of about WRITE_CHUNK bytes: one write and
      // one chunked-encoding frame per line cost both sides more than the import itself (profiled at 50k lines).
      let pending: (Buffer | string)[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        const chunk = pending.every((p) => typeof p === "string")
          ? pending.join("")
          : Buffer.concat(pending.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
        sent += pendingBytes;
        pending = [];
        pendingBytes = 0;
        // Wait for the socket when its buffer is full: the file is read no faster than it is sent.
        if (!req.write(chunk)) await drained(req);
        upload.onSent?.(sent);
      };
      try {
        for await (const piece of upload.body) {
          if (req.destroyed || req.writableEnded) break;
          pending.push(piece);
          pendingBytes += typeof piece === "string" ? Buffer.byteLength(piece) : piece.byteLength;
          if (pendingBytes >= WRITE_CHUNK) await flush();
        }
        if (!req.destroyed && !req.writableEnded) await flush();
        req.end();
      } catch (error) {
        req.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    })();
  });
  let res: { status: number; text: string };
  try {
    res = await answer;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw new ConnectionError(
      `cannot send ${what} to ${upload.baseUrl}: ${typeof code === "string" ? code : errorMessage(error)}`,
      error,
    );
  }
  try {
    return { status: res.status, parsed: JSON.parse(res.text) as unknown };
  } catch {
    return { status: res.status, parsed: undefined };
  }
}

/** The report; ApiError for a refusal (a 413 one carries the report so far), ConnectionError when unreachable. */
export async function uploadImport(upload: ImportUpload): Promise<ImportReport> {
  const url = `${upload.baseUrl.replace(/\/+$/, "")}/api/v1/devices/import`;
  const res = await streamPost(url, upload, "the import");
  if (res.status === 200) return res.parsed as ImportReport;
  const problem = (res.parsed ?? {}) as { code?: unknown; detail?: unknown; report?: ImportReport };
  throw new ImportRefusedError(
    res.status,
    typeof problem.code === "string" ? problem.code : null,
    typeof problem.detail === "string" ? problem.detail : `HTTP ${res.status}`,
    problem.report,
  );
}
