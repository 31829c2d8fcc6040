// The admin commands' HTTP client for the DM Server's REST API (/api/v1): JSON in and out, bearer token, and
// RFC 9457 problem bodies turned into an ApiError whose message is the server's `detail`. node:http by
// default; any fetch-compatible function can be injected (tests, proxies).
import { errorMessage } from "@omadm/protocol/omadm-error";
import { ApiError, ConnectionError } from "../cli-errors.js";

/** The part of `fetch` the client uses; `globalThis.fetch` fits. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array | string },
) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly etag: string | null;
  readonly body: Uint8Array;
}

export interface ApiClientOptions {
  /** e.g. http://127.0.0.1:8080 (no /api suffix). */
  readonly baseUrl: string;
  readonly token?: string | undefined;
  readonly fetchLike?: FetchLike | undefined;
}

export interface CallOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is, with `contentType`. */
  readonly body?: Uint8Array;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiClient {
  readonly baseUrl: string;
  /** Any 2xx answer; ApiError for ≥ 400; ConnectionError when the server cannot be reached. */
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  /** `call` and parse the JSON body (null for an empty one), typed as the caller expects it. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape
  json<T>(method: string, path: string, options?: CallOptions): Promise<{ status: number; data: T }>;
}

/**
 * node:http (node:https for an https URL) as a FetchLike. Not fetch, nor undici: loading either costs more than
 * the rest of an admin command's start-up together (time and memory, measured by `npm run bench:startup`). A
 * network failure rejects with its code (`ECONNREFUSED`, …); redirects are not followed (the API answers none).
 */
export const nodeHttpFetch: FetchLike = async (url, init) => {
  const { request } = url.startsWith("https:") ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const body = new Uint8Array(Buffer.concat(chunks));
        resolve({
          status: res.statusCode ?? 0,
          headers: {
            get: (name) => {
              const value = res.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
            },
          },
          arrayBuffer: () => Promise.resolve(body.buffer),
        });
      });
    });
    req.on("error", reject);
    req.end(init.body);
  });
};

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = checkBaseUrl(options.baseUrl);
  const fetchLike = options.fetchLike ?? nodeHttpFetch;

  async function call(method: string, path: string, callOptions: CallOptions = {}): Promise<ApiResponse> {
    const url = `${baseUrl}/api/v1${path}${queryString(callOptions.query)}`;
    const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
    if (options.token !== undefined && options.token !== "") headers["authorization"] = `Bearer ${options.token}`;
    let body: Uint8Array | string | undefined;
    if (callOptions.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(callOptions.json);
    } else if (callOptions.body !== undefined) {
      headers["content-type"] = callOptions.contentType ?? "application/octet-stream";
      body = callOptions.body;
    }
    Object.assign(headers, callOptions.headers);
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await fetchLike(url, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      // Node's socket errors carry a short code (ECONNREFUSED) that says more than their message.
      const code = (error as { code?: unknown } | null)?.code;
      const reason = typeof code === "string" ? code : errorMessage(error);
      throw new ConnectionError(`cannot reach the omadm server at ${baseUrl}: ${reason}`, error);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    const response = {
      status: res.status,
      contentType: res.headers.get("content-type"),
      etag: res.headers.get("etag"),
      body: bytes,
    };
    if (res.status >= 400) throw problemError(response);
    return response;
  }

  return {
    baseUrl,
    call,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as in the interface
    async json<T>(method: string, path: string, callOptions?: CallOptions) {
      const res = await call(method, path, callOptions);
      const text = new TextDecoder().decode(res.body);
      return { status: res.status, data: (text === "" ? null : JSON.parse(text)) as T };
    },
  };
}

function checkBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConnectionError(`the server URL ${JSON.stringify(text)} is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConnectionError(`the server URL must be http or https, not ${url.protocol}`);
  }
  return url.href.replace(/\/+$/, "");
}

function queryString(query: CallOptions["query"]): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? (value as readonly string[]) : [String(value)]) params.append(key, v);
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** The problem's detail and code when the body is one; otherwise the status line and a body excerpt. */
function problemError(res: ApiResponse): ApiError {
  const text = new TextDecoder().decode(res.body);
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown; title?: unknown };
    const detail =
      typeof problem.detail === "string" ? problem.detail : typeof problem.title === "string" ? problem.title : "";
    if (detail !== "") return new ApiError(res.status, typeof problem.code === "string" ? problem.code : null, detail);
  } catch {
    // not JSON: fall through
  }
  const excerpt = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new ApiError(res.status, null, `HTTP ${res.status}${excerpt === "" ? "" : `: ${excerpt}`}`);
}
