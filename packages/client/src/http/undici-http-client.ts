// The DM Client's HTTP transport on an undici Agent: one connection pool per origin, reused across the packages of
// a session and across sessions (docs/protocol.md §1.4: reuse the TLS session and connection where possible).
// TLS per docs/protocol.md §11.2: server verification against a configurable CA, X.509 client certificates, and
// PSK-TLS (RFC 4279) with the §11.2 cipher suites on TLS 1.2. Every failure that yields no HTTP response becomes
// an HttpTransportError with a stable code; an HTTP error status is a normal response.
import type { SecureVersion } from "node:tls";
import { Agent } from "undici";
import {
  HttpErrorCode,
  HttpTransportError,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
} from "./http-client.js";

/** PEM text or bytes, or several of them (a CA bundle, a certificate chain). */
export type TlsMaterial = string | Uint8Array | readonly (string | Uint8Array)[];

export interface PskCredentials {
  /** The PSK identity sent to the server (Auth/Trsp/Data in PSK mode). */
  readonly identity: string;
  /** The pre-shared key (Auth/Trsp/Secret in PSK mode). */
  readonly key: Uint8Array;
}

export interface UndiciHttpClientOptions {
  /** Trusted CA certificates (PEM) replacing Node's bundle; default: the system bundle. */
  readonly ca?: TlsMaterial;
  /** Client certificate chain (PEM) for X.509 client authentication (§11.2). */
  readonly cert?: TlsMaterial;
  /** Client private key (PEM). */
  readonly key?: TlsMaterial;
  /** PSK-TLS credentials: the connection offers the §11.2 PSK suites over TLS 1.2 only. */
  readonly psk?: PskCredentials;
  /** Verify the server certificate (default true; false only for tests against a throw-away server). */
  readonly rejectUnauthorized?: boolean;
  /** Lowest TLS version accepted (default TLSv1.2, docs/protocol.md §11.2, omadm's choice). */
  readonly minVersion?: SecureVersion;
  /** TCP connect plus TLS handshake (default 30 s, docs/protocol.md §1.5). */
  readonly connectTimeoutMs?: number;
  /** Whole exchange when the request names no timeout (default 300 s, docs/protocol.md §1.5). */
  readonly requestTimeoutMs?: number;
  /** Largest response body read (default 16 MiB); more is BODY_TOO_LARGE. */
  readonly maxResponseBytes?: number;
  /** Accept plain `http:` URLs (tests, loopback); default https only (docs/protocol.md §6.2). */
  readonly allowHttp?: boolean;
  /** Most connections per origin (default: no limit); requests beyond wait for a free one. */
  readonly connections?: number;
}

export interface UndiciHttpClient extends HttpClient {
  /** Closes the pooled connections; requests in flight finish first. */
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** docs/protocol.md §11.2: the PSK cipher suites, in OpenSSL names (RFC 4279, RFC 5487, RFC 5489). */
export const PSK_CIPHERS = [
  "PSK-AES128-GCM-SHA256",
  "DHE-PSK-AES128-GCM-SHA256",
  "RSA-PSK-AES128-GCM-SHA256",
  "PSK-AES128-CBC-SHA256",
  "DHE-PSK-AES128-CBC-SHA256",
  "RSA-PSK-AES128-CBC-SHA256",
  "ECDHE-PSK-AES128-CBC-SHA256",
] as const;

export function createUndiciHttpClient(options: UndiciHttpClientOptions = {}): UndiciHttpClient {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const defaultTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const agent = new Agent({
    connect: connectOptions(options, connectTimeoutMs),
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const url = checkUrl(req.url, options.allowHttp === true);
      const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
      if (req.signal?.aborted === true)
        throw new HttpTransportError(HttpErrorCode.ABORTED, `request to ${req.url} cancelled`);
      const controller = new AbortController();
      let timedOut = false;
      let cancelled = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onCallerAbort = (): void => {
        cancelled = true;
        controller.abort();
      };
      req.signal?.addEventListener("abort", onCallerAbort, { once: true });
      try {
        const res = await agent.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: req.method,
          headers: { ...req.headers },
          body: req.body === undefined ? null : req.body,
          signal: controller.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const body = await readLimited(res.body, maxBytes, req.url);
        // undici frees the connection on a later tick than the body ends; answering after it lets the caller's next
        // request reuse this connection instead of opening a second one (docs/protocol.md §1.4).
        await new Promise<void>((resolve) => setImmediate(resolve));
        return { status: res.statusCode, headers: res.headers, body };
      } catch (error) {
        throw toTransportError(error, req.url, {
          timedOut,
          cancelled,
          timeoutMs,
          connectTimeoutMs,
        });
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener("abort", onCallerAbort);
      }
    },
    close() {
      return agent.close();
    },
  };
}

/** The tls.connect options undici passes through for https origins. */
function connectOptions(options: UndiciHttpClientOptions, timeout: number): Record<string, unknown> {
  const tls: Record<string, unknown> = {
    timeout,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    minVersion: options.minVersion ?? "TLSv1.2",
  };
  if (options.ca !== undefined) tls.ca = material(options.ca);
  if (options.cert !== undefined) tls.cert = material(options.cert);
  if (options.key !== undefined) tls.key = material(options.key);
  const psk = options.psk;
  if (psk !== undefined) {
    // §11.2 (omadm's choice): PSK mode is TLS 1.2 only, with the PSK suites of RFC 4279/5487/5489.
    tls.maxVersion = "TLSv1.2";
    tls.ciphers = PSK_CIPHERS.join(":");
    tls.pskCallback = () => ({ identity: psk.identity, psk: Buffer.from(psk.key) });
    // The shared key authenticates the server; a pure PSK suite presents no certificate to check a name against.
    tls.checkServerIdentity = () => undefined;
  }
  return tls;
}

function material(m: TlsMaterial): string | Buffer | (string | Buffer)[] {
  const one = (x: string | Uint8Array): string | Buffer => (typeof x === "string" ? x : Buffer.from(x));
  return typeof m === "string" || m instanceof Uint8Array ? one(m) : m.map(one);
}

function checkUrl(text: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HttpTransportError(HttpErrorCode.BAD_URL, `${JSON.stringify(text)} is not an absolute URL`);
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && allowHttp)) return url;
  throw new HttpTransportError(
    HttpErrorCode.BAD_URL,
    url.protocol === "http:"
      ? `plain http is not allowed (${text}); DM traffic goes over https (§11.2)`
      : `unsupported scheme ${url.protocol} in ${text}`,
  );
}

async function readLimited(
  body: AsyncIterable<unknown> & { destroy(error?: Error): unknown },
  max: number,
  url: string,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) {
      const error = new HttpTransportError(HttpErrorCode.BODY_TOO_LARGE, `response from ${url} exceeds ${max} bytes`);
      body.destroy(error);
      throw error;
    }
    chunks.push(buf);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|HOSTNAME_MISMATCH|ERR_OSSL_)/;

function toTransportError(
  error: unknown,
  url: string,
  why: {
    readonly timedOut: boolean;
    readonly cancelled: boolean;
    readonly timeoutMs: number;
    readonly connectTimeoutMs: number;
  },
): HttpTransportError {
  if (error instanceof HttpTransportError) return error;
  if (why.timedOut) {
    return new HttpTransportError(
      HttpErrorCode.RESPONSE_TIMEOUT,
      `no response from ${url} within ${why.timeoutMs} ms`,
      { cause: error },
    );
  }
  if (why.cancelled)
    return new HttpTransportError(HttpErrorCode.ABORTED, `request to ${url} cancelled`, { cause: error });
  const codes = errorCodes(error);
  const detail = describe(error);
  if (codes.includes("UND_ERR_CONNECT_TIMEOUT")) {
    return new HttpTransportError(
      HttpErrorCode.CONNECT_TIMEOUT,
      `connecting to ${url} took longer than ${why.connectTimeoutMs} ms`,
      { cause: error },
    );
  }
  if (codes.includes("UND_ERR_HEADERS_TIMEOUT") || codes.includes("UND_ERR_BODY_TIMEOUT")) {
    return new HttpTransportError(
      HttpErrorCode.RESPONSE_TIMEOUT,
      `no response from ${url} within ${why.timeoutMs} ms`,
      { cause: error },
    );
  }
  if (codes.includes("UND_ERR_RES_EXCEEDED_MAX_SIZE")) {
    return new HttpTransportError(HttpErrorCode.BODY_TOO_LARGE, `response from ${url} too large`, { cause: error });
  }
  if (codes.some((c) => TLS_CODE.test(c) || c === "EPROTO") || /\bSSL\b|\bTLS\b|certificate/i.test(detail)) {
    return new HttpTransportError(HttpErrorCode.TLS, `TLS with ${url} failed: ${detail}`, { cause: error });
  }
  return new HttpTransportError(HttpErrorCode.NETWORK, `request to ${url} failed: ${detail}`, { cause: error });
}

/** The `code`s along the error's cause chain (undici wraps socket errors). */
function errorCodes(error: unknown): string[] {
  const out: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") out.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${typeof code === "string" ? code + ": " : ""}${error.message}${cause}`;
}
