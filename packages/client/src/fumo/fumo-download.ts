// Downloading a firmware package for FUMO (docs/firmware.md): streamed through SHA-256 and counted, never held
// whole; a connection cut mid-body resumes where it stopped with `Range: bytes=<received>-` and `If-Range: <ETag>`,
// so a changed image restarts from zero instead of splicing two images. Each failure maps to its FUMO result code.
import { createHash, type Hash } from "node:crypto";
import { FumoResult, HDR_DEVID } from "@omadm/protocol";
import { request, type Dispatcher } from "undici";

export interface PackageDownloadOptions {
  /** The PkgURL without its digest fragment (http or https). */
  readonly url: string;
  /** Expected SHA-256 (lower-case hex); a mismatch is 402 Corrupted firmware package. */
  readonly sha256?: string | undefined;
  /** Sent as OMADM-DevID, so the server's download route knows the device (docs/firmware.md). */
  readonly devId: string;
  /** Default: undici's global dispatcher. */
  readonly dispatcher?: Dispatcher | undefined;
  /** Extra request headers (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Requests in all, the first included (default 5): every later one resumes. */
  readonly maxAttempts?: number | undefined;
  /** Pause before a resumed request (default 200 ms). */
  readonly retryDelayMs?: number | undefined;
  /** Headers and body time-outs of each request (default 60 s). */
  readonly timeoutMs?: number | undefined;
  /** Largest package accepted (default 4 GiB); more is 501 Download fails due to device out of memory. */
  readonly maxBytes?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called after each chunk with the bytes received so far and the total when known. */
  readonly onProgress?: ((received: number, total: number | undefined) => void) | undefined;
}

export type PackageDownload =
  | {
      readonly ok: true;
      readonly size: number;
      readonly sha256: string;
      /** Requests it took (1 without a cut). */
      readonly requests: number;
    }
  | { readonly ok: false; readonly result: FumoResult; readonly message: string; readonly requests: number };

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_RETRY_DELAY_MS = 200;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

/** The FUMO result for an HTTP status that is not a usable answer. */
export function resultForHttpStatus(status: number): FumoResult {
  if (status === 401 || status === 403 || status === 407) return FumoResult.DOWNLOAD_AUTH_FAILED;
  if (status === 404 || status === 410 || status === 400 || status === 414) return FumoResult.BAD_URL;
  if (status === 408 || status === 504) return FumoResult.DOWNLOAD_TIMEOUT;
  if (status === 503 || status === 502) return FumoResult.DOWNLOAD_SERVER_UNAVAILABLE;
  return FumoResult.DOWNLOAD_SERVER_ERROR;
}

/** `bytes <first>-<last>/<total>` → first and total (total undefined for `*`); null when malformed. */
function parseContentRange(value: string | string[] | undefined): { first: number; total?: number } | null {
  if (typeof value !== "string") return null;
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (m === null) return null;
  const first = Number(m[1]);
  return m[3] === "*" ? { first } : { first, total: Number(m[3]) };
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return typeof v === "string" ? v : undefined;
};

function validUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

const delay = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** Downloads the package; never throws. */
export async function downloadPackage(options: PackageDownloadOptions): Promise<PackageDownload> {
  const attempts = options.maxAttempts ?? DEFAULT_ATTEMPTS;
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!validUrl(options.url)) {
    return { ok: false, result: FumoResult.BAD_URL, message: `not an http(s) URL: ${options.url}`, requests: 0 };
  }
  let hash: Hash = createHash("sha256");
  let received = 0;
  let total: number | undefined;
  let etag: string | undefined;
  let lastFailure: { result: FumoResult; message: string } = {
    result: FumoResult.DOWNLOAD_NETWORK_ERROR,
    message: "no attempt made",
  };
  const restart = () => {
    hash = createHash("sha256");
    received = 0;
    total = undefined;
  };

  for (let n = 1; n <= attempts; n++) {
    if (options.signal?.aborted === true) {
      return { ok: false, result: FumoResult.USER_CANCELLED, message: "cancelled", requests: n - 1 };
    }
    const resuming = received > 0;
    const headers: Record<string, string> = { ...options.headers, [HDR_DEVID]: options.devId };
    if (resuming) {
      headers["range"] = `bytes=${received}-`;
      // A weak or missing ETag cannot guard a resume: without it the server's 200 restarts the download.
      if (etag !== undefined && !etag.startsWith("W/")) headers["if-range"] = etag;
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(options.url, {
        method: "GET",
        headers,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      lastFailure = { result: FumoResult.DOWNLOAD_NETWORK_ERROR, message: `request failed: ${String(error)}` };
      await delay(options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, options.signal);
      continue;
    }
    const { statusCode } = response;
    const h = response.headers;
    if (statusCode === 200) {
      if (resuming) restart(); // the server sent the whole image (no range support, or it changed)
      const length = header(h, "content-length");
      total = length === undefined ? undefined : Number(length);
    } else if (statusCode === 206 && resuming) {
      const range = parseContentRange(h["content-range"]);
      if (range === null || range.first !== received) {
        await response.body.dump();
        restart();
        lastFailure = { result: FumoResult.DOWNLOAD_SERVER_ERROR, message: "a range answer that does not fit" };
        continue;
      }
      total = range.total;
    } else if (statusCode === 416 && resuming) {
      await response.body.dump();
      restart();
      lastFailure = { result: FumoResult.DOWNLOAD_SERVER_ERROR, message: "416 on resume" };
      continue;
    } else {
      await response.body.dump();
      const result = resultForHttpStatus(statusCode);
      // Only an unavailable server is worth another request; the other refusals will not change.
      if (result !== FumoResult.DOWNLOAD_SERVER_UNAVAILABLE) {
        return { ok: false, result, message: `HTTP ${statusCode} from ${options.url}`, requests: n };
      }
      lastFailure = { result, message: `HTTP ${statusCode}` };
      await delay(options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, options.signal);
      continue;
    }
    if (total !== undefined && total > maxBytes) {
      await response.body.dump();
      return {
        ok: false,
        result: FumoResult.DOWNLOAD_OUT_OF_MEMORY,
        message: `the package (${total} bytes) is larger than ${maxBytes} bytes`,
        requests: n,
      };
    }
    etag = header(h, "etag") ?? etag;
    try {
      for await (const chunk of response.body) {
        const bytes = chunk as Buffer;
        hash.update(bytes);
        received += bytes.length;
        if (received > maxBytes) {
          response.body.destroy();
          return {
            ok: false,
            result: FumoResult.DOWNLOAD_OUT_OF_MEMORY,
            message: `the package is larger than ${maxBytes} bytes`,
            requests: n,
          };
        }
        options.onProgress?.(received, total);
      }
    } catch (error) {
      // A cut mid-body: what was hashed so far stays, the next request asks for the rest.
      lastFailure = { result: FumoResult.DOWNLOAD_NETWORK_ERROR, message: `download cut: ${String(error)}` };
      await delay(options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, options.signal);
      continue;
    }
    if (total !== undefined && received !== total) {
      lastFailure = { result: FumoResult.DOWNLOAD_NETWORK_ERROR, message: `got ${received} of ${total} bytes` };
      continue;
    }
    const sha256 = hash.digest("hex");
    if (options.sha256 !== undefined && sha256 !== options.sha256) {
      return {
        ok: false,
        result: FumoResult.CORRUPTED_PACKAGE,
        message: `SHA-256 ${sha256} differs from the expected ${options.sha256}`,
        requests: n,
      };
    }
    return { ok: true, size: received, sha256, requests: n };
  }
  return { ok: false, ...lastFailure, requests: attempts };
}
