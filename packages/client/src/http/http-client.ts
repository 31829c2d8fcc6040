// The HTTP seam of the DM Client: the session runner and the command executors (HGET/HPUT/HPOST/SUB) talk to
// DM Servers and Data Repositories only through this interface, so the transport (undici, TLS, PSK) stays an
// adapter (ARCHITECTURE.md invariant 2).
import { OmadmError } from "@omadm/protocol";

export interface HttpRequest {
  readonly method: "GET" | "PUT" | "POST";
  /** Absolute http(s) URL. */
  readonly url: string;
  /** Header names as given; the transport does not add OMADM headers of its own. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Time allowed for the whole exchange (headers and body); the transport's default when absent. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case header names; repeated headers (e.g. set-cookie, www-authenticate) as arrays. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Uint8Array;
}

/** Any HTTP status is a response; `request` rejects only with an HttpTransportError. */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** Why an HTTP exchange produced no response. Stable codes, matched by callers and tests. */
export const HttpErrorCode = {
  /** TCP connect or TLS handshake did not finish within the connect timeout. */
  CONNECT_TIMEOUT: "OMADM_HTTP_CONNECT_TIMEOUT",
  /** The response (headers or body) did not arrive within the request timeout (§1.5: P2 300 s). */
  RESPONSE_TIMEOUT: "OMADM_HTTP_RESPONSE_TIMEOUT",
  /** Connection refused, reset, closed early, DNS failure: any socket-level failure. */
  NETWORK: "OMADM_HTTP_NETWORK",
  /** TLS failure: certificate not trusted, hostname mismatch, handshake alert, protocol version. */
  TLS: "OMADM_HTTP_TLS",
  /** The response body exceeded the configured limit. */
  BODY_TOO_LARGE: "OMADM_HTTP_BODY_TOO_LARGE",
  /** The caller's AbortSignal fired. */
  ABORTED: "OMADM_HTTP_ABORTED",
  /** The URL is not usable (not http/https, plain http not allowed, malformed). */
  BAD_URL: "OMADM_HTTP_BAD_URL",
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

export class HttpTransportError extends OmadmError<HttpErrorCode> {
  override readonly name = "HttpTransportError";

  constructor(code: HttpErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(code, message, options?.cause === undefined ? {} : { cause: options.cause });
  }
}

export function isHttpTransportError(value: unknown): value is HttpTransportError {
  return value instanceof HttpTransportError;
}

/** The first value of a response header (headers are lower-case in HttpResponse). */
export function headerValue(headers: HttpResponse["headers"], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return undefined;
  return typeof v === "string" ? v : v[0];
}

/** Every value of a response header, e.g. all `set-cookie` lines. */
export function headerValues(headers: HttpResponse["headers"], name: string): readonly string[] {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return [];
  return typeof v === "string" ? [v] : v;
}
